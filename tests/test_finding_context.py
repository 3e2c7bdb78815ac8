"""What the reports get beside each finding (audit.derived.finding_context): the deal it is about
- also for a finding about one of its activities - with its title, amount and company, and the
moment the problem happened, from the check's `dated_by`. The JSON findings keep the contract."""

import json

import pandas as pd

from audit.runner import run_audit
from reports.json_report import dump
from tests.builders import AS_OF, activity, deal, make_crm


def audit(select, deals, activities=None):
    return run_audit(make_crm(deals, activities=activities), select=select, as_of=AS_OF)


def test_deal_findings_carry_the_deal_and_its_close_date():
    result = audit(["ST03"], [deal(1, status="lost", lost_reason=None, company="ООО «Ромашка»", amount=500.0,
                                   title="Насосы", closed_at="2026-10-05 12:00"),
                              deal(2, status="lost", lost_reason="цена", closed_at="2026-10-06 12:00")])
    (row,) = result.findings.to_dict("records")
    assert (row["deal_id"], row["title"], row["company"], row["amount"]) == ("1", "Насосы", "ООО «Ромашка»", 500.0)
    assert row["at"] == pd.Timestamp("2026-10-05 12:00")


def test_an_activity_finding_names_its_deal_and_is_dated_by_the_activity():
    deals = [deal(7, status="won", title="Монтаж", created_at="2026-09-01 10:00", closed_at="2026-09-10 10:00")]
    acts = [activity(7, "2026-09-05 10:00"), activity(7, "2026-10-01 09:30")]
    result = audit(["OF04"], deals, acts)
    (row,) = result.findings.to_dict("records")
    assert row["entity_type"] == "activity" and row["deal_id"] == "7" and row["title"] == "Монтаж"
    assert row["at"] == pd.Timestamp("2026-10-01 09:30")


def test_a_finding_about_a_manager_has_no_deal_and_no_date():
    deals = [deal(i, owner="Anna" if i < 20 else f"B{i % 3}", status="won" if i < 20 or i % 2 else "lost",
                  closed_at="2026-10-05") for i in range(80)]
    result = audit(["ST02"], deals)
    rows = result.findings[result.findings["entity_type"].eq("owner")]
    assert len(rows) and rows["deal_id"].isna().all() and rows["at"].isna().all()


def test_a_finding_without_a_deal_takes_nothing_from_a_deal_without_an_id():
    deals = [deal(i, owner="Anna" if i < 20 else f"B{i % 3}", status="won" if i < 20 or i % 2 else "lost",
                  closed_at="2026-10-05") for i in range(80)]
    deals.append(deal(99, title="Без номера", company="ООО «Безымянная»", amount=7.0))
    deals[-1]["deal_id"] = None
    result = audit(["ST02"], deals)
    rows = result.findings[result.findings["entity_type"].eq("owner")]
    assert len(rows) and rows["title"].isna().all() and rows["company"].isna().all() and rows["amount"].isna().all()


def test_the_json_findings_keep_the_contract_columns():
    result = audit(["ST03"], [deal(1, status="lost", lost_reason=None, closed_at="2026-10-05 12:00"),
                              deal(2, status="lost", lost_reason="цена", closed_at="2026-10-06 12:00")])
    (finding,) = json.loads(dump(result))["findings"]
    assert "at" not in finding and "deal_id" not in finding and "company" not in finding
