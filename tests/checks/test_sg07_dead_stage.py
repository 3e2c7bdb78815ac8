import itertools

import pandas as pd
import pytest

from checks.base import Status
from checks.stages.SG07 import DeadStage
from tests.builders import AS_OF, assert_skipped, deal, flagged_ids, make_crm, move, run_check


def declared(stages, pipeline="Sales"):
    rows = [{"pipeline": pipeline, "stage": s, "order": i + 1, "kind": "open"} for i, s in enumerate(stages)]
    return rows + [{"pipeline": pipeline, "stage": "Won", "order": 90, "kind": "won"},
                   {"pipeline": pipeline, "stage": "Lost", "order": 91, "kind": "lost"}]


def walk(deal_id, stages, status="open", start="2026-09-01", pipeline="Sales"):
    t = pd.Timestamp(start)
    rows = [move(deal_id, b, str(t + pd.Timedelta(days=i + 1)), from_stage=a)
            for i, (a, b) in enumerate(itertools.pairwise(stages))]
    return deal(deal_id, stage=stages[-1], status=status, created_at=str(t), pipeline=pipeline), rows


def crm_of(*walks, pipelines):
    deals, history = [], []
    for d, h in walks:
        deals.append(d)
        history += h
    return make_crm(deals, history=history, pipelines=pipelines)


NORMAL = [walk(1, ["A", "B", "D", "Won"], "won"), walk(2, ["A", "Lost"], "lost")]


@pytest.mark.parametrize("walks, stages, expected", [
    pytest.param(NORMAL, ["A", "B", "C", "D"], ["Sales/C"], id="stage-nobody-entered"),
    pytest.param(NORMAL + [walk(3, ["A", "B", "C"])], ["A", "B", "C", "D"], [], id="every-stage-entered"),
    pytest.param(NORMAL + [(deal(3, stage="C"), [])], ["A", "B", "C", "D"], [], id="a-deal-sitting-there-counts"),
    pytest.param([walk(1, ["A", "B", "D", "Won"], "won")], ["A", "B", "D"], ["Sales/Lost"],
                 id="unused-lost-stage-is-dead-too"),
    pytest.param(NORMAL, ["Неразобранное", "A", "B", "D"], [], id="crm-inbox-is-not-a-stage"),
    pytest.param(NORMAL, ["a", "b.", "D"], [], id="names-compared-normalized"),
])
def test_dead_stage(walks, stages, expected):
    result = run_check(DeadStage, crm_of(*walks, pipelines=declared(stages)))
    assert flagged_ids(result) == expected
    assert result.status is (Status.FAIL if expected else Status.PASS)


def test_first_stage_of_a_deal_counts_as_entered():
    # Deal 1 was created in A: history only says A -> B, yet A was entered.
    crm = crm_of(walk(1, ["A", "B"]), walk(2, ["B", "Won"], "won"), walk(3, ["B", "Lost"], "lost"),
                 pipelines=declared(["A", "B"]))
    assert run_check(DeadStage, crm).status is Status.PASS


def test_pipelines_without_deals_are_not_judged():
    pipelines = declared(["A", "B", "D"]) + declared(["X", "Y"], pipeline="Unused")
    assert flagged_ids(run_check(DeadStage, crm_of(*NORMAL, pipelines=pipelines))) == []


def test_message_and_evidence():
    result = run_check(DeadStage, crm_of(*NORMAL, pipelines=declared(["A", "B", "C", "D"])))
    row = result.findings.iloc[0]
    assert row["message"] == ("configured stage 'C' (3 of 6) of pipeline 'Sales': no deal entered it; "
                              "2 deals in the pipeline")
    assert row["evidence"] == {"order": 3, "kind": "open", "pipeline_deals": 2}
    assert row["entity_type"] == "stage" and row["stage"] == "C" and row["pipeline"] == "Sales"
    assert row["owner"] is None
    assert result.metric == pytest.approx(1 / 6, abs=1e-4)


def test_period_limits_what_counts_as_entered():
    old = str(AS_OF - pd.Timedelta(days=400))
    walks = [walk(1, ["A", "C", "Won"], "won", start=old), *[walk(i, ["A", "B", "Won"], "won") for i in (2, 3)],
             walk(4, ["A", "Lost"], "lost")]
    crm = crm_of(*walks, pipelines=declared(["A", "B", "C"]))
    assert flagged_ids(run_check(DeadStage, crm)) == []
    result = run_check(DeadStage, crm, period_days=365)
    assert flagged_ids(result) == ["Sales/C"]
    evidence = result.findings["evidence"].iloc[0]
    assert evidence["period_days"] == 365 and evidence["last_entered_at"].startswith(
        str((AS_OF - pd.Timedelta(days=399)).date()))
    assert "in the last 365 days" in result.findings["message"].iloc[0]


def test_empty_or_unlinked_history_is_skipped_not_judged_by_current_stages():
    """Deals pass through stages the history would show: current stages alone make every
    stage a deal left behind look dead."""
    deals = [deal(1, stage="A"), deal(2, stage="Won", status="won"), deal(3, stage="Lost", status="lost")]
    crm = make_crm(deals, history=[], pipelines=declared(["A", "B"]),
                   exported={"stage_history": ("deal_id", "to_stage", "changed_at")})
    assert_skipped(run_check(DeadStage, crm), "no stage history row was read")
    ghosts = make_crm(deals, history=[move("x", "B", "2026-10-02", from_stage="A")], pipelines=declared(["A", "B"]))
    assert_skipped(run_check(DeadStage, ghosts), "stage-history rows link to no deal")
