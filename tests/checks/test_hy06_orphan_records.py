import pytest

from checks.base import Status
from checks.hygiene.HY06 import OrphanRecords
from tests.builders import assert_skipped, activity, deal, flagged_ids, make_crm, move, run_check


@pytest.mark.parametrize("activities, history, expected", [
    pytest.param([activity(1, "2026-10-02"), activity(99, "2026-10-03")], None, ["99"],
                 id="activity-of-missing-deal-is-flagged"),
    pytest.param(None, [move(1, "B", "2026-10-02"), move(98, "B", "2026-10-04")], ["98"],
                 id="history-of-missing-deal-is-flagged"),
    pytest.param([activity(99, "2026-10-03")], [move(1, "B", "2026-10-02"), move(99, "B", "2026-10-04"),
                                                 move(98, "C", "2026-10-05")],
                 ["98", "99"], id="one-finding-per-missing-deal-across-tables"),
    pytest.param([activity(1, "2026-10-02")], [move(1, "B", "2026-10-02")], [], id="all-linked-is-quiet"),
    pytest.param([{**activity(1, "2026-10-02"), "deal_id": None}, activity(2, "2026-10-02")], [], [],
                 id="activity-without-deal-is-not-an-orphan"),
])
def test_orphans(activities, history, expected):
    crm = make_crm([deal(1), deal(2)], activities=activities, history=history)
    result = run_check(OrphanRecords, crm)
    assert flagged_ids(result) == expected
    assert result.status is (Status.FAIL if expected else Status.PASS)


def test_rows_that_name_no_deal_at_all_are_skipped_not_passed():
    crm = make_crm([deal(1)], activities=[{**activity(1, "2026-10-02"), "deal_id": None}], history=None)
    assert_skipped(run_check(OrphanRecords, crm), "none of the 1 rows of activities names a deal")


def test_message_and_evidence_count_both_tables():
    crm = make_crm([deal(1)], activities=[activity(99, "2026-10-03", owner="Boris"), activity(99, "2026-10-09"),
                                          activity(1, "2026-10-03")],
                   history=[move(99, "B", "2026-10-04")])
    result = run_check(OrphanRecords, crm)
    row = result.findings.iloc[0]
    assert row["entity_type"] == "deal" and row["owner"] == "Boris"
    assert row["message"] == "deal is not in the deals export but has 2 activities and 1 stage change"
    assert row["evidence"] == {"activities": 2, "stage_changes": 1, "first_at": "2026-10-03T00:00:00",
                               "last_at": "2026-10-09T00:00:00"}
    assert result.affected == 3 and result.metric == 0.75


def test_when_nothing_links_at_all_it_cannot_tell_orphans_from_two_id_schemes():
    crm = make_crm([deal(1)], activities=[activity(99, "2026-10-03")], history=[move(98, "B", "2026-10-04")])
    assert_skipped(run_check(OrphanRecords, crm), "likely use different deal ids")


def test_without_activities_or_history_the_check_is_skipped():
    result = run_check(OrphanRecords, make_crm([deal(1)]))
    assert result.status is Status.SKIPPED and "activities and stage history not provided" in result.skipped_reason
