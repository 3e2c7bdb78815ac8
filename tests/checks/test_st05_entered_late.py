from itertools import pairwise

import pytest

from checks.base import Status
from checks.sterile.ST05 import EnteredLate
from tests.builders import assert_skipped, deal, flagged_ids, make_crm, move, run_check

OPEN = ["New", "Qualified", "Meeting", "Proposal", "Contract", "Invoice"]
PIPELINE = ([{"pipeline": "Sales", "stage": s, "order": i + 1, "kind": "open"} for i, s in enumerate(OPEN)]
            + [{"pipeline": "Sales", "stage": "Won", "order": 7, "kind": "won"},
               {"pipeline": "Sales", "stage": "Lost", "order": 8, "kind": "lost"}])


def walk(deal_id, stages, day: int = 2, month: int = 10):
    """Moves through `stages` one a day (the first is where the deal was created)."""
    return [move(deal_id, to, f"2026-{month:02d}-{day + k:02d} 10:00", from_stage=frm)
            for k, (frm, to) in enumerate(pairwise(stages))]


# A deal older than every test deal: the history's window starts with its first move.
ANCHOR = ([deal("anchor", stage="Won", status="won", created_at="2026-09-01 09:00",
                closed_at="2026-09-20 10:00")],
          walk("anchor", [*OPEN, "Won"], day=1, month=9))


def case(deals, history, pipelines=PIPELINE):
    return make_crm([*ANCHOR[0], *deals], history=[*ANCHOR[1], *history], pipelines=pipelines)


@pytest.mark.parametrize("deals, history, expected", [
    pytest.param([deal(1, stage="Invoice")], walk(1, ["Proposal", "Contract", "Invoice"]), ["1"],
                 id="first-seen-at-proposal-is-late"),
    pytest.param([deal(1, stage="Invoice")], walk(1, ["Qualified", "Meeting", "Invoice"]), [],
                 id="second-of-six-is-early"),
    pytest.param([deal(1, stage="Proposal")], walk(1, ["Meeting", "Proposal"]), ["1"],
                 id="third-of-six-is-past-the-first-third"),
    pytest.param([deal(1, stage="Won", status="won", closed_at="2026-10-20 10:00")],
                 [move(1, "Won", "2026-10-01 10:00")], ["1"], id="created-already-won"),
    pytest.param([deal(1, stage="Lost", status="lost", closed_at="2026-10-20 10:00")],
                 [move(1, "Lost", "2026-10-01 10:00")], [], id="a-loss-recorded-late-is-welcome"),
    pytest.param([deal(1, stage="Contract")], [move(1, "Contract", "2026-10-01 10:00")], ["1"],
                 id="creation-row-without-from-stage"),
    pytest.param([deal(1, stage="Contract")], [move(1, "Contract", "2026-10-04 10:00")], [],
                 id="first-row-long-after-creation-is-not-the-entry"),
    pytest.param([deal(1, stage="Meeting")], walk(1, ["Неразобранное", "New", "Qualified", "Meeting"]), [],
                 id="undeclared-inbox-then-first-stage"),
    pytest.param([deal(1, stage="Invoice")], walk(1, ["Неразобранное", "Contract", "Invoice"]), ["1"],
                 id="undeclared-inbox-then-late-stage"),
    pytest.param([deal(1, stage="Contract", created_at="2026-08-01 10:00")],
                 walk(1, ["Proposal", "Contract"]), [], id="created-before-history-window"),
    pytest.param([deal(1, stage="Contract"), deal(2, stage="New")], [], ["1"],
                 id="never-moved-deal-sits-where-it-was-created"),
    pytest.param([deal(1, stage="Contract", pipeline="Service")], [], [],
                 id="pipeline-without-history-is-not-judged"),
])
def test_entered_late_by_history(deals, history, expected):
    result = run_check(EnteredLate, case(deals, history))
    assert flagged_ids(result) == expected
    assert result.status is (Status.FAIL if expected else Status.PASS)


@pytest.mark.parametrize("fields, expected", [
    pytest.param({"status": "won", "closed_at": "2026-10-01 15:00"}, ["1"], id="won-within-five-hours"),
    pytest.param({"status": "won", "closed_at": "2026-10-02 10:00"}, ["1"], id="exactly-24h-counts"),
    pytest.param({"status": "won", "closed_at": "2026-10-02 16:00"}, [], id="won-after-30-hours"),
    pytest.param({"status": "lost", "closed_at": "2026-10-01 11:00"}, [], id="fast-loss-is-not-a-win"),
    pytest.param({"status": "won", "closed_at": "2026-09-30 10:00"}, [], id="closed-before-created-is-HY03s"),
    pytest.param({"status": "won", "closed_at": None}, [], id="no-close-date"),
])
def test_fast_win_needs_no_history(fields, expected):
    crm = make_crm([deal(1, created_at="2026-10-01 10:00", **fields),
                    deal(2, status="won", created_at="2026-09-01", closed_at="2026-10-01")])
    result = run_check(EnteredLate, crm)
    assert flagged_ids(result) == expected
    assert "no stage history" in result.message


@pytest.mark.parametrize("created, closed, expected", [
    pytest.param("2026-10-01", "2026-10-02", [], id="date-only-next-day-is-not-a-fast-win"),
    pytest.param("2026-10-01", "2026-10-01", [], id="date-only-same-day-is-not-judged-either"),
    pytest.param("2026-10-01 10:00", "2026-10-01", [], id="bare-close-date"),
    pytest.param("2026-10-01 10:00", "2026-10-01 23:59:59", [], id="end-of-day-close-from-ingestion"),
    pytest.param("2026-10-01", "2026-10-01 15:00", [], id="bare-creation-date"),
    pytest.param("2026-10-01 10:00", "2026-10-01 15:00", ["1"], id="both-timed-is-judged"),
])
def test_fast_win_only_when_both_times_carry_a_time_of_day(created, closed, expected):
    # Deal 2 carries times and is no fast win: the check runs, and says what it left out.
    crm = make_crm([deal(1, status="won", created_at=created, closed_at=closed),
                    deal(2, status="won", created_at="2026-09-01 10:00", closed_at="2026-10-01 10:00")])
    result = run_check(EnteredLate, crm)
    assert flagged_ids(result) == expected
    if not expected:
        assert result.status is Status.PASS and result.judged == 1
        assert "1 won deals with dates but no time of day left out of the 24 h rule" in result.message


def test_maven_like_date_only_export_has_no_fast_wins():
    """Every date bare, most wins the next day: none is a 24 h win (was 158 on the Maven sample);
    with nothing else to judge the check is skipped, saying why."""
    deals = [deal(i, status="won", created_at=f"2017-03-{1 + i % 27:02d}",
                  closed_at=f"2017-03-{2 + i % 27:02d}") for i in range(60)]
    result = run_check(EnteredLate, make_crm(deals))
    assert result.status is Status.SKIPPED and flagged_ids(result) == []
    assert "close time of day (60 carry dates alone" in result.skipped_reason
    assert "только даты: 60" in result.skipped_reason_ru


def test_one_finding_for_both_rules_with_evidence():
    crm = case([deal(1, stage="Won", status="won", created_at="2026-10-02 10:00",
                     closed_at="2026-10-02 12:30")],
               [move(1, "Won", "2026-10-02 12:30", from_stage="Contract")])
    result = run_check(EnteredLate, crm)
    assert flagged_ids(result) == ["1"]
    assert result.findings.loc[0, "evidence"] == {"first_stage": "Contract", "first_stage_order": 5,
                                                  "open_stages": 6, "hours_to_win": 2.5}
    assert "5 of 6" in result.findings.loc[0, "message"] and "2.5 h" in result.findings.loc[0, "message"]


def test_order_inferred_from_history_without_declared_pipeline():
    normal = [d for i in range(5) for d in walk(f"n{i}", [*OPEN, "Won"])]
    deals = [deal(f"n{i}", stage="Won", status="won", closed_at="2026-10-08 10:00") for i in range(5)]
    deals.append(deal("late", stage="Invoice"))
    crm = case(deals, normal + walk("late", ["Contract", "Invoice"]), pipelines=None)
    assert flagged_ids(run_check(EnteredLate, crm)) == ["late"]


def test_short_pipeline_is_not_judged_by_order():
    two = [{"pipeline": "Sales", "stage": s, "order": i + 1, "kind": "open"} for i, s in enumerate(["New", "Deal"])]
    crm = case([deal(1, stage="Deal")], [move(1, "Deal", "2026-10-01 10:00")], pipelines=two)
    assert flagged_ids(run_check(EnteredLate, crm)) == []
    assert flagged_ids(run_check(EnteredLate, crm, min_open_stages=2)) == ["1"]


def test_open_deal_without_history_is_skipped_not_passed():
    result = run_check(EnteredLate, make_crm([deal(1)]))
    assert_skipped(result, "no won deal of 1 has both a creation and a close date", "no stage history")


def test_history_that_links_to_no_deal_does_not_place_any_deal():
    """Every deal would look 'never moved, first recorded where it sits now': not evidence."""
    crm = make_crm([deal(1, stage="Contract"), deal(2, stage="Invoice")],
                   history=walk("x1", ["New", "Qualified", "Contract"]), pipelines=PIPELINE)
    assert_skipped(run_check(EnteredLate, crm), "no stage-history row links to an exported deal")
    won = make_crm([deal(1, stage="Contract"), deal(3, status="won", created_at="2026-10-01 10:00",
                                                    closed_at="2026-10-01 12:00")],
                   history=walk("x1", ["New", "Qualified", "Contract"]), pipelines=PIPELINE)
    result = run_check(EnteredLate, won)
    assert flagged_ids(result) == ["3"] and result.judged == 1
    assert "only the fast-win rule ran" in result.message


def test_a_guessed_stage_order_is_not_evidence_of_a_late_entry():
    """Two deals define the order of an undeclared pipeline: where a deal entered it proves nothing."""
    deals = [deal("a", stage="C", created_at="2026-10-02 10:00"), deal("b", stage="C", created_at="2026-10-02 10:00"),
             deal("late", stage="C", created_at="2026-10-03 10:00")]
    history = walk("a", ["A", "B", "C"]) + walk("b", ["A", "B", "C"]) + [move("late", "C", "2026-10-03 10:00")]
    result = run_check(EnteredLate, make_crm(deals, history=history))
    assert_skipped(result, "the stage history places none of them", "order guessed from too few deals in 'Sales'")
    result = run_check(EnteredLate, make_crm(deals, history=history), min_support=2)
    assert flagged_ids(result) == ["late"]


def test_entered_won_says_so():
    crm = case([deal(1, stage="Won", status="won", closed_at="2026-10-20 10:00")],
               [move(1, "Won", "2026-10-01 10:00")])
    row = run_check(EnteredLate, crm).findings.iloc[0]
    assert row["message"] == "first recorded already won ('Won')"
    assert row["evidence"]["first_stage_order"] == 7 and row["evidence"]["open_stages"] == 6
