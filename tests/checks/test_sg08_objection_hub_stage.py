import itertools

import pytest

from checks.base import Status
from checks.stages.SG08 import ObjectionHubStage
from tests.builders import assert_skipped, deal, flagged_ids, make_crm, move, run_check

STEPS = ["A", "B", "C", "D"]


def declared(stages):
    rows = [{"pipeline": "Sales", "stage": s, "order": i + 1, "kind": "open"} for i, s in enumerate(stages)]
    return rows + [{"pipeline": "Sales", "stage": "Won", "order": 90, "kind": "won"},
                   {"pipeline": "Sales", "stage": "Lost", "order": 91, "kind": "lost"}]


def path(deal_id, stages, status="open"):
    rows = [move(deal_id, b, f"2026-03-{i + 2:02d}", from_stage=a)
            for i, (a, b) in enumerate(itertools.pairwise(stages))]
    return deal(deal_id, stage=stages[-1], status=status, created_at="2026-03-01"), rows


def crm_of(paths, stages=STEPS + ["Hub"], pipelines=True):
    deals, history = [], []
    for d, h in paths:
        deals.append(d)
        history += h
    return make_crm(deals, history=history, pipelines=declared(stages) if pipelines else [])


def many(prefix, stages, n, status="open"):
    return [path(f"{prefix}{i}", stages, status) for i in range(n)]


WALKERS = many("w", ["A", "B", "C", "D", "Won"], 25, "won")


@pytest.mark.parametrize("paths, expected", [
    pytest.param(WALKERS + many("b", ["A", "B", "Hub", "B"], 10) + many("c", ["A", "B", "C", "Hub", "C"], 10)
                 + many("d", ["A", "B", "C", "D", "Hub", "D"], 10), ["Sales/Hub"], id="objections-bounce"),
    pytest.param(WALKERS, [], id="linear-funnel"),
    pytest.param(WALKERS + many("s", ["A", "C", "D"], 2) + many("t", ["B", "D"], 2), [],
                 id="rare-skips-are-not-sources"),
    pytest.param(WALKERS + many("r", ["A", "B", "C", "B", "C", "D"], 25), ["Sales/C"],
                 id="left-backwards-often"),
    pytest.param(WALKERS + many("r", ["A", "B", "C", "B", "C", "D"], 5), [], id="some-rework-is-normal"),
    pytest.param(many("b", ["A", "B", "Hub", "B"], 6) + many("c", ["A", "B", "C", "Hub", "C"], 6)
                 + many("d", ["A", "B", "C", "D", "Hub", "D"], 6), [], id="too-little-traffic-to-judge"),
    pytest.param(WALKERS + many("l", ["A", "Lost"], 10, "lost") + many("m", ["B", "Lost"], 10, "lost")
                 + many("n", ["C", "Lost"], 10, "lost"), [], id="final-stages-are-not-judged"),
    pytest.param(WALKERS + many("o", ["A", "Lost", "D"], 10) + many("p", ["C", "Lost", "D"], 10), [],
                 id="reopened-deals-are-not-sources"),
])
def test_objection_hub_stage(paths, expected):
    result = run_check(ObjectionHubStage, crm_of(paths))
    assert flagged_ids(result) == expected
    assert result.status is (Status.FAIL if expected else Status.PASS)


def test_fed_from_many_but_left_forward():
    paths = WALKERS + many("a", ["A", "Hub", "D"], 8) + many("b", ["A", "B", "Hub", "D"], 8) \
        + many("c", ["A", "B", "C", "Hub", "D"], 8)
    result = run_check(ObjectionHubStage, crm_of(paths, stages=["A", "B", "C", "Hub", "D"]))
    assert flagged_ids(result) == ["Sales/Hub"]
    row = result.findings.iloc[0]
    assert row["evidence"]["reason"] == "fed-from-many" and row["evidence"]["backward_share"] == 0
    assert row["evidence"]["source_stages"] == ["A", "B", "C"]
    assert row["message"] == ("stage 'Hub' is a waiting room, not a step: entered from 3 stages "
                              "(A 33%, B 33%, C 33%)")


def test_evidence_of_a_bouncing_hub():
    paths = WALKERS + many("b", ["A", "B", "Hub", "B"], 12) + many("c", ["A", "B", "C", "Hub", "C"], 10) \
        + many("d", ["A", "B", "C", "D", "Hub", "D"], 8)
    result = run_check(ObjectionHubStage, crm_of(paths))
    row = result.findings.iloc[0]
    assert row["evidence"] == {"entries": 30, "sources": 3, "source_stages": ["B", "C", "D"], "exits": 30,
                               "backward_exits": 30, "returns": 30, "backward_share": 1.0,
                               "reason": "fed-and-left-backwards"}
    assert row["message"] == ("stage 'Hub' is a waiting room, not a step: entered from 3 stages "
                              "(B 40%, C 33%, D 27%) and 100% of its 30 exits go backwards")
    assert row["entity_type"] == "stage" and row["pipeline"] == "Sales" and row["stage"] == "Hub"


def test_hub_found_with_inferred_order():
    paths = WALKERS + many("b", ["A", "B", "Hub", "B"], 10) + many("c", ["A", "B", "C", "Hub", "C"], 10) \
        + many("d", ["A", "B", "C", "D", "Hub", "D"], 10)
    assert flagged_ids(run_check(ObjectionHubStage, crm_of(paths, pipelines=False))) == ["Sales/Hub"]


def test_thresholds_are_configurable():
    paths = WALKERS + many("r", ["A", "B", "C", "B", "C", "D"], 5)
    assert flagged_ids(run_check(ObjectionHubStage, crm_of(paths), backward_share=0.1)) == ["Sales/C"]


def test_too_little_traffic_is_skipped_not_passed():
    result = run_check(ObjectionHubStage, make_crm([deal(1)], history=[move(1, "B", "2026-10-02", from_stage="A")]))
    assert_skipped(result, "no open stage has 20 entries or 20 exits (the busiest: 1)")
