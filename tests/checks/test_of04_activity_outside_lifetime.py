import pytest

from checks.activity.OF04 import ActivityOutsideLifetime
from checks.base import Status
from tests.builders import assert_skipped, activity, deal, flagged_ids, make_crm, run_check

CREATED = "2026-10-01 10:00"
WON = {"status": "won", "created_at": CREATED, "closed_at": "2026-10-20 10:00"}


@pytest.mark.parametrize("deals, calls, expected", [
    pytest.param([deal(1, created_at=CREATED)], [activity(1, "2026-09-30", activity_id="a1")], ["a1"],
                 id="before-creation"),
    pytest.param([deal(1, created_at=CREATED)], [activity(1, "2026-10-01 10:00", activity_id="a1")], [],
                 id="at-creation-is-fine"),
    pytest.param([deal(1, **WON)], [activity(1, "2026-10-21 10:00", activity_id="a1")], [],
                 id="a-day-after-close-is-fine"),
    pytest.param([deal(1, **WON)], [activity(1, "2026-10-21 10:01", activity_id="a1")], ["a1"],
                 id="more-than-a-day-after-close"),
    pytest.param([deal(1, created_at=CREATED)], [activity(1, "2027-03-01", activity_id="a1")], [],
                 id="open-deal-has-no-end"),
    pytest.param([deal(1, created_at=None)], [activity(1, "2020-01-01", activity_id="a1")], [],
                 id="undated-deal-is-not-judged"),
    pytest.param([deal(1, created_at=CREATED)], [activity(1, None, activity_id="a1"),
                                                 activity(1, "2026-10-02", activity_id="a2")], [],
                 id="undated-activity-is-not-judged"),
    pytest.param([deal(1, created_at=CREATED)], [activity(9, "2020-01-01", activity_id="a1"),
                                                 activity(1, "2026-10-02", activity_id="a2")], [],
                 id="orphan-activity-is-hy06s"),
    pytest.param([deal(1, **WON), deal(2, created_at=CREATED)],
                 [activity(1, "2026-09-01", activity_id="a1"), activity(1, "2026-11-01", activity_id="a2"),
                  activity(2, "2026-10-05", activity_id="a3")], ["a1", "a2"], id="both-ends-one-deal"),
])
def test_activity_outside_lifetime(deals, calls, expected):
    result = run_check(ActivityOutsideLifetime, make_crm([*deals, deal("x", **WON)], activities=calls))
    assert flagged_ids(result) == expected
    assert result.status is (Status.FAIL if expected else Status.PASS)


def test_evidence_names_the_deal():
    crm = make_crm([deal(1, owner="Boris", pipeline="Retail", **WON)],
                   activities=[activity(1, "2026-09-21 10:00", activity_id="a1", owner="Anna", type="email"),
                               activity(1, "2026-10-21 12:00", activity_id="a2")])
    result = run_check(ActivityOutsideLifetime, crm)
    f = result.findings.set_index("entity_id")
    assert f.loc["a1", "evidence"] == {"deal_id": "1", "at": "2026-09-21T10:00:00",
                                       "deal_created_at": "2026-10-01T10:00:00", "days_outside": 10.0,
                                       "activity_owner": "Anna"}
    assert f.loc["a2", "evidence"]["deal_closed_at"] == "2026-10-20T10:00:00"
    assert (f["owner"] == "Boris").all() and (f["pipeline"] == "Retail").all()
    assert (f["entity_type"] == "activity").all()
    assert f.loc["a1", "message"] == "email on 2026-09-21 10:00 is 10 days before deal 1 was created"
    assert f.loc["a2", "message"] == "call on 2026-10-21 12:00 is 26 h after deal 1 was closed"
    # The deal each activity finding is about, for the trust score (a typed column, not evidence).
    assert f["related_deal"].tolist() == ["1", "1"]


def test_missing_activity_id_gets_a_stable_synthetic_id():
    calls = [activity(1, "2026-09-30 08:00", activity_id=None), activity(1, "2026-09-30 08:00", activity_id=None),
             activity(1, "2026-09-29", activity_id=None, type="email")]
    crm = make_crm([deal(1, created_at=CREATED), deal(2, created_at=CREATED)],
                   activities=[*calls, activity(2, "2026-09-01", activity_id="real")])
    result = run_check(ActivityOutsideLifetime, crm)
    assert flagged_ids(result) == ["1@2026-09-29T00:00:00/email", "1@2026-09-30T08:00:00/call",
                                   "1@2026-09-30T08:00:00/call#2", "real"]
    synthetic = result.findings[result.findings["entity_id"] != "real"]
    assert all(ev["synthetic_id"] for ev in synthetic["evidence"])
    assert synthetic["message"].str.contains("the export has no activity ids").all()
    assert "synthetic_id" not in result.findings.set_index("entity_id").loc["real", "evidence"]
    assert flagged_ids(run_check(ActivityOutsideLifetime, crm)) == flagged_ids(result)  # stable


def test_grace_periods_are_configurable():
    crm = make_crm([deal(1, **WON)], activities=[activity(1, "2026-09-30 12:00", activity_id="a1"),
                                                 activity(1, "2026-10-23", activity_id="a2")])
    assert flagged_ids(run_check(ActivityOutsideLifetime, crm)) == ["a1", "a2"]
    assert flagged_ids(run_check(ActivityOutsideLifetime, crm, days_before_created=1,
                                 days_after_closed=3)) == []
    tolerant = run_check(ActivityOutsideLifetime, crm, max_share=1.0)
    assert tolerant.status is Status.PASS and tolerant.affected == 2 and tolerant.findings.empty


def test_no_dated_activity_is_skipped_not_passed():
    result = run_check(ActivityOutsideLifetime, make_crm([deal(1)], activities=[activity(1, None)]))
    assert_skipped(result, "none of the 1 activities linked to an exported deal has a date")


def test_activities_linked_to_no_deal_skip_the_check():
    result = run_check(ActivityOutsideLifetime, make_crm([deal(1)], activities=[activity(9, "2026-10-02")]))
    assert result.status is Status.SKIPPED and result.findings.empty


def test_activity_without_type_or_owner_is_flagged_with_plain_words():
    crm = make_crm([deal(1, created_at=CREATED)], activities=[
        activity(1, "2026-09-21 10:00", activity_id="a1", type=None, owner=None),
        activity(1, "2026-10-02 10:00", activity_id="a2", type="call")])
    result = run_check(ActivityOutsideLifetime, crm)
    (row,) = result.findings.to_dict("records")
    assert row["entity_id"] == "a1" and row["message"].startswith("activity on 2026-09-21 10:00")

