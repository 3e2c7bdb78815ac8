"""HY02 through Great Expectations: repeated ids in deals, activities and leads."""

import pytest

from checks.base import Status
from checks.hygiene.HY02 import DuplicateIds
from tests.builders import assert_skipped, activity, deal, lead, make_crm, run_check


def _no_id(row, key):
    row[key] = None
    return row


@pytest.fixture(scope="module")
def mixed():
    crm = make_crm(
        [deal(1), deal(1, owner="Boris"), deal(1), deal(2), deal(3), deal(3),
         _no_id(deal(90), "deal_id"), _no_id(deal(91), "deal_id")],
        activities=[activity(1, "2026-10-02", activity_id="a1"), activity(1, "2026-10-03", activity_id="a1"),
                    activity(2, "2026-10-03", activity_id="a2"),
                    _no_id(activity(2, "2026-10-04"), "activity_id"), _no_id(activity(2, "2026-10-05"), "activity_id")],
        leads=[lead("L1"), lead("L2"), lead("L2")],
    )
    return run_check(DuplicateIds, crm)


@pytest.mark.parametrize("entity_type, entity_id, rows", [
    pytest.param("deal", "1", 3, id="deal-id-three-times"),
    pytest.param("deal", "3", 2, id="deal-id-twice"),
    pytest.param("activity", "a1", 2, id="activity-id-twice"),
    pytest.param("lead", "L2", 2, id="lead-id-twice"),
])
def test_each_repeated_id_is_one_finding(mixed, entity_type, entity_id, rows):
    hit = mixed.findings[(mixed.findings["entity_type"] == entity_type) & (mixed.findings["entity_id"] == entity_id)]
    assert len(hit) == 1
    assert hit["evidence"].iloc[0]["rows"] == rows
    assert f"is shared by {rows}" in hit["message"].iloc[0]


def test_exact_ids_and_missing_ids_are_not_duplicates(mixed):
    # Missing ids (two deals, two activities) are HY01's concern, not repeats of "nothing".
    assert sorted(zip(mixed.findings["entity_type"], mixed.findings["entity_id"])) == [
        ("activity", "a1"), ("deal", "1"), ("deal", "3"), ("lead", "L2")]
    assert mixed.status is Status.FAIL
    assert mixed.affected == 3 + 2 + 2 + 2  # rows sharing an id
    first = mixed.findings[mixed.findings["entity_id"] == "1"].iloc[0]
    assert first["owner"] == "Anna"  # context from the first row with that id


def test_unique_ids_are_quiet_and_tables_not_exported_are_named():
    crm = make_crm([deal(1), deal(2)], activities=[activity(1, "2026-10-02", activity_id="a1")])
    result = run_check(DuplicateIds, crm)
    assert result.status is Status.PASS and result.findings.empty
    assert "lead id repeated (leads not exported)" in result.message


def test_one_deal_passes():
    result = run_check(DuplicateIds, make_crm([deal(1)]))
    assert result.status is Status.PASS
