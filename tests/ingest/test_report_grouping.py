"""Grouped report tables as records: total rows out, group labels carried down (grouped.ungroup)."""

import pandas as pd

from audit.ingest.grouped import ungroup
from audit.ingest.readers import ROW_COLUMN


def ungroup_(frame):
    return ungroup(frame, ROW_COLUMN)


def table(rows):
    frame = pd.DataFrame(rows, columns=["Stage", "Name", "Amount"], dtype=object)
    frame.insert(0, ROW_COLUMN, range(2, len(rows) + 2))
    return frame


def test_labels_carry_down_within_groups_and_totals_go():
    out, totals = ungroup_(table([["New", "A", 1], [None, "B", 2], ["Subtotal", None, 3],
                                  ["Won", "C", 4], ["Subtotal", None, 4]]))
    assert out["Stage"].tolist() == ["New", "New", "Won"] and out["Name"].tolist() == ["A", "B", "C"]
    assert [r for r, _t in totals] == [4, 6] and totals[0][1] == "Subtotal | 3"


def test_without_total_rows_a_sparse_first_column_is_left_alone():
    frame = table([["Priority", "A", 1], [None, "B", 2], [None, "C", 3]])
    out, totals = ungroup_(frame)
    assert totals == [] and out["Stage"].isna().sum() == 2


def test_a_dense_column_is_never_filled_and_a_total_named_deal_stays():
    out, _ = ungroup_(table([["New", "Total Solutions", 1], [None, "Beta", None], ["Total", None, 3]]))
    assert out["Name"].tolist() == ["Total Solutions", "Beta"] and out["Amount"].tolist() == [1, None]
