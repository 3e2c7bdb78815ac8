import pandas as pd
import pytest

from checks.base import Status
from checks.stages.SG03 import RottingDeal
from tests.builders import AS_OF, assert_skipped, deal, flagged_ids, make_crm, move, run_check


def passed_through(deal_id, days, start="2026-03-01"):
    """A won deal that spent `days` in Proposal: New -> Proposal -> Won."""
    t0 = pd.Timestamp(start)
    t1 = t0 + pd.Timedelta(days=1)
    t2 = t1 + pd.Timedelta(days=days)
    return (deal(deal_id, stage="Won", status="won", created_at=str(t0)),
            [move(deal_id, "Proposal", str(t1), from_stage="New"),
             move(deal_id, "Won", str(t2), from_stage="Proposal")])


def sitting(deal_id, since, stage="Proposal", status="open"):
    """A deal that entered `stage` at `since` and is still there."""
    created = pd.Timestamp(since) - pd.Timedelta(days=1)
    return (deal(deal_id, stage=stage, status=status, created_at=str(created)),
            [move(deal_id, stage, since, from_stage="New")])


def build(*parts, **kw):
    deals, history = [], []
    for d, h in parts:
        deals.append(d)
        history += h
    return make_crm(deals, history=history, **kw)


def days_before(days):
    return str(AS_OF - pd.Timedelta(days=days))


@pytest.mark.parametrize("parts, expected", [
    pytest.param([passed_through(i, 5) for i in range(1, 6)] + [sitting("old", days_before(80)),
                                                                 sitting("fresh", days_before(10))],
                 ["old"], id="past-the-30-day-floor-is-flagged"),
    pytest.param([passed_through(i, 20) for i in range(1, 6)] + [sitting("a", days_before(50)),
                                                                 sitting("b", days_before(70))],
                 ["b"], id="limit-is-three-times-the-median-stay"),
    pytest.param([passed_through(i, 20) for i in range(1, 6)] + [sitting("tie", days_before(60))],
                 [], id="exactly-at-the-limit-is-not-rotting"),
    pytest.param([sitting("lonely", days_before(31))], ["lonely"], id="no-completed-stays-uses-the-floor"),
    pytest.param([passed_through(i, 5) for i in range(1, 4)] + [sitting("w", days_before(300), status="won"),
                                                                sitting("l", days_before(300), status="lost"),
                                                                sitting("fresh", days_before(3))],
                 [], id="closed-deals-are-not-rotting"),
    pytest.param([passed_through(1, 5), (deal("never-moved", stage="New", created_at=days_before(45)), [])],
                 ["never-moved"], id="deal-without-history-sits-since-creation"),
    pytest.param([passed_through(1, 5), (deal("moved-off-record", stage="Contract", created_at=days_before(200)),
                                         [move("moved-off-record", "Proposal", days_before(199), from_stage="New")]),
                  sitting("fresh", days_before(3))],
                 [], id="history-disagreeing-with-current-stage-is-not-judged"),
])
def test_rotting_deal(parts, expected):
    result = run_check(RottingDeal, build(*parts))
    assert flagged_ids(result) == expected
    assert result.status is (Status.FAIL if expected else Status.PASS)


def test_evidence_and_message():
    crm = build(*[passed_through(i, 20) for i in range(1, 6)], sitting("b", days_before(70)))
    result = run_check(RottingDeal, crm)
    (evidence,) = result.findings["evidence"].tolist()
    assert evidence["days_in_stage"] == 70.0
    assert evidence["stage_median_days"] == 20.0 and evidence["limit_days"] == 60.0
    assert evidence["stage_completed_stays"] == 5
    assert result.findings["message"].iloc[0] == \
        "open 70 days in stage 'Proposal' (limit 60 days: 3 × the usual 20 days in this stage, at least 30)"
    assert result.findings["stage"].iloc[0] == "Proposal" and result.findings["owner"].iloc[0] == "Anna"
    assert result.metric == 1.0


def test_thresholds_come_from_params():
    crm = build(*[passed_through(i, 5) for i in range(1, 4)], sitting("old", days_before(80)))
    assert flagged_ids(run_check(RottingDeal, crm, min_days=100)) == []
    assert flagged_ids(run_check(RottingDeal, crm, min_days=10, factor=1)) == ["old"]


def test_medians_are_per_pipeline():
    fast = [passed_through(i, 2) for i in range(1, 4)]
    slow = []
    for i in range(4, 7):
        d, h = passed_through(i, 40)
        slow.append(({**d, "pipeline": "Projects"}, h))
    crm = build(*fast, *slow, sitting("sales", days_before(100)),
                ({**sitting("projects", days_before(100))[0], "pipeline": "Projects"},
                 sitting("projects", days_before(100))[1]))
    assert flagged_ids(run_check(RottingDeal, crm)) == ["sales"]


def test_no_open_deal_or_no_linked_history_is_skipped_not_passed():
    history = [move(1, "Won", "2026-10-02", from_stage="New")]
    assert_skipped(run_check(RottingDeal, make_crm([deal(1, status="won", stage="Won")], history=history)),
                   "no open deal among 1 deals")
    assert_skipped(run_check(RottingDeal, make_crm([deal(1, status="won", stage="Won")], history=[],
                                                   exported={"stage_history": ("deal_id", "to_stage", "changed_at")})),
                   "no stage history row was read")
    # History of deals the deals export lacks: every deal would sit "since creation".
    crm = make_crm([deal(1, created_at=days_before(200))], history=[move("ghost", "Proposal", days_before(300))])
    assert_skipped(run_check(RottingDeal, crm), "none of the 1 stage-history rows names a deal id found in the deals export")


def test_deals_whose_stay_is_unknown_are_not_judged():
    crm = build(passed_through(1, 5), (deal("moved-off-record", stage="Contract", created_at=days_before(200)),
                                      [move("moved-off-record", "Proposal", days_before(199), from_stage="New")]))
    assert_skipped(run_check(RottingDeal, crm), "no open deal whose time in its current stage is known (1 open")


def test_orphan_history_rows_are_ignored():
    crm = build(sitting("old", days_before(80)), (deal("x", status="won", stage="Won"),
                                                  [move("ghost", "Proposal", days_before(300), from_stage="New")]))
    assert flagged_ids(run_check(RottingDeal, crm)) == ["old"]
