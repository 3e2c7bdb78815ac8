import numpy as np
import pandas as pd
import pytest

from audit.derived.deal_index import contiguous_positions, value_codes
from tests.builders import activity, deal, derived, make_crm


def times(*values):
    return pd.to_datetime(list(values), format="mixed").to_numpy(dtype="datetime64[us]")


def crm():
    return make_crm([deal(1, owner="B"), deal(2, owner=None, status="won"), deal(1, owner="X"), deal(3, status="lost")],
                    activities=[activity(1, "2026-10-02 10:00"), activity(2, "2026-10-03 10:00:00.5"),
                                activity(9, "2026-10-04"), activity(1, "2026-10-05"), activity(1, None)])


def test_positions_and_codes():
    c = crm()
    assert derived(c).deal_index.deals["deal_id"].tolist() == ["1", "2", "3"]          # first occurrence wins
    assert derived(c).activity_positions.tolist() == [0, 1, -1, 0, 0]
    assert derived(c).deal_index.positions(pd.Series(["3", None, "nope"])).tolist() == [2, -1, -1]
    codes, labels = derived(c).owner_codes
    assert labels.tolist() == ["(no owner)", "Anna", "B"] and codes.tolist() == [2, 0, 1]
    assert derived(c).deal_status_codes.tolist() == [0, 1, 2]
    assert contiguous_positions(derived(c), pd.Series(["1", "1", "2", "9", "9", "1"])).tolist() == [0, 0, 1, -1, -1, 0]


def test_value_codes():
    codes, labels = value_codes(pd.Series(["call", None, "email", "call"], dtype="str"))
    assert [labels[c] if c >= 0 else None for c in codes] == ["call", None, "email", "call"]


@pytest.mark.parametrize("pos, after, upto, expected", [
    pytest.param(0, "2026-10-02 10:00", "2026-10-05", 1, id="open-at-the-start"),
    pytest.param(0, None, "2026-10-02 10:00", 1, id="no-lower-bound-closed-at-the-end"),
    pytest.param(1, "2026-10-01", "2026-10-03 10:00:00.5", 1, id="sub-second"),
    pytest.param(1, "2026-10-01", "2026-10-03 10:00:00.4", 0, id="sub-second-before"),
    pytest.param(-1, "2020-01-01", "2030-01-01", 0, id="unknown-deal"),
    pytest.param(0, "2026-10-05", "2099-01-01", 0, id="nothing-after"),
    pytest.param(0, "1900-01-01", "2026-10-05", 2, id="far-off-bounds"),
    pytest.param(2, None, None, 0, id="deal-without-activities"),
])
def test_count_between(pos, after, upto, expected):
    tl = derived(crm()).activity_timeline
    got = tl.count_between(np.array([pos]), times(after), times(upto))
    assert got.tolist() == [expected]


def test_last_upto():
    tl = derived(crm()).activity_timeline
    got = tl.last_upto(np.array([0, 0, 1, -1, 0, 2]),
                       times("2026-10-04", "2026-10-02 10:00", "2026-10-03 10:00:00.4", "2026-10-09", None, None))
    assert got.astype(str).tolist() == ["2026-10-02T10:00:00.000000", "2026-10-02T10:00:00.000000", "NaT",
                                        "NaT", "2026-10-05T00:00:00.000000", "NaT"]


def test_huge_spans_use_coarser_slots_exact_to_the_second():
    # 1000 deals and activities two centuries apart: microsecond keys would overflow int64.
    deals = [deal(i) for i in range(1000)]
    acts = [activity(0, "1900-01-01"), activity(1, "2100-01-01 12:00:01"), activity(1, "2100-01-01 12:00:03")]
    tl = derived(make_crm(deals, activities=acts)).activity_timeline
    assert tl.unit > 1 and 1_000_000 % tl.unit == 0
    assert tl.count_between(np.array([1, 1, 0]), times("2100-01-01 12:00:01", "2100-01-01 12:00:00", None),
                            times("2100-01-01 12:00:02", "2100-01-01 12:00:03", "1900-01-01")).tolist() == [0, 2, 1]
    assert tl.last_upto(np.array([1]), times("2100-01-01 12:00:02")).astype(str).tolist() == \
        ["2100-01-01T12:00:01.000000"]


def test_no_activities():
    c = make_crm([deal(1)], activities=[])
    tl = derived(c).activity_timeline
    assert tl.count_between(np.array([0]), times(None), times(None)).tolist() == [0]
    assert np.isnat(tl.last_upto(np.array([0]), times(None))).all()


def test_rows_are_the_flow_index_deal_codes():
    from tests.builders import move
    no_id = {**deal(0), "deal_id": None}
    c = make_crm([no_id, deal(1), deal(2), deal(1), no_id, deal(3)],
                 history=[move(2, "B", "2026-10-02"), move(9, "B", "2026-10-02"), move(1, "B", "2026-10-03"),
                          move(2, "C", "2026-10-04")])
    ix = derived(c).flow_index
    assert derived(c).deal_index.deals["deal_id"].tolist() == ["1", "2", "3"]
    assert c.deals["deal_id"].iloc[ix.deal_rows].tolist() == ["1", "2", "3"]
    expected = derived(c).deal_index.positions(derived(c).moves["deal_id"]).tolist()
    assert derived(c).move_positions.tolist() == expected and -1 in expected


@pytest.mark.parametrize("deal_ids, lookups, expected", [
    pytest.param(["10", "2", "300"], ["2", "300", "7", None, "10"], [1, 2, -1, -1, 0], id="integer-ids"),
    pytest.param(["10", "2"], ["010", " 2", "2.0", "+2", "2"], [-1, -1, -1, -1, 1], id="lookalikes-do-not-match"),
    pytest.param(["010", "2"], ["10", "010", "2"], [-1, 0, 1], id="leading-zero-ids-stay-text"),
    pytest.param(["A-1", "2"], ["2", "A-1", "1"], [1, 0, -1], id="mixed-ids-stay-text"),
    pytest.param(["99999999999999999999", "1"], ["1", "99999999999999999999"], [1, 0], id="too-big-for-int64"),
])
def test_positions_numeric_and_text_ids_agree(deal_ids, lookups, expected):
    index = derived(make_crm([deal(i) for i in deal_ids])).deal_index
    assert index.positions(pd.Series(lookups, dtype=object)).tolist() == expected
