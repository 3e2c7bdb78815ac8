"""amoCRM's deals export as it really comes: close times truncated to the minute, repeated
headers, a row with every field but the ID."""

import pandas as pd

from audit.ingest.inspect import render_inspection
from checks.hygiene.HY03 import DateOrder
from tests.builders import run_check

FILE = "amocrm_close_truncated_to_minute.csv"


def test_close_in_the_minute_of_creation_is_not_closed_before_created(load_fixture):
    loaded = load_fixture(FILE)
    d = loaded.crm.deals.set_index("deal_id", drop=False)
    # 13:32:00 means "some time in 13:32": read as its last second, after 13:32:57.
    assert d.loc["201", "closed_at"] == pd.Timestamp("2022-03-22 13:32:59")
    result = run_check(DateOrder, loaded.crm, as_of="2022-04-01")
    flagged = sorted(result.findings["entity_id"].dropna())
    assert flagged == ["203"]  # closed the day before it was created: a real error


def test_minute_precision_everywhere_keeps_close_times_as_they_are(tmp_path):
    from audit.ingest import load
    (tmp_path / "deals.csv").write_text(
        "ID;Название сделки;Бюджет;Ответственный;Дата создания сделки;Дата закрытия;Этап сделки\n"
        "1;А;1;Пётр;22.03.2022 13:32;22.03.2022 13:40;Успешно реализовано\n", encoding="utf-8")
    assert load([tmp_path / "deals.csv"]).crm.deals["closed_at"].iloc[0] == pd.Timestamp("2022-03-22 13:40")


def test_repeated_headers_are_listed_once_as_mapped_or_unmapped(load_fixture):
    loaded = load_fixture(FILE)
    src = loaded.sources[0]
    assert src.mapping["Источник"] == "source" and "Источник" not in src.unmapped
    assert src.unmapped == ("Товар", "cid")
    text = render_inspection(loaded)
    assert text.count("Товар") == 1 and text.count("cid") == 1


def test_row_with_every_field_but_the_id_is_a_row_without_an_id(load_fixture):
    loaded = load_fixture(FILE)
    src = loaded.sources[0]
    assert "1 row(s) without an id (row 5)" in src.note
    assert "wrong number of fields" not in src.note
    d = loaded.crm.deals
    assert d["title"].tolist()[-1] == "Без номера" and pd.isna(d["deal_id"].iloc[-1])
    assert loaded.crm.parse_issues.empty


# -- Kommo's English interface and amoCRM API v4 dumps ------------------------------------------------

def test_kommo_english_leads_export_is_a_deals_export(load_fixture):
    # Was read as a Salesforce Lead table ("Lead status"): no deals at all.
    loaded = load_fixture("kommo_leads_english.csv")
    assert loaded.sources[0].crm == "amocrm" and loaded.sources[0].table == "deals"
    d = loaded.crm.deals.set_index("deal_id")
    assert d["status"].to_dict() == {"301": "open", "302": "won", "303": "lost", "304": "open"}
    assert d.loc["302", "closed_at"] == pd.Timestamp("2026-03-20 16:40:00")
    assert d.loc["303", "owner"] == "Maria Lopez" and d.loc["303", "pipeline"] == "Main pipeline"
    assert d.loc["301", "amount"] == 1500
    assert loaded.crm.leads is None or loaded.crm.leads.empty


API = "amocrm_api_v4_leads.csv"
API_NAMES = ["amocrm_api_v4_pipelines.csv", "amocrm_api_v4_users.csv"]


def test_api_v4_leads_statuses_and_unix_times(load_fixture):
    # Was "not recognised as a CRM table".
    loaded = load_fixture(API)
    d = loaded.crm.deals.set_index("deal_id")
    assert d["status"].to_dict() == {"28483640": "won", "28483641": "lost", "28483642": "open",
                                     "28483643": "open"}
    # Unix times, UTC; "1633000000.0" is a float column written back to CSV.
    assert d.loc["28483640", "created_at"] == pd.Timestamp("2021-09-29 11:50:43")
    assert d.loc["28483640", "closed_at"] == pd.Timestamp("2021-09-30 11:06:40")
    assert pd.isna(d.loc["28483642", "closed_at"])
    assert loaded.crm.parse_issues.empty
    # loss_reason_id is an id: read as a reason, ST04 called "5512" a reason that says nothing.
    assert loaded.crm.missing({"deals": ("lost_reason",)}) == {"deals": ("lost_reason",)}
    assert "loss_reason_id holds ids" in loaded.sources[0].note
    # The system stages are named without any lookup; the rest stay ids, and a warning says so.
    assert d.loc["28483640", "stage"] == "Успешно реализовано"
    assert d.loc["28483641", "stage"] == "Закрыто и не реализовано"
    assert d.loc["28483642", "stage"] == "42508695"
    unresolved = {w.numbers["column"]: w for w in loaded.warnings if w.code == "ids-unresolved"}
    assert set(unresolved) == {"deals.stage", "deals.pipeline", "deals.owner"}
    assert "/api/v4/leads/pipelines" in unresolved["deals.stage"].message
    assert unresolved["deals.stage"].numbers["rows"] == 2


def test_api_v4_leads_named_through_pipelines_and_users_dumps(load_fixture):
    loaded = load_fixture(API, *API_NAMES)
    d = loaded.crm.deals.set_index("deal_id")
    # 28483643 carries "42508696.0" (a float column written back to CSV): the same id.
    assert d.loc["28483642", "stage"] == "Переговоры" and d.loc["28483643", "stage"] == "КП отправлено"
    assert set(d["pipeline"]) == {"Продажи"}
    assert d.loc["28483640", "owner"] == "Иван Петров"
    assert d.loc["28483641", "owner"] == "2873618"  # not in the users dump: stays, and is named
    unresolved = [w for w in loaded.warnings if w.code == "ids-unresolved"]
    assert [w.numbers["column"] for w in unresolved] == ["deals.owner"]
    assert unresolved[0].numbers["lookup_exported"] is True
    p = loaded.crm.pipelines.set_index("stage")
    assert p.loc["Успешно реализовано", "kind"] == "won" and p.loc["Переговоры", "kind"] == "open"
    assert p.loc["Переговоры", "order"] < p.loc["КП отправлено", "order"]
