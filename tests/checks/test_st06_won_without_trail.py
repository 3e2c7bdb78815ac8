import pytest

from checks.base import Status
from checks.sterile.ST06 import WonWithoutTrail
from tests.builders import activity, assert_skipped, deal, flagged_ids, make_crm, run_check

WON = {"status": "won", "created_at": "2026-10-01 10:00", "closed_at": "2026-10-10 10:00"}
# An activity early in the export, so the test deals lie inside its window.
EARLY = activity("other", "2026-09-01 10:00")


@pytest.mark.parametrize("deals, activities, expected", [
    pytest.param([deal(1, **WON), deal(2, **WON)], [activity(2, "2026-10-05 10:00")], ["1"],
                 id="won-without-activity-is-flagged"),
    pytest.param([deal(1, **WON)], [activity(1, "2026-10-05 10:00", type="note")], [],
                 id="any-activity-type-is-a-trail"),
    pytest.param([deal(1, **WON)], [activity(1, None, type="email")], [], id="undated-activity-still-counts"),
    pytest.param([deal(1, **WON)], [activity(1, "2026-11-01 10:00")], [], id="activity-after-close-counts"),
    pytest.param([deal(1, status="lost", closed_at="2026-10-10"), deal(2, status="open")], [], None,
                 id="only-won-deals-are-judged"),
    pytest.param([deal(1, status="won", created_at="2026-07-01", closed_at="2026-08-01")], [], None,
                 id="won-before-activity-export-begins"),
    pytest.param([deal(1, status="won", created_at="2026-07-01", closed_at=None)], [], None,
                 id="no-close-date-uses-creation-for-the-window"),
    pytest.param([deal(1, status="won", created_at="2026-10-01", closed_at=None)], [], ["1"],
                 id="no-close-date-inside-window"),
    pytest.param([deal(1, **WON), deal(1, **WON)], [], ["1"], id="duplicate-id-reported-once"),
])
def test_won_without_trail(deals, activities, expected):
    crm = make_crm([*deals, deal("other", status="open")], activities=[EARLY, *activities])
    result = run_check(WonWithoutTrail, crm)
    if expected is None:  # no won deal the activity export can see
        assert_skipped(result, "no won deal to judge")
        return
    assert flagged_ids(result) == expected
    assert result.status is (Status.FAIL if expected else Status.PASS)


def test_finding_evidence_and_message():
    crm = make_crm([deal(1, amount=5000.0, **WON), deal("other")], activities=[EARLY])
    result = run_check(WonWithoutTrail, crm)
    row = result.findings.iloc[0]
    assert row["entity_type"] == "deal" and row["owner"] == "Anna"
    assert row["evidence"] == {"activities": 0, "created_at": "2026-10-01T10:00:00",
                               "closed_at": "2026-10-10T10:00:00", "cycle_days": 9.0, "amount": 5000.0}
    assert "2026-10-10" in row["message"]
    assert result.metric == 1.0


def test_needs_activities():
    crm = make_crm([deal(1, **WON)])
    assert crm.missing(WonWithoutTrail.needs) == {"activities": ()}


def test_window_note_in_message():
    crm = make_crm([deal(1, status="won", created_at="2026-07-01", closed_at="2026-08-01"), deal(2, **WON)],
                   activities=[EARLY, activity(2, "2026-10-02")])
    result = run_check(WonWithoutTrail, crm)
    assert result.status is Status.PASS and "1 won before the activity export begins" in result.message


def test_activities_linked_to_no_deal_prove_nothing():
    crm = make_crm([deal(1, **WON), deal(2, **WON)],
                   activities=[activity("contact-7", "2026-10-02"), activity("contact-8", "2026-09-01")])
    assert_skipped(run_check(WonWithoutTrail, crm),
                   "activities link to no deal: none of the 2 activities names a deal id found in the deals export")


def test_an_empty_activity_export_proves_nothing():
    crm = make_crm([deal(1, **WON)], activities=[], exported={"activities": ("deal_id", "type", "at")})
    assert_skipped(run_check(WonWithoutTrail, crm), "no activity row was read")


def test_closed_before_created_shows_no_negative_cycle():
    crm = make_crm([deal(1, status="won", created_at="2026-10-10", closed_at="2026-10-01"), deal("other")],
                   activities=[EARLY])
    ev = run_check(WonWithoutTrail, crm).findings.iloc[0]["evidence"]
    assert "cycle_days" not in ev
