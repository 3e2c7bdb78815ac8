"""Salesforce Data Loader exports: record types are pipelines, accounts are companies, and tasks
that hang on accounts, contacts or leads are not deal activities."""

import pandas as pd

from tests.ingest.conftest import warnings_coded

OPPS = "sf_opportunity_record_types_accounts.csv"
LOOKUPS = ["sf_recordtype.csv", "sf_account.csv", "sf_contact.csv"]


def sfid(prefix, n):
    return f"{prefix}{str(n).rjust(12, '0')}AAA"


def test_record_types_name_pipelines_and_accounts_name_companies(load_fixture):
    loaded = load_fixture(OPPS, *LOOKUPS)
    assert {s.table for s in loaded.sources if not s.path.endswith(OPPS)} == {"lookup"}
    d = loaded.crm.deals.set_index("deal_id")
    assert d.loc[sfid("006", 1), ["pipeline", "company", "contact"]].tolist() == ["New Business", "Acme Corp",
                                                                                  "Eva Ng"]
    assert d.loc[sfid("006", 2), "pipeline"] == "Renewal"
    assert d["status"].tolist() == ["open", "won", "lost", "open"]
    # A record type the export lacks, and an account it lacks: ids stand, and warnings say so.
    assert d.loc[sfid("006", 3), "pipeline"] == sfid("012", 9) and d.loc[sfid("006", 4), "company"] == sfid("001", "C")
    by_column = {w.numbers["column"]: w for w in warnings_coded(loaded, "ids-unresolved")}
    assert set(by_column) == {"deals.pipeline", "deals.company"}
    assert by_column["deals.pipeline"].numbers == {"column": "deals.pipeline", "ids": 1, "rows": 1,
                                                   "lookup_exported": True}
    assert "not in the exported RecordType" in by_column["deals.pipeline"].message


def test_without_lookup_tables_ids_stand_and_each_column_warns(load_fixture):
    loaded = load_fixture(OPPS)
    d = loaded.crm.deals.set_index("deal_id")
    assert d.loc[sfid("006", 1), "pipeline"] == sfid("012", 1)
    by_column = {w.numbers["column"]: w for w in warnings_coded(loaded, "ids-unresolved")}
    assert set(by_column) == {"deals.pipeline", "deals.company", "deals.contact"}
    pipeline = by_column["deals.pipeline"]
    assert pipeline.numbers == {"column": "deals.pipeline", "ids": 3, "rows": 4, "lookup_exported": False}
    assert "export RecordType" in pipeline.message and "RecordType" in pipeline.message_ru
    assert pipeline.file.endswith(OPPS)


def test_report_exports_with_names_need_no_lookup(load_fixture):
    assert not warnings_coded(load_fixture("sf_formatted_report_footer.xlsx"), "ids-unresolved")


def test_tasks_on_accounts_link_to_the_one_opportunity_open_then(load_fixture):
    loaded = load_fixture(OPPS, *LOOKUPS, "sf_tasks_on_accounts.csv")
    a = loaded.crm.activities.set_index("activity_id")["deal_id"].to_dict()
    assert a == {
        sfid("00T", 1): sfid("006", 1),   # on the opportunity itself
        sfid("00T", 2): sfid("006", 1),   # on Acme, whose only open opportunity then was the expansion
        sfid("00T", 4): sfid("006", 3),   # on a contact of Globex, whose pilot was open then
    }
    # Not linked: T3 (two Acme opportunities open), T5 (a lead), T6 (Globex: nothing open), T7 (a case).
    [w] = warnings_coded(loaded, "activities-not-on-deals")
    assert w.numbers == {"rows": 7, "not_on_deal": 6, "on_account": 3, "on_contact": 1, "on_lead": 1,
                         "on_other": 1, "linked": 2, "left_out": 4}
    assert "2 of them were linked to their account's only opportunity open at the time" in w.message
    assert w.file.endswith("sf_tasks_on_accounts.csv")
    # Linked activities carry the names of their owners like the others (no User export: ids).
    assert loaded.crm.activities["type"].tolist() == ["call", "call", "call"]


def test_tasks_all_on_accounts_without_opportunity_table_links_none(load_fixture, tmp_path):
    from audit.ingest import load
    from tests.ingest.conftest import FIXTURES
    loaded = load([FIXTURES / "sf_opportunity_api.csv", FIXTURES / "sf_tasks_on_accounts.csv"])
    [w] = warnings_coded(loaded, "activities-not-on-deals")
    assert w.numbers["linked"] == 0 and w.numbers["left_out"] == 6
    assert "left out of deal activity" in w.message


def test_existing_task_fixture_counts_the_account_task(load_fixture):
    loaded = load_fixture("sf_opportunity_api.csv", "sf_task.csv", "sf_event.csv", "sf_user.csv")
    [w] = warnings_coded(loaded, "activities-not-on-deals")
    assert w.numbers["not_on_deal"] == 1 and w.numbers["on_account"] == 1
    assert pd.Series(loaded.crm.activities["deal_id"]).str.startswith("006").all()


def test_formatted_grouped_report_reads_every_opportunity_with_its_group(load_fixture):
    loaded = load_fixture("sf_formatted_report_grouped.xlsx")
    src = loaded.sources[0]
    assert (src.crm, src.table, src.header_row) == ("salesforce", "deals", 13)
    d = loaded.crm.deals.set_index("deal_id")
    # The stage is written on the first row of its group only: every opportunity gets it.
    assert d["stage"].tolist() == ["Prospecting", "Prospecting", "Closed Won", "Closed Lost", "Closed Lost"]
    assert d["status"].tolist() == ["open", "open", "won", "lost", "lost"]
    # A deal whose name starts with "Total" is a deal; the Subtotal and Total rows are not.
    assert d.loc["006R00000000005AAA", "title"] == "Total Solutions pilot"
    assert d["amount"].sum() == 390000
    raw = loaded.crm.parse_issues["raw"].tolist()
    assert sum(r.startswith("Subtotal") for r in raw) == 3 and any(r.startswith("Confidential") for r in raw)


def test_opportunities_with_products_is_one_deal_per_opportunity(load_fixture):
    loaded = load_fixture("sf_opportunities_with_products.xlsx")
    d = loaded.crm.deals
    assert d["title"].tolist() == ["Edge SLA", "United Oil Refinery"]
    # The opportunity Amount repeated on each product line is counted once, not summed.
    assert d["amount"].tolist() == [3000.0, 500.0] and d["status"].tolist() == ["won", "open"]
    assert "3 product lines read as 2 opportunities" in loaded.sources[0].note


def test_product_lines_without_amount_sum_their_total_price(tmp_path):
    from audit.ingest import load
    (tmp_path / "products.csv").write_text(
        "Opportunity ID,Opportunity Name,Stage,Close Date,Opportunity Owner,Product Name,Total Price\n"
        "006A1,Edge SLA,Closed Won,2026-02-01,Ann Lee,Diesel,2000\n"
        "006A1,Edge SLA,Closed Won,2026-02-01,Ann Lee,Installation,1000\n"
        "006A2,Oil,Prospecting,2026-06-30,Bo Chen,SLA,500\n", encoding="utf-8")
    d = load([tmp_path / "products.csv"]).crm.deals
    assert d["deal_id"].tolist() == ["006A1", "006A2"] and d["amount"].tolist() == [3000.0, 500.0]
