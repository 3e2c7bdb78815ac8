"""Each CRM profile, read from a small fixture named after its quirk."""

import pandas as pd
import pytest

from audit.model.config import parse


def _ids(frame, col="deal_id"):
    return sorted(frame[col].dropna().tolist())


@pytest.mark.parametrize("name, encoding", [
    ("deals_cp1251_semicolon.csv", "cp1251"),
    ("deals_utf8_bom.csv", "utf-8-sig"),
])
def test_amocrm_deals_in_either_encoding(load_fixture, name, encoding):
    loaded = load_fixture(name)
    src = loaded.sources[0]
    assert (src.crm, src.table, src.encoding, src.delimiter) == ("amocrm", "deals", encoding, ";")
    deals = loaded.crm.deals.set_index("deal_id")
    assert deals.loc["101", "amount"] == 1_250_000 and deals.loc["102", "amount"] == 98_500.5
    assert deals.loc["101", "title"] == "Поставка станков" and deals.loc["103", "company"] == "ИП Ёлкин"
    assert list(deals["status"]) == ["open", "won", "lost", "open"]
    assert pd.isna(deals.loc["101", "closed_at"])  # "не закрыта"
    assert deals.loc["102", "closed_at"] == pd.Timestamp("2026-03-20 16:40")
    assert deals.loc["103", "lost_reason"] == "Дорого"
    # The duplicated "Источник" header: the first one is the source; the header is listed once,
    # as mapped, never also as unmapped.
    assert deals.loc["101", "source"] == "Сайт" and src.mapping["Источник"] == "source"
    assert "Источник" not in src.unmapped


def test_unparseable_values_are_recorded_not_dropped(load_fixture):
    loaded = load_fixture("deals_cp1251_semicolon.csv")
    issues = loaded.crm.parse_issues.set_index("column")
    assert issues.loc["amount", "raw"] == "сто тысяч" and issues.loc["amount", "entity_id"] == "104"
    assert issues.loc["created_at", "raw"] == "31.02.2026 10:00:00" and issues.loc["created_at", "row"] == 5
    assert "104" in set(loaded.crm.deals["deal_id"])
    assert loaded.sources[0].parse_failures == {"amount": 1, "created_at": 1}


def test_amocrm_events_are_history_and_activities(load_fixture):
    loaded = load_fixture("deals_utf8_bom.csv", "amocrm_events.csv")
    h, a = loaded.crm.stage_history, loaded.crm.activities
    assert h[["deal_id", "from_stage", "to_stage"]].values.tolist() == [
        ["101", "Первичный контакт", "КП отправлено"], ["102", "Договор", "Успешно реализовано"]]
    # The call on a contact (not a deal) and the field edit are not deal activities.
    assert sorted(a["type"]) == ["call", "email", "task"]
    call = a[a["type"] == "call"].iloc[0]
    assert call["direction"] == "out" and call["duration_s"] == 200
    events = next(s for s in loaded.sources if s.path.endswith("amocrm_events.csv"))
    assert events.table == "stage_history+activities"


def test_amocrm_done_task_that_was_a_meeting(tmp_path):
    from audit.ingest import load
    from tests.ingest.conftest import FIXTURES
    events = (FIXTURES / "amocrm_events.csv").read_text(encoding="utf-8-sig")
    events += "22.03.2026 11:00:00;Смирнова Анна;Сделка;102;Сервисный договор;Задача выполнена;;Встреча: демо у клиента\n"
    (tmp_path / "events.csv").write_text(events, encoding="utf-8-sig")
    loaded = load([FIXTURES / "deals_utf8_bom.csv", tmp_path / "events.csv"])
    assert sorted(loaded.crm.activities["type"]) == ["call", "email", "meeting", "task"]


def test_bitrix_quoted_with_trailing_semicolon(load_fixture):
    loaded = load_fixture("bitrix_trailing_semicolon.csv")
    src = loaded.sources[0]
    assert (src.crm, src.encoding) == ("bitrix24", "cp1251")
    assert "column 14" not in src.unmapped and "" not in src.unmapped
    d = loaded.crm.deals
    assert list(d["status"]) == ["won", "lost", "open"]
    assert list(d["pipeline"]) == ["Общая", "Общая", "Опт"]
    assert d["expected_close_at"].iloc[0] == pd.Timestamp("2026-01-30")


def test_bitrix_english_captions(load_fixture):
    d = load_fixture("bitrix_en_captions.csv").crm.deals
    assert list(d["status"]) == ["won", "lost", "open"]
    assert d["created_at"].iloc[0] == pd.Timestamp("2026-01-10 12:00")


def test_bitrix_html_xls_keeps_formula_text_as_text(load_fixture):
    loaded = load_fixture("bitrix_html.xls")
    d = loaded.crm.deals
    assert loaded.sources[0].crm == "bitrix24" and loaded.sources[0].encoding == "cp1251"
    assert d["title"].iloc[0] == '=HYPERLINK("http://x")'
    assert d["amount"].tolist() == [5000.0, 7500.5] and list(d["pipeline"]) == ["Общее", "Общее"]


def test_hubspot_date_entered_becomes_stage_history(load_fixture):
    loaded = load_fixture("hubspot_deals_date_entered.csv", "hubspot_activities.csv")
    d = loaded.crm.deals.set_index("deal_id")
    assert d.loc["9001", "status"] == "won" and d.loc["9003", "lost_reason"] == "Went with competitor"
    # An open deal's close date is the expected one.
    assert pd.isna(d.loc["9002", "closed_at"]) and d.loc["9002", "expected_close_at"] == pd.Timestamp("2026-03-30")
    h = loaded.crm.stage_history
    assert _ids(h) == ["9001", "9001", "9002", "9003"]
    a = loaded.crm.activities
    # One call linked to two deals counts for each; an unlinked meeting has no deal.
    assert sorted(a["deal_id"].dropna()) == ["9001", "9002", "9003"]


def test_hubspot_xlsx_with_native_values(load_fixture):
    loaded = load_fixture("hubspot_deals.xlsx")
    d = loaded.crm.deals
    assert d["deal_id"].tolist() == ["9101", "9102"]  # not "9101.0"
    assert d["created_at"].iloc[0] == pd.Timestamp("2026-01-02 09:30") and d["amount"].iloc[0] == 1000.5
    assert [s.sheet for s in loaded.sources] == ["Deals", "Notes"]


def test_salesforce_api_exports_resolve_owner_ids(load_fixture):
    loaded = load_fixture("sf_opportunity_api.csv", "sf_opportunity_history.csv", "sf_field_history.csv",
                          "sf_task.csv", "sf_event.csv", "sf_user.csv")
    d = loaded.crm.deals.set_index("deal_id")
    assert d["status"].tolist() == ["won", "lost", "open"]
    assert d.loc["006A000001", "owner"] == "Maria Lopez" and d.loc["006A000002", "lost_reason"] == "Price"
    assert d.loc["006A000001", "created_at"] == pd.Timestamp("2026-01-01 10:00")
    assert pd.isna(d.loc["006A000003", "closed_at"])
    h = loaded.crm.stage_history
    # OpportunityHistory rows that only changed the amount are not stage changes.
    first = h[h["deal_id"] == "006A000001"]
    assert first["to_stage"].tolist() == ["Prospecting", "Negotiation/Review", "Closed Won"]
    assert first["from_stage"].tolist()[1:] == ["Prospecting", "Negotiation/Review"]
    second = h[h["deal_id"] == "006A000002"]
    assert second["to_stage"].tolist() == ["Qualification", "Closed Lost"]  # the Amount edit is dropped
    a = loaded.crm.activities
    # The task on an account (001...) is not a deal activity.
    assert sorted(a["type"]) == ["call", "meeting"] and set(a["owner"]) == {"Maria Lopez", "Tom Berg"}


def test_salesforce_formatted_report_title_and_footer_rows(load_fixture):
    loaded = load_fixture("sf_formatted_report_footer.xlsx")
    src = loaded.sources[0]
    assert (src.crm, src.header_row) == ("salesforce", 4)
    d = loaded.crm.deals
    assert d["deal_id"].tolist() == ["006X1", "006X2", "006X3"]
    assert d["status"].tolist() == ["won", "open", "lost"]
    assert d["created_at"].iloc[2] == pd.Timestamp("2025-08-31")  # an Excel serial in a date column
    footer = loaded.crm.parse_issues["raw"].tolist()
    assert any(f.startswith("Grand Totals") for f in footer)


def test_pipedrive_status_and_activities(load_fixture):
    loaded = load_fixture("pipedrive_deals.csv", "pipedrive_activities.csv")
    d = loaded.crm.deals.set_index("deal_id")
    assert "4" not in d.index  # deleted
    assert d.loc["1", "closed_at"] == pd.Timestamp("2026-01-20 10:00") and d.loc["1", "amount"] == 1500
    assert d.loc["2", "closed_at"] == pd.Timestamp("2026-01-25 09:00")
    a = loaded.crm.activities
    assert sorted(a["activity_id"]) == ["50", "52"]  # the meeting still to do is a plan, not a contact


def test_zoho_potentials_without_ids(load_fixture):
    loaded = load_fixture("zoho_potentials.csv")
    d = loaded.crm.deals
    assert d["deal_id"].tolist() == ["zoho_potentials:2", "zoho_potentials:3", "zoho_potentials:4"]
    assert d["status"].tolist() == ["open", "won", "lost"] and d["amount"].tolist() == [22700.0, 1050.5, 0.0]
    assert "no deal id column" in loaded.sources[0].note


def test_generic_files_and_from_stage_by_ordering(load_fixture):
    loaded = load_fixture("generic_deals.csv", "generic_history_no_from_stage.csv")
    assert [s.crm for s in loaded.sources] == ["generic", "generic"]
    h = loaded.crm.stage_history
    assert h["from_stage"].isna().iloc[0] and h["from_stage"].tolist()[1:] == ["New", "Proposal"]


@pytest.mark.parametrize("name, encoding, delimiter", [
    ("deals_cp1252_latin.csv", "cp1252", ";"),
    ("deals_utf16_tab.txt", "utf-16", "\t"),
    ("headers_with_stray_spaces.csv", "utf-8", ","),
])
def test_encodings_delimiters_and_headers(load_fixture, name, encoding, delimiter):
    loaded = load_fixture(name)
    src = loaded.sources[0]
    assert (src.encoding, src.delimiter) == (encoding, delimiter)
    assert len(loaded.crm.deals) >= 1 and loaded.crm.deals["stage"].notna().all()


def test_latin_text_survives_cp1252(load_fixture):
    d = load_fixture("deals_cp1252_latin.csv").crm.deals
    assert d["title"].tolist() == ["Café Müller", "Crème brûlée"] and d["amount"].tolist() == [1234.5, 99.0]


def test_rows_with_wrong_field_count_are_reported(load_fixture):
    loaded = load_fixture("wrong_field_count.csv")
    assert loaded.crm.deals["deal_id"].tolist() == ["1", "3"]
    assert loaded.crm.deals["_row"].tolist() == [2, 4]
    issue = loaded.crm.parse_issues.iloc[0]
    assert issue["row"] == 3 and "extra" in issue["raw"]


def test_config_maps_unknown_headers_and_forces_file_kinds(tmp_path):
    from audit.ingest import load
    (tmp_path / "sheet.csv").write_text("Номер,Этап воронки,Создана,Менеджер\n1,Won,2026-01-01,Ann\n"
                                        "2,Новая,2026-01-02,Bob\n", encoding="utf-8")
    (tmp_path / "junk.csv").write_text("deal_id,stage,created_at\n9,x,2026-01-01\n", encoding="utf-8")
    cfg = parse({"columns": {"deals": {"Номер": "deal_id", "Этап воронки": "stage", "Создана": "created_at",
                                       "Менеджер": "owner"}},
                 "files": {"junk.csv": "ignore"}, "status": {"won": ["Won"]}})
    loaded = load([tmp_path], cfg)
    assert loaded.crm.deals["deal_id"].tolist() == ["1", "2"]
    assert loaded.crm.deals["status"].tolist() == ["won", "open"]
    assert [s.note for s in loaded.sources if s.path.endswith("junk.csv")] == ["ignored ([files] in crm-audit.toml)"]


def test_forced_crm_profile(load_fixture):
    loaded = load_fixture("generic_deals.csv", crm="amocrm")
    assert loaded.sources[0].crm == "generic"  # canonical files are read whatever the CRM


def test_utf8_at_the_start_cp1251_further_on(tmp_path):
    from audit.ingest import load
    head = "deal_id;stage;created_at;owner\n" + "".join(f"{i};New;2026-01-01;Ann\n" for i in range(60000))
    tail = "999999;Новая;2026-01-02;Пётр\n".encode("cp1251")
    path = tmp_path / "mixed.csv"
    path.write_bytes(head.encode("utf-8") + tail)
    assert len(head) > 1 << 20
    loaded = load([path])
    assert loaded.sources[0].encoding == "cp1251"
    assert loaded.crm.deals["owner"].iloc[-1] == "Пётр"


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-8", "cp1251", "utf-16"])
def test_sample_boundary_inside_a_character(tmp_path, encoding):
    """The sniffing sample ends wherever its byte count falls, often inside a character."""
    from audit.ingest import load
    from audit.ingest.encodings import SNIFF_BYTES
    header = "ID;Название сделки;Этап сделки;Дата создания сделки;Ответственный\n"
    rows = "".join(f"{i};Поставка оборудования;Этап;01.01.2026;Пётр\n" for i in range(SNIFF_BYTES // 20))
    for shift in range(3):  # moves every later character across the sample's byte boundary
        path = tmp_path / f"deals_{shift}.csv"
        path.write_bytes((header + "0;" + "x" * shift + "А;Этап;01.01.2026;Пётр\n" + rows).encode(encoding))
        loaded = load([path])
        assert loaded.sources[0].crm == "amocrm"
        assert loaded.crm.deals["owner"].iloc[-1] == "Пётр" and len(loaded.crm.deals) == SNIFF_BYTES // 20 + 1


def test_date_only_close_dates_mean_the_end_of_that_day(load_fixture):
    d = load_fixture("sf_opportunity_api.csv").crm.deals.set_index("deal_id")
    assert d.loc["006A000001", "closed_at"] == pd.Timestamp("2026-02-01 23:59:59")
    # A close date with times keeps them.
    d = load_fixture("deals_cp1251_semicolon.csv").crm.deals.set_index("deal_id")
    assert d.loc["102", "closed_at"] == pd.Timestamp("2026-03-20 16:40")
