"""Grouped ("formatted") report tables as plain records.

Salesforce's Reports -> Export -> Formatted Report (and other CRMs' grouped reports) write a
group's label on its first row only and close each group with a Subtotal row; the reader
sets those total rows aside and carries the labels down to every record of the group.
"""

from __future__ import annotations

import re

import pandas as pd

# Rows inside a grouped report's table that total a group or the whole (Salesforce "Subtotal",
# "Total", "Grand Totals (3 records)").
TOTAL_ROW = re.compile(r"^(sub-?totals?|totals?|grand\s+totals?|итого|всего|промежуточный\s+итог)\b",
                       re.IGNORECASE)


def ungroup(frame: pd.DataFrame, row_column: str) -> tuple[pd.DataFrame, list[tuple[int, str]]]:
    """A grouped ("formatted") report as plain records: its total rows set aside, and each
    grouping column's label - written on the first row of its group only - carried down to every
    record of the group. Grouping columns are the leftmost columns whose values all sit on the
    first row after a total row (or the table's first row); without total rows nothing is touched."""
    values = frame.drop(columns=row_column).astype(object)
    text = values.where(values.notna(), "").astype(str).apply(lambda col: col.str.strip())
    if text.empty:
        return frame, []
    filled = text.ne("")
    lead = text.iloc[:, :2]
    first_text = lead.iloc[:, 0].where(lead.iloc[:, 0].ne(""), lead.iloc[:, -1])
    narrow = filled.sum(axis=1) <= max(2, text.shape[1] // 2)  # a record fills most of its row
    is_total = first_text.str.match(TOTAL_ROW.pattern, case=False) & narrow
    if not is_total.any():
        return frame, []
    starts = is_total.shift(fill_value=True) & ~is_total  # first record after a total row
    records = frame[~is_total.to_numpy()].copy()
    for col in list(values.columns[:3]):  # Salesforce groups rows by up to three fields, leftmost
        present = filled[col] & ~is_total
        if not present.any() or (present & ~starts).any():
            break
        records[col] = records[col].ffill()
    totals = [(int(r), " | ".join(v for v in vals if v)) for r, vals in
              zip(frame.loc[is_total.to_numpy(), row_column], text[is_total].to_numpy().tolist())]
    return records.reset_index(drop=True), totals
