"""HY04 through Great Expectations: negative amounts, won deals worth nothing."""

import pytest

from checks.base import Status
from checks.hygiene.HY04 import AmountRange
from tests.builders import assert_skipped, deal, make_crm, run_check


@pytest.fixture(scope="module")
def mixed():
    crm = make_crm([
        deal(1, amount=-500.0),
        deal(2, status="won", amount=0.0, closed_at="2026-10-05"),
        deal(3, status="won", amount=-20.0, closed_at="2026-10-05"),
        deal(4, status="lost", amount=0.0, closed_at="2026-10-05"),
        deal(5, amount=0.0),
        deal(6, status="won", amount=None, closed_at="2026-10-05"),
        deal(7, status="won", amount=1500.5, closed_at="2026-10-05"),
    ])
    return run_check(AmountRange, crm)


@pytest.mark.parametrize("deal_id, text", [
    pytest.param("1", "negative amount −500", id="negative-is-flagged"),
    pytest.param("2", "won with amount 0", id="won-at-zero-is-flagged"),
    pytest.param("3", "won with a negative amount −20", id="won-and-negative-is-one-finding"),
    pytest.param("4", None, id="lost-at-zero-is-fine"),
    pytest.param("5", None, id="open-at-zero-is-fine"),
    pytest.param("6", None, id="missing-amount-is-hy01s-concern"),
    pytest.param("7", None, id="positive-won-is-quiet"),
])
def test_amount_cases(mixed, deal_id, text):
    rows = mixed.findings[mixed.findings["entity_id"] == deal_id]
    assert rows["message"].tolist() == ([text] if text else [])


def test_exact_ids_and_evidence(mixed):
    assert sorted(mixed.findings["entity_id"]) == ["1", "2", "3"]
    ev = mixed.findings.set_index("entity_id").loc["3", "evidence"]
    assert ev["rules"] == ["amount-negative", "won-amount-not-positive"] and ev["amount"] == -20.0
    assert mixed.status is Status.FAIL and mixed.metric == round(3 / 6, 4)


def test_sane_amounts_are_quiet():
    crm = make_crm([deal(1, amount=0.0), deal(2, status="won", amount=10.0, closed_at="2026-10-05")])
    assert run_check(AmountRange, crm).status is Status.PASS
