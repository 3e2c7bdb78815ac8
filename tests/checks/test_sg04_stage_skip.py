import itertools

import pytest

from checks.base import Status
from checks.stages.SG04 import StageSkip
from tests.builders import assert_skipped, deal, flagged_ids, make_crm, move, run_check

FIVE = ["A", "B", "C", "D", "E"]


def declared(stages, pipeline="Sales"):
    rows = [{"pipeline": pipeline, "stage": s, "order": i + 1, "kind": "open"} for i, s in enumerate(stages)]
    return rows + [{"pipeline": pipeline, "stage": "Won", "order": 90, "kind": "won"},
                   {"pipeline": pipeline, "stage": "Lost", "order": 91, "kind": "lost"}]


def path(deal_id, stages, status="open", pipeline="Sales"):
    """A deal moving through `stages` one day apart (first one is where it was created)."""
    rows = [move(deal_id, b, f"2026-02-{i + 2:02d}", from_stage=a, pipeline=pipeline)
            for i, (a, b) in enumerate(itertools.pairwise(stages))]
    return deal(deal_id, stage=stages[-1], status=status, pipeline=pipeline, created_at="2026-02-01"), rows


def crm_of(*paths, stages=FIVE, pipelines=None):
    deals, history = [], []
    for d, h in paths:
        deals.append(d)
        history += h
    return make_crm(deals, history=history, pipelines=pipelines if pipelines is not None else declared(stages))


@pytest.mark.parametrize("paths, expected", [
    pytest.param([path("jump", ["A", "D", "E"]), path("ok", ["A", "C", "D"])], ["jump"],
                 id="skipping-two-stages-is-flagged-one-is-not"),
    pytest.param([path("late-won", ["A", "B", "C", "Won"], "won"), path("ok", ["A", "B", "C", "D", "Won"], "won")],
                 ["late-won"], id="won-skipping-two-open-stages"),
    pytest.param([path("lost", ["A", "Lost"], "lost"), path("walker", ["A", "B"])], [],
                 id="losing-from-anywhere-is-fine"),
    pytest.param([path("back", ["A", "B", "C", "D", "A"])], [], id="backward-moves-are-not-skips"),
    pytest.param([path("reopened", ["A", "B", "Lost", "E"])], [], id="reopening-a-closed-deal-is-not-a-skip"),
    pytest.param([path("walker", ["A", "B", "C", "D", "E", "Won"], "won")], [], id="one-step-at-a-time"),
])
def test_stage_skip(paths, expected):
    result = run_check(StageSkip, crm_of(*paths))
    assert flagged_ids(result) == expected
    assert result.status is (Status.FAIL if expected else Status.PASS)


def test_won_from_the_first_half_of_a_short_pipeline():
    crm = crm_of(path("quick", ["A", "Won"], "won"), path("normal", ["A", "B", "Won"], "won"), stages=["A", "B"])
    result = run_check(StageSkip, crm)
    assert flagged_ids(result) == ["quick"]
    evidence = result.findings["evidence"].iloc[0]
    assert evidence["reason"] == "won-early" and evidence["skipped_stages"] == 1
    assert result.findings["message"].iloc[0] == \
        "won straight from 'A' (stage 1 of 2 open stages), skipping 1 stage"


def test_one_finding_per_deal_with_its_widest_jump():
    crm = crm_of(path("twice", ["A", "D", "A", "E"]))
    result = run_check(StageSkip, crm)
    assert flagged_ids(result) == ["twice"]
    row = result.findings.iloc[0]
    assert row["evidence"]["from_stage"] == "A" and row["evidence"]["to_stage"] == "E"
    assert row["evidence"]["skipped_stages"] == 3 and row["evidence"]["flagged_moves"] == 2
    assert row["stage"] == "E" and row["owner"] == "Anna" and row["pipeline"] == "Sales"
    assert row["message"] == "moved from 'A' (stage 1 of 5) to 'E' (stage 5), skipping 3 stages; 1 more such moves"
    assert result.affected == 1 and result.metric == 1.0


def test_min_step_is_configurable():
    crm = crm_of(path("one-skip", ["A", "C"]))
    assert flagged_ids(run_check(StageSkip, crm)) == []
    assert flagged_ids(run_check(StageSkip, crm, min_step=2)) == ["one-skip"]


def test_inferred_order_without_declaration():
    walkers = [path(f"w{i}", ["A", "B", "C", "D", "Won"], "won") for i in range(5)]
    crm = crm_of(*walkers, path("jump", ["A", "D"]), pipelines=[])
    assert flagged_ids(run_check(StageSkip, crm)) == ["jump"]


def test_inferred_order_with_too_little_evidence_is_not_judged():
    # Two deals say A < B < C < D: a guess, not an order to judge skips by.
    walkers = [path(f"w{i}", ["A", "B", "C", "D", "Won"], "won") for i in range(2)]
    crm = crm_of(*walkers, path("jump", ["A", "D"]), pipelines=[])
    assert_skipped(run_check(StageSkip, crm), "no forward move between open stages of a known order",
                   "'Sales' not judged (stage order neither declared nor clear from history")
    assert flagged_ids(run_check(StageSkip, crm, min_support=2)) == ["jump"]


def test_first_move_without_from_stage_is_not_judged():
    d = deal("x", stage="E")
    crm = make_crm([d], history=[move("x", "E", "2026-02-02")], pipelines=declared(FIVE))
    assert_skipped(run_check(StageSkip, crm), "no forward move between open stages of a known order among 1 stage changes")


def test_empty_or_unlinked_history_is_skipped_not_passed():
    crm = make_crm([deal(1)], history=[], exported={"stage_history": ("deal_id", "to_stage", "changed_at")})
    assert_skipped(run_check(StageSkip, crm), "the stage history has no rows")
    ghosts = [*path("ghost", ["A", "B", "E"])[1]]
    crm = make_crm([deal(1)], history=ghosts, pipelines=declared(FIVE))
    assert_skipped(run_check(StageSkip, crm), "none of the 2 stage-history rows links to an exported deal")


def test_waiting_rooms_are_not_steps():
    # "Hub" (declared between B and C) is fed from A, B and D and left back where deals came from:
    # a waiting room (SG08). Entering it from A is not a skip, and going B -> D over it skips only C.
    stages = ["A", "B", "Hub", "C", "D"]
    walkers = [path(f"w{i}", ["A", "B", "C", "D", "Won"], "won") for i in range(10)]
    hub = [path(f"h{src}{i}", {"A": ["A", "Hub", "A"], "B": ["A", "B", "Hub", "B"],
                               "D": ["A", "B", "C", "D", "Hub", "D"]}[src]) for src in "ABD" for i in range(8)]
    crm = crm_of(*walkers, *hub, path("over", ["A", "B", "D"]), path("jump", ["A", "D"]), stages=stages)
    result = run_check(StageSkip, crm)
    assert flagged_ids(result) == ["jump"]
    assert result.findings["message"].iloc[0] == \
        "moved from 'A' (stage 1 of 4) to 'D' (stage 4), skipping 2 stages"
