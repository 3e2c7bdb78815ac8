"""What a reader needs beside each finding: the deal it is about, that deal's title, amount and
company, and the moment the problem happened or was last seen.

The JSON findings keep the contract's columns; these columns serve the human reports (the
workbook's to-do list groups a deal's findings of one check into one row, with a date cell and
a link to the deal, also for findings about an activity of that deal).

- `deal_id`: the finding's deal: its entity for a deal finding, the deal the check named for an
  activity finding (`related_deal`, else the `deal_id` of its evidence), empty otherwise;
- `title`, `amount`, `company`: that deal's, from the deals export (first row of its id);
- `at`: the first of the check's `dated_by` fields present (an evidence field, or `deal.<column>`
  for the deal's own column), as a timestamp; empty when the check dates nothing.
"""

from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np
import pandas as pd

from audit.model import CrmData
from audit.model.findings import RELATED_DEAL
from audit.model.keys import positions

CONTEXT_COLUMNS = ("deal_id", "title", "amount", "company", "at")


def with_context(findings: pd.DataFrame, crm: CrmData, dated_by: Mapping[str, Sequence[str]]) -> pd.DataFrame:
    """`findings` with CONTEXT_COLUMNS added (vectorized per check; evidence read once per field)."""
    out = findings.copy()
    kind = out["entity_type"]
    deal_ids = out["entity_id"].where(kind.eq("deal")).astype(object)
    is_activity = kind.eq("activity").to_numpy()
    if is_activity.any():
        # The deal the check named (RELATED_DEAL), else the deal_id of the evidence.
        named = out[RELATED_DEAL][is_activity] if RELATED_DEAL in out else pd.Series(None, index=out.index[is_activity])
        via = [n if isinstance(n, str) and n else ev.get("deal_id") if isinstance(ev, dict) else None
               for n, ev in zip(named, out["evidence"][is_activity])]
        deal_ids[is_activity] = [None if v is None else str(v) for v in via]
    out["deal_id"] = deal_ids.where(deal_ids.notna(), None)
    # Each finding's deal row (the first row of its id) and the deals' own columns taken at those
    # rows: an indexed copy of the deals (deduplicated, title and company as text) was the run's
    # last peak at a million deals.
    rows = positions(out["deal_id"], crm.deals["deal_id"])
    rows[out["deal_id"].isna().to_numpy()] = -1  # no deal: not the deal exported without an id
    for column, dtype in (("title", object), ("amount", float), ("company", object)):
        if column in crm.deals.columns:
            out[column] = _at_rows(crm.deals[column], rows, dtype, out.index)
        else:
            out[column] = pd.Series(None if dtype is object else float("nan"), index=out.index, dtype=dtype)
    out["at"] = _moments(out, crm.deals, rows, dated_by)
    return out


def _at_rows(values: pd.Series, rows: np.ndarray, dtype, index: pd.Index) -> pd.Series:
    """values at deal rows `rows` (-1: no such deal, missing), as `dtype`."""
    if not len(values):
        return pd.Series(np.nan, index=index, dtype=dtype)
    taken = values.take(np.where(rows >= 0, rows, 0)).reset_index(drop=True).where(rows >= 0)
    return pd.Series(taken.astype(dtype).to_numpy(), index=index, dtype=dtype)


def _moments(findings: pd.DataFrame, deals: pd.DataFrame, deal_rows: np.ndarray,
             dated_by: Mapping[str, Sequence[str]]) -> pd.Series:
    """Each finding's moment from its check's `dated_by` fields, the first one present."""
    at = pd.Series(pd.NaT, index=findings.index, dtype="datetime64[us]")
    codes = findings["code"]
    for code, fields in dated_by.items():
        if not fields:
            continue
        rows = codes.eq(code).to_numpy()
        if not rows.any():
            continue
        mine = findings.loc[rows]
        found = pd.Series(pd.NaT, index=mine.index, dtype="datetime64[us]")
        for name in fields:
            missing = found.isna()
            if not missing.any():
                break
            if name.startswith("deal."):
                column = name[len("deal."):]
                if column not in deals.columns:
                    continue
                wanted = missing.to_numpy()
                values = _at_rows(deals[column], deal_rows[rows][wanted], deals[column].dtype,
                                  mine.index[wanted])
            else:
                values = pd.Series([ev.get(name) if isinstance(ev, dict) else None
                                    for ev in mine.loc[missing, "evidence"]], index=mine.index[missing], dtype=object)
            stamps = pd.to_datetime(values, errors="coerce", format="ISO8601") \
                if values.dtype == object else pd.to_datetime(values, errors="coerce")
            found[missing] = stamps.astype("datetime64[us]")
        at[rows] = found.to_numpy()
    return at
