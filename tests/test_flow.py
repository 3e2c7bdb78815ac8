"""Shared stage-flow primitives: inferred stage order, moves and stage visits (audit.derived.stage_order,
audit.derived.flow, audit.derived.flowindex)."""

import itertools

import numpy as np
import pandas as pd
import pytest

from audit.derived.flowindex import encode, encode_ids, sort_by_group_and_time
from audit.derived.stage_order import _pairs_in_groups
from tests.builders import deal, derived, make_crm, move


def orders(crm, pipeline="Sales"):
    o = derived(crm).stage_order
    o = o[o["pipeline"] == pipeline]
    return dict(zip(o["stage"], o["order"])), dict(zip(o["stage"], o["kind"]))


def linear(deal_id, stages, start="2026-01-01", **deal_fields):
    """A deal walking through `stages` one day apart, and its history rows."""
    t = pd.Timestamp(start)
    rows = [move(deal_id, b, str(t + pd.Timedelta(days=i + 1)), from_stage=a)
            for i, (a, b) in enumerate(itertools.pairwise(stages))]
    fields = {"stage": stages[-1], "created_at": str(t), **deal_fields}
    return deal(deal_id, **fields), rows


def crm_of(paths, **kw):
    deals, history = [], []
    for i, (stages, fields) in enumerate(paths):
        d, h = linear(i + 1, stages, **fields)
        deals.append(d)
        history += h
    return make_crm(deals, history=history, **kw)


# --- stage order ------------------------------------------------------------------------


def test_linear_history_gives_the_walked_order_and_finals_last():
    crm = crm_of([
        (["New", "Qualified", "Proposal", "Won"], {"status": "won"}),
        (["New", "Qualified", "Lost"], {"status": "lost"}),
        (["New", "Qualified", "Proposal"], {}),
    ])
    order, kind = orders(crm)
    assert order == {"New": 1, "Qualified": 2, "Proposal": 3, "Won": 4, "Lost": 5}
    assert kind == {"New": "open", "Qualified": "open", "Proposal": "open", "Won": "won", "Lost": "lost"}


@pytest.mark.parametrize("paths, expected", [
    pytest.param([(["A", "B", "C", "D"], {})] * 3 + [(["A", "C", "D"], {}), (["A", "D"], {})],
                 ["A", "B", "C", "D"], id="skips-do-not-reorder"),
    pytest.param([(["A", "B", "C", "B", "C", "D"], {}), (["A", "B", "C", "D"], {})],
                 ["A", "B", "C", "D"], id="loops-count-first-entries"),
    pytest.param([(["B", "C"], {}), (["A", "B", "C"], {}), (["A", "B"], {})],
                 ["A", "B", "C"], id="late-entry-still-ordered"),
    pytest.param([(["A", "B", "C"], {})], ["A", "B", "C"], id="one-deal"),
])
def test_inferred_order_is_the_pairwise_majority(paths, expected):
    order, _ = orders(crm_of(paths))
    assert sorted(order, key=order.get) == expected


def test_majority_beats_minority_order():
    paths = [(["A", "B", "C"], {})] * 3 + [(["A", "C", "B"], {})] * 2
    order, _ = orders(crm_of(paths))
    assert sorted(order, key=order.get) == ["A", "B", "C"]


def test_pipeline_without_history_has_no_open_order():
    crm = make_crm([
        *[linear(i, ["A", "B", "C"])[0] for i in (1, 2)],
        deal(10, pipeline="Other", stage="X"), deal(11, pipeline="Other", stage="Y"),
        deal(12, pipeline="Other", stage="Done", status="won"),
    ], history=[r for i in (1, 2) for r in linear(i, ["A", "B", "C"])[1]])
    order, kind = orders(crm, "Other")
    assert np.isnan(order["X"]) and np.isnan(order["Y"])
    assert order["Done"] == 3 and kind["Done"] == "won"
    assert orders(crm)[0] == {"A": 1, "B": 2, "C": 3}


def test_no_history_at_all():
    crm = make_crm([deal(1, stage="A"), deal(2, stage="Won", status="won")])
    o = derived(crm).stage_order
    assert set(o["stage"]) == {"A", "Won"}
    assert np.isnan(o.loc[o["stage"] == "A", "order"]).all()
    assert derived(crm).moves.empty and derived(crm).stage_visits.empty


def test_empty_history_table_gives_one_stay_per_deal():
    crm = make_crm([deal(1, stage="A"), deal(2, stage="B")], history=[])
    v = derived(crm).stage_visits
    assert sorted(v["deal_id"]) == ["1", "2"] and v["is_last"].all() and v["left_at"].isna().all()
    assert derived(crm).moves.empty


def test_declared_order_wins_and_unlisted_stages_go_after_it():
    pipelines = [
        {"pipeline": "Sales", "stage": "A", "order": 1}, {"pipeline": "Sales", "stage": "B", "order": 2},
        {"pipeline": "Sales", "stage": "C", "order": 3}, {"pipeline": "Sales", "stage": "Won", "order": 4,
                                                          "kind": "won"},
        {"pipeline": "Sales", "stage": "Unused", "order": 2.5},
    ]
    # History says C before B and has an extra stage X at the very start: the declaration wins.
    paths = [(["X", "A", "C", "B", "Won"], {"status": "won"})] * 2
    crm = crm_of(paths, pipelines=pipelines)
    o = derived(crm).stage_order
    o = o[o["pipeline"] == "Sales"].set_index("stage")
    assert o["order"].to_dict() == {"A": 1, "B": 2, "Unused": 3, "C": 4, "X": 5, "Won": 6}
    assert o["declared"].to_dict() == {"A": True, "B": True, "Unused": True, "C": True, "X": False,
                                       "Won": True}
    assert o.loc["Won", "kind"] == "won" and o.loc["Unused", "kind"] == "open"


def test_declared_kind_falls_back_to_deal_status():
    pipelines = [{"pipeline": "Sales", "stage": "A", "order": 1},
                 {"pipeline": "Sales", "stage": "Signed", "order": 2}]
    crm = make_crm([deal(1, stage="Signed", status="won"), deal(2, stage="A")], pipelines=pipelines)
    _, kind = orders(crm)
    assert kind == {"A": "open", "Signed": "won"}


def test_undeclared_pipeline_is_still_inferred():
    pipelines = [{"pipeline": "Other", "stage": "P", "order": 1}]
    crm = crm_of([(["A", "B"], {})], pipelines=pipelines)
    assert orders(crm)[0] == {"A": 1, "B": 2}
    assert orders(crm, "Other")[0] == {"P": 1}


def test_pair_counts():
    paths = [(["A", "B", "C"], {})] * 3 + [(["A", "C", "B"], {})] * 2
    crm = crm_of(paths)
    pairs = derived(crm).stage_pairs.set_index(["stage_a", "stage_b"])["n"]
    assert pairs[("A", "B")] == 5 and pairs[("B", "C")] == 3 and pairs[("C", "B")] == 2


# --- moves ------------------------------------------------------------------------------


def test_moves_fill_from_stage_and_previous_time():
    crm = make_crm([deal(1, stage="C", created_at="2026-01-01")], history=[
        move(1, "B", "2026-01-03", from_stage="A"),
        move(1, "C", "2026-01-05"),           # no from_stage: the previous to_stage
        move(1, "B", "2026-01-04"),           # out of time order in the export
    ])
    m = derived(crm).moves
    assert m["to_stage"].tolist() == ["B", "B", "C"]
    assert m["from_stage"].tolist() == ["A", "B", "B"]
    assert m["prev_changed_at"].tolist() == [pd.Timestamp("2026-01-01"), pd.Timestamp("2026-01-03"),
                                             pd.Timestamp("2026-01-04")]
    assert m["direction"].tolist() == ["forward", "same", "forward"]
    assert m["step"].tolist() == [1.0, 0.0, 1.0]


def test_released_flow_views_are_built_again_the_same():
    crm = make_crm([deal(1, stage="C", created_at="2026-01-01"), deal(2, stage="B", created_at="2026-01-02")],
                   history=[move(1, "B", "2026-01-03", from_stage="A"), move(1, "C", "2026-01-05"),
                            move(2, "B", "2026-01-04", from_stage="A")])
    d = derived(crm)
    before = (d.visit_arrays, d.move_arrays, d.current_stay, d.moves)
    counts = d.stage_counts
    d.release_flow_views()
    assert d.visit_arrays is not before[0] and d.stage_counts is counts  # tables built from them stay
    for was, now in zip(before[:2], (d.visit_arrays, d.move_arrays)):
        for field in vars(was):
            np.testing.assert_array_equal(getattr(was, field), getattr(now, field))
    for was, now in zip(before[2], d.current_stay):
        np.testing.assert_array_equal(was, now)
    pd.testing.assert_frame_equal(before[3], d.moves)


def test_move_directions_and_final_kinds():
    crm = crm_of([(["A", "B", "C", "Won"], {"status": "won"})] * 2 + [(["A", "B", "C", "A", "Lost"],
                                                                       {"status": "lost"})])
    m = derived(crm).moves
    last = m[m["deal_id"] == "3"]
    assert last["direction"].tolist() == ["forward", "forward", "backward", "forward"]
    assert last["to_kind"].tolist() == ["open", "open", "open", "lost"]
    assert m.loc[m["to_stage"] == "Won", "to_kind"].unique().tolist() == ["won"]


def test_first_move_without_from_stage_is_unknown():
    crm = make_crm([deal(1, stage="B")], history=[move(1, "A", "2026-01-02"), move(1, "B", "2026-01-03")])
    m = derived(crm).moves
    assert m["direction"].tolist() == ["unknown", "forward"]
    assert m["from_stage"].isna().tolist() == [True, False]


def test_equal_times_keep_export_order():
    crm = make_crm([deal(1, stage="C")], history=[
        move(1, "B", "2026-01-02 10:00", from_stage="A"), move(1, "C", "2026-01-02 10:00", from_stage="B")])
    assert derived(crm).moves["to_stage"].tolist() == ["B", "C"]


def test_moves_carry_deal_owner_and_orphans_have_none():
    crm = make_crm([deal(1, owner="Olga", stage="B")], history=[
        move(1, "B", "2026-01-02", from_stage="A"), move("ghost", "B", "2026-01-02", from_stage="A")])
    m = derived(crm).moves.set_index("deal_id")
    assert m.loc["1", "owner"] == "Olga" and pd.isna(m.loc["ghost", "owner"])
    assert pd.isna(m.loc["ghost", "prev_changed_at"])


def test_duplicate_and_missing_deal_ids_use_the_first_row():
    crm = make_crm([deal(1, owner="First", stage="B"), deal(1, owner="Second", stage="B"),
                    {**deal(99, owner="Nobody"), "deal_id": None}],
                   history=[move(1, "B", "2026-01-02", from_stage="A")])
    assert derived(crm).moves["owner"].tolist() == ["First"]
    assert derived(crm).flow_index.n_deals == 1


# --- visits -----------------------------------------------------------------------------


def test_visits_start_at_creation_and_chain():
    crm = make_crm([deal(1, stage="C", created_at="2026-01-01"), deal(2, stage="A", created_at="2026-01-10")],
                   history=[move(1, "B", "2026-01-03", from_stage="A"), move(1, "C", "2026-01-06")])
    v = derived(crm).stage_visits
    one = v[v["deal_id"] == "1"]
    assert one["stage"].tolist() == ["A", "B", "C"]
    assert one["entered_at"].tolist() == [pd.Timestamp(x) for x in ("2026-01-01", "2026-01-03", "2026-01-06")]
    assert one["dwell_days"].tolist()[:2] == [2.0, 3.0] and np.isnan(one["dwell_days"].iloc[2])
    assert one["prev_stage"].isna().tolist() == [True, False, False]
    assert one["next_stage"].tolist()[:2] == ["B", "C"] and pd.isna(one["next_stage"].iloc[2])
    assert one["visit_no"].tolist() == [0, 1, 2] and one["is_last"].tolist() == [False, False, True]
    two = v[v["deal_id"] == "2"]  # no history rows: one stay in the current stage since creation
    assert two["stage"].tolist() == ["A"] and two["entered_at"].iloc[0] == pd.Timestamp("2026-01-10")


def test_visit_of_a_deal_created_after_its_first_move_starts_at_the_move():
    crm = make_crm([deal(1, stage="B", created_at="2026-02-01")],
                   history=[move(1, "B", "2026-01-03", from_stage="A")])
    v = derived(crm).stage_visits
    assert v["entered_at"].tolist() == [pd.Timestamp("2026-01-03")] * 2
    assert v["dwell_days"].iloc[0] == 0


def test_visits_without_from_stage_start_with_the_first_move():
    crm = make_crm([deal(1, stage="B")], history=[move(1, "A", "2026-01-02"), move(1, "B", "2026-01-04")])
    assert derived(crm).stage_visits["stage"].tolist() == ["A", "B"]


# --- building blocks --------------------------------------------------------------------


def test_pairs_in_groups_matches_brute_force():
    rng = np.random.default_rng(3)
    groups = np.sort(rng.integers(0, 30, 200))
    a, b = _pairs_in_groups(groups)
    expected = {(i, j) for i in range(len(groups)) for j in range(i + 1, len(groups)) if groups[i] == groups[j]}
    assert set(zip(a.tolist(), b.tolist())) == expected and len(a) == len(expected)


@pytest.mark.parametrize("unit, span, groups", [
    pytest.param(1, 10**9, 5_000, id="micros"), pytest.param(1_000, 10**9, 5_000, id="millis"),
    pytest.param(1_000_000, 10**9, 5_000, id="seconds"),
    pytest.param(1, 10**16, 5_000, id="micros-over-centuries-coarsened-and-verified"),
    pytest.param(1, 10**16, 3, id="few-groups-exact"),
])
def test_sort_by_group_and_time_equals_lexsort(unit, span, groups):
    rng = np.random.default_rng(unit)
    group = rng.integers(0, groups, 20_000)
    at = 1_000_000_000_000_000 + rng.integers(0, span, 20_000) * unit
    at[1::2] = at[::2]  # ties keep their input order
    assert np.array_equal(sort_by_group_and_time(group, at), np.lexsort((at, group)))


def test_sort_falls_back_when_coarsened_times_hide_the_order():
    # Two rows of one deal a microsecond apart, exported newest first, in a span that forces coarsening.
    group = np.array([0, 0, 5_000_000, 1])
    at = np.array([10**16 + 1, 10**16, 0, 10**16])
    assert np.array_equal(sort_by_group_and_time(group, at), np.lexsort((at, group)))


@pytest.mark.parametrize("deal_ids, history_ids", [
    pytest.param(["1", "2", "2", None, "5"], ["2", "9", None, "1", "9", "7"], id="integers-duplicates-orphans"),
    pytest.param(["10", "007"], ["7", "007"], id="leading-zeros-stay-text"),
    pytest.param(["a1", "2"], ["2"], id="letters"),
    pytest.param(["+3", "3"], ["3"], id="signs-stay-text"),
    pytest.param(["0", "3"], ["0"], id="zero"),
    pytest.param([], ["3"], id="no-deals"),
    pytest.param(["3"], [], id="no-history"),
    pytest.param(["123456789012345678", "1"], ["1"], id="eighteen-digits"),
])
def test_integer_ids_encode_like_text(deal_ids, history_ids):
    a, b = pd.Series(deal_ids, dtype="str"), pd.Series(history_ids, dtype="str")
    (d1, h1), v1 = encode(a, b)
    (d2, h2), v2 = encode_ids(a, b)
    assert d1.tolist() == d2.tolist() and h1.tolist() == h2.tolist() and v1.to_pylist() == v2.to_pylist()
