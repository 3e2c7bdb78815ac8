"""The ordering the call matcher walks the activity timeline in (audit.derived.calls)."""

import numpy as np
from hypothesis import given, strategies as st

from audit.derived.calls import _order_by_deal


@given(st.lists(st.integers(0, 2**32 - 1), max_size=200), st.booleans())
def test_order_by_deal_is_numpys_stable_argsort(rows, small):
    pos = np.array([r & 0xFFFF if small else r for r in rows], dtype=np.int64)
    assert np.array_equal(_order_by_deal(pos), np.argsort(pos, kind="stable"))


def test_rows_of_one_deal_keep_their_log_order_past_the_16_bit_half():
    pos = np.array([70_000, 3, 70_000, 65_536, 3, 0], dtype=np.int64)
    assert _order_by_deal(pos).tolist() == [5, 1, 4, 3, 0, 2]


def test_no_rows():
    assert _order_by_deal(np.zeros(0, np.int64)).tolist() == []
