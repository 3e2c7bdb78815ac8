"""HY03 through Great Expectations: close before creation, dates after the audit date (as_of)."""

import pytest

from checks.base import Status
from checks.hygiene.HY03 import DateOrder
from tests.builders import assert_skipped, ctx, deal, make_crm, run_check


@pytest.fixture(scope="module")
def crm():
    return make_crm([
        deal(1, status="won", created_at="2026-10-10 09:00", closed_at="2026-10-01 12:00"),
        deal(2, status="won", created_at="2026-10-10 09:00", closed_at="2026-10-10 09:00"),
        deal(3, status="won", created_at="2026-10-10 09:00", closed_at="2026-10-12"),
        deal(4, created_at="2026-12-01"),
        deal(5, status="lost", created_at="2026-10-01", closed_at="2026-12-24"),
        deal(6, created_at="2026-10-01", last_activity_at="2026-11-21"),
        deal(7, created_at="2026-10-01", closed_at=None, last_activity_at="2026-11-01"),
        deal(8, status="lost", created_at="2026-12-02", closed_at="2026-11-02"),
    ])


@pytest.fixture(scope="module")
def mixed(crm):
    return run_check(DateOrder, crm)


@pytest.mark.parametrize("deal_id, text", [
    pytest.param("1", "closed 2026-10-01 12:00 before it was created 2026-10-10 09:00", id="closed-before-created"),
    pytest.param("2", None, id="closed-at-creation-is-fine"),
    pytest.param("3", None, id="closed-after-creation-is-fine"),
    pytest.param("4", "creation date 2026-12-01 is after the audit date 2026-11-20", id="created-in-the-future"),
    pytest.param("5", "close date 2026-12-24 is after the audit date 2026-11-20", id="closed-in-the-future"),
    pytest.param("6", "last activity date 2026-11-21 is after the audit date 2026-11-20",
                 id="activity-in-the-future"),
    pytest.param("7", None, id="missing-dates-are-not-judged"),
    pytest.param("8", "closed 2026-11-02 before it was created 2026-12-02; "
                      "creation date 2026-12-02 is after the audit date 2026-11-20", id="two-problems-one-finding"),
])
def test_date_order_cases(mixed, deal_id, text):
    rows = mixed.findings[mixed.findings["entity_id"] == deal_id]
    assert rows["message"].tolist() == ([text] if text else [])


def test_exact_ids_and_evidence(mixed):
    assert sorted(mixed.findings["entity_id"]) == ["1", "4", "5", "6", "8"]
    ev = mixed.findings.set_index("entity_id").loc["1", "evidence"]
    assert ev["rules"] == ["closed-before-created"] and ev["days_before_creation"] == 8.88
    assert mixed.status is Status.FAIL


def test_as_of_is_a_validation_parameter(crm):
    # A later audit date clears the "future" dates: the suite takes as_of as a parameter,
    # and the shared validation is memoized per as_of.
    later = DateOrder().run(crm, ctx(DateOrder, crm, as_of="2027-01-01"))
    assert sorted(later.findings["entity_id"]) == ["1", "8"]


def test_clean_dates_are_quiet():
    crm = make_crm([deal(1, status="won", created_at="2026-10-01", closed_at="2026-10-02"), deal(2)])
    assert run_check(DateOrder, crm).status is Status.PASS
