import pytest

from checks.activity.OF01 import SilentStageChange
from checks.base import Status
from tests.builders import assert_skipped, activity, deal, flagged_ids, make_crm, move, run_check

CREATED = "2026-10-01 09:00"


def journey(deal_id, *steps, status="open", owner="Anna"):
    """A deal created at CREATED and moved through `steps` = (stage, time), first from Qualified."""
    final = steps[-1][0] if steps else "Qualified"
    moves, prev = [], "Qualified"
    for stage, at in steps:
        moves.append(move(deal_id, stage, at, from_stage=prev))
        prev = stage
    return [deal(deal_id, stage=final, status=status, owner=owner, created_at=CREATED)], moves


# Background deals that fix the stage order (Qualified < Proposal < Contract < Won, Lost),
# each move preceded by a call.
B1 = journey("b1", ("Proposal", "2026-10-03"), ("Contract", "2026-10-06"), ("Won", "2026-10-09"),
             status="won")
B2 = journey("b2", ("Proposal", "2026-10-03"), ("Lost", "2026-10-06"), status="lost")
B_CALLS = [activity("b1", "2026-10-02"), activity("b1", "2026-10-05"), activity("b1", "2026-10-08"),
           activity("b2", "2026-10-02"), activity("b2", "2026-10-05")]


def crm_with(case, calls):
    deals = B1[0] + B2[0] + case[0]
    return make_crm(deals, history=B1[1] + B2[1] + case[1], activities=B_CALLS + calls)


@pytest.mark.parametrize("case, calls, expected", [
    pytest.param(journey(1, ("Proposal", "2026-10-03")), [], ["1"], id="no-contact-is-flagged"),
    pytest.param(journey(1, ("Proposal", "2026-10-03")), [activity(1, "2026-10-02")], [],
                 id="contact-since-creation-is-quiet"),
    pytest.param(journey(1, ("Proposal", "2026-10-03 12:00")), [activity(1, "2026-10-03 12:00")], [],
                 id="contact-at-the-change-counts"),
    pytest.param(journey(1, ("Proposal", "2026-10-03")), [activity(1, "2026-10-03 00:01")], ["1"],
                 id="contact-after-the-change-does-not"),
    pytest.param(journey(1, ("Proposal", "2026-10-03")), [activity(1, "2026-09-30")], ["1"],
                 id="contact-before-creation-does-not"),
    pytest.param(journey(1, ("Proposal", "2026-10-03"), ("Contract", "2026-10-06")),
                 [activity(1, "2026-10-02"), activity(1, "2026-10-03")], ["1"],
                 id="contact-at-previous-change-belongs-to-it"),
    pytest.param(journey(1, ("Proposal", "2026-10-03"), ("Won", "2026-10-06"), status="won"),
                 [activity(1, "2026-10-02")], ["1"], id="silent-win-is-flagged"),
    pytest.param(journey(1, ("Proposal", "2026-10-03"), ("Lost", "2026-10-06"), status="lost"),
                 [activity(1, "2026-10-02")], [], id="silent-loss-is-not-judged"),
    pytest.param(journey(1, ("Proposal", "2026-10-03"), ("Qualified", "2026-10-06")),
                 [activity(1, "2026-10-02")], [], id="backward-move-is-not-judged"),
    pytest.param(journey(1, ("Proposal", "2026-10-03")), [activity(2, "2026-10-02")], ["1"],
                 id="contact-on-another-deal-does-not-count"),
    pytest.param(journey(1, ("Proposal", "2026-10-03")),
                 [activity(1, None)], ["1"], id="undated-contact-does-not-count"),
])
def test_silent_stage_change(case, calls, expected):
    result = run_check(SilentStageChange, crm_with(case, calls))
    assert flagged_ids(result) == expected
    assert result.status is (Status.FAIL if expected else Status.PASS)


def test_one_finding_per_silent_move_with_evidence():
    case = journey(1, ("Proposal", "2026-10-03"), ("Contract", "2026-10-06"), ("Won", "2026-10-09"),
                   status="won")
    result = run_check(SilentStageChange, crm_with(case, [activity(1, "2026-10-05")]))
    f = result.findings.sort_values("stage")
    assert f["entity_id"].tolist() == ["1", "1"]
    assert f["stage"].tolist() == ["Proposal", "Won"]
    first, won = f["evidence"].tolist()
    assert first == {"from_stage": "Qualified", "to_stage": "Proposal", "changed_at": "2026-10-03T00:00:00",
                     "previous_change_at": "2026-10-01T09:00:00", "first_change": True,
                     "activities_since_previous": 0}
    assert won["previous_change_at"] == "2026-10-06T00:00:00" and won["first_change"] is False
    assert "since the deal was created" in f["message"].iloc[0]
    assert "Contract → Won" in f["message"].iloc[1]
    # 2 silent of 3 own forward moves, + 4 logged background ones (b2's move to Lost is not judged)
    assert result.metric == pytest.approx(2 / 7, abs=1e-4)
    assert "2 of 7 forward stage changes (29%)" in result.message


def test_share_within_tolerance_passes_without_findings():
    crm = crm_with(journey(1, ("Proposal", "2026-10-03")), [])
    result = run_check(SilentStageChange, crm, max_share=0.2)
    assert result.status is Status.PASS and result.findings.empty and result.affected == 1
    assert run_check(SilentStageChange, crm, max_share=0.1).status is Status.FAIL


def test_empty_history_or_no_forward_move_is_skipped_not_passed():
    result = run_check(SilentStageChange, make_crm([deal(1)], history=[], activities=[activity(1, "2026-10-02")]))
    assert_skipped(result, "no stage history row was read")
    crm = make_crm([deal(1, created_at=CREATED, stage="Lost", status="lost")],
                   history=[move(1, "Lost", "2026-10-03", from_stage="Qualified")],
                   activities=[activity(1, "2026-10-02")])
    assert_skipped(run_check(SilentStageChange, crm), "no forward stage change of an exported deal among 1")


def test_history_of_unknown_deal_is_left_to_hy06():
    crm = make_crm([deal(1, created_at=CREATED)],
                   history=[move(1, "Proposal", "2026-10-03", from_stage="Qualified"),
                            move(99, "Proposal", "2026-10-03", from_stage="Qualified")],
                   activities=[activity(1, "2026-10-02")])
    assert run_check(SilentStageChange, crm).status is Status.PASS


def test_one_deal_first_move_without_from_stage():
    # The export names no from_stage: the first change is the creation, nothing to judge yet.
    crm = make_crm([deal(1, created_at=CREATED, stage="Proposal")],
                   history=[move(1, "Qualified", "2026-10-01 09:00"), move(1, "Proposal", "2026-10-03")],
                   activities=[activity(1, "2026-09-01")])
    assert flagged_ids(run_check(SilentStageChange, crm)) == ["1"]


def test_activities_linked_to_no_deal_skip_the_check():
    crm = make_crm([deal(1, created_at=CREATED)],
                   history=[move(1, "Proposal", "2026-10-03", from_stage="Qualified")],
                   activities=[activity("contact-5", "2026-10-02")])
    assert run_check(SilentStageChange, crm).status is Status.SKIPPED
