"""HY01 through Great Expectations: one shared validation per table set (GX runs are slow)."""

import pytest

from checks.base import Status
from checks.hygiene.HY01 import RequiredFields
from tests.builders import assert_skipped, deal, make_crm, run_check


def _no_id(**fields):
    row = deal("tmp", **fields)
    row["deal_id"] = None
    return row


@pytest.fixture(scope="module")
def mixed():
    crm = make_crm([
        deal(1, owner=None),
        deal(2, stage=None),
        deal(3, created_at=None),
        deal(4, status="won", amount=None, closed_at="2026-10-05"),
        deal(5, status="lost", amount=None, closed_at="2026-10-05"),
        deal(6, status="open", amount=None),
        deal(7),
        deal(8, owner=None, stage=None),
        _no_id(title="Imported without id"),
    ])
    return run_check(RequiredFields, crm)


@pytest.mark.parametrize("deal_id, flagged, text", [
    pytest.param("1", True, "no owner", id="missing-owner-is-flagged"),
    pytest.param("2", True, "no stage", id="missing-stage-is-flagged"),
    pytest.param("3", True, "no creation date", id="missing-creation-date-is-flagged"),
    pytest.param("4", True, "won without an amount", id="won-without-amount-is-flagged"),
    pytest.param("5", False, None, id="lost-without-amount-is-fine"),
    pytest.param("6", False, None, id="open-without-amount-is-fine"),
    pytest.param("7", False, None, id="complete-deal-is-quiet"),
    pytest.param("8", True, "no stage; no owner", id="two-gaps-make-one-finding"),
])
def test_required_fields_cases(mixed, deal_id, flagged, text):
    rows = mixed.findings[mixed.findings["entity_id"] == deal_id]
    assert len(rows) == (1 if flagged else 0)
    if flagged:
        assert rows["message"].iloc[0] == text


def test_exact_flagged_ids_and_the_deal_without_id(mixed):
    ids = mixed.findings["entity_id"].tolist()
    assert sorted(i for i in ids if i is not None) == ["1", "2", "3", "4", "8"]
    nameless = mixed.findings[mixed.findings["entity_id"].isna()]
    assert nameless["message"].tolist() == ["no deal id"]
    assert mixed.status is Status.FAIL
    assert mixed.findings.set_index("entity_id").loc["8", "evidence"]["missing"] == ["stage", "owner"]
    assert mixed.metric == round(6 / 9, 4)


def test_clean_deals_are_quiet():
    crm = make_crm([deal(1), deal(2, status="won", amount=10.0, closed_at="2026-10-02"),
                    deal(3, status="lost", amount=None, closed_at="2026-10-03")])
    result = run_check(RequiredFields, crm)
    assert result.status is Status.PASS and result.findings.empty and result.metric == 0.0


def test_owner_not_exported_is_not_a_gap_on_every_deal():
    # An export without an owner column says nothing about owners: the rule is left out, not failed.
    crm = make_crm([deal(1, owner=None), deal(2, owner=None, stage=None)])
    result = run_check(RequiredFields, crm)
    assert result.findings["entity_id"].tolist() == ["2"]
    assert result.findings["message"].tolist() == ["no stage"]
    assert "not checked: no owner (the deals export has no owner column)" in result.message


def test_empty_deals_table_is_skipped_without_running_gx():
    assert_skipped(run_check(RequiredFields, make_crm([])), "the deals export has no rows")
