"""Bitrix24 as integrators and users really export it: REST dumps with ids, the dumps that name
them, close times, and the spreadsheet export with a renamed final stage."""

import pandas as pd

from tests.builders import derived
from tests.ingest.conftest import warnings_coded

REST = ["bitrix24_rest_crm_deal_list.csv", "bitrix24_rest_crm_stagehistory_list.csv"]
NAMES = ["bitrix24_rest_crm_status_list.csv", "bitrix24_rest_crm_category_list.csv", "bitrix24_rest_user_get.csv",
         "bitrix24_rest_crm_company_list.csv"]


def test_rest_deal_list_is_read_with_status_from_semantics(load_fixture):
    loaded = load_fixture("bitrix24_rest_crm_deal_list.csv")
    src = loaded.sources[0]
    assert (src.crm, src.table) == ("bitrix24", "deals") and "crm.deal.list" in src.note
    d = loaded.crm.deals.set_index("deal_id")
    assert d["status"].to_dict() == {"101": "won", "102": "lost", "103": "open", "104": "won", "105": "lost"}
    assert d.loc["101", "amount"] == 13500.0 and d.loc["101", "currency"] == "RUB"
    # ISO times with an offset keep the portal's wall-clock time (10:00+03:00 is 10:00).
    assert d.loc["101", "created_at"] == pd.Timestamp("2024-04-01 10:00")
    # CLOSEDATE is a planned date: the expected close of an open deal, never a close time.
    assert d.loc["103", "expected_close_at"] == pd.Timestamp("2024-06-01 00:00")
    assert pd.isna(d.loc["103", "closed_at"]) and pd.isna(d.loc["101", "expected_close_at"])


def test_without_name_dumps_ids_stand_as_names_and_a_warning_says_what_to_export(load_fixture):
    loaded = load_fixture(*REST)
    d = loaded.crm.deals.set_index("deal_id")
    assert d.loc["103", "pipeline"] == "1" and d.loc["103", "stage"] == "C1:PREPARATION"
    assert d.loc["101", "owner"] == "1"
    by_column = {w.numbers["column"]: w for w in warnings_coded(loaded, "ids-unresolved")}
    assert set(by_column) == {"deals.pipeline", "deals.stage", "deals.owner", "stage_history.to_stage",
                              "stage_history.pipeline"}
    pipeline = by_column["deals.pipeline"]
    assert pipeline.numbers == {"column": "deals.pipeline", "ids": 2, "rows": 5, "lookup_exported": False}
    assert "crm.category.list" in pipeline.message and "crm.category.list" in pipeline.message_ru
    assert by_column["deals.owner"].numbers["ids"] == 3 and "user.get" in by_column["deals.owner"].message
    assert pipeline.file.endswith("bitrix24_rest_crm_deal_list.csv")


def test_name_dumps_name_pipelines_stages_users_companies_and_sources(load_fixture):
    loaded = load_fixture(*REST, *NAMES)
    assert {s.table for s in loaded.sources if "status_list" in s.path or "category" in s.path} == {"lookup"}
    d = loaded.crm.deals.set_index("deal_id")
    assert d.loc["103", ["pipeline", "stage", "owner", "company"]].tolist() == ["Опт", "Согласование",
                                                                                "Ирина Сидорова", "ООО Фасад"]
    assert d.loc["101", ["pipeline", "stage", "source", "created_by"]].tolist() == ["Общая", "Сделка успешна",
                                                                                    "Сайт", "Олег Петров"]
    h = loaded.crm.stage_history
    assert h[h["deal_id"] == "101"]["to_stage"].tolist() == ["Новая", "Подготовка документов", "Сделка успешна"]
    # Only the user the dump lacks is still an id.
    [owner] = warnings_coded(loaded, "ids-unresolved")
    assert owner.numbers == {"column": "deals.owner", "ids": 1, "rows": 1, "lookup_exported": True}
    assert d.loc["104", "owner"] == "9"


def test_status_list_declares_stage_order_and_kind_per_pipeline(load_fixture):
    loaded = load_fixture(*REST, *NAMES)
    order = derived(loaded.crm).stage_order
    wholesale = order[order["pipeline"] == "Опт"].sort_values("order")
    assert wholesale["stage"].tolist() == ["Новая", "Согласование", "Закрыто и реализовано", "Отказ"]
    assert wholesale["kind"].tolist() == ["open", "open", "won", "lost"] and wholesale["declared"].all()
    general = order[order["pipeline"] == "Общая"].set_index("stage")["kind"]
    assert general["Анализ причины провала"] == "lost" and general["Подготовка документов"] == "open"


def test_close_time_is_the_move_into_the_final_stage(load_fixture):
    loaded = load_fixture(*REST, *NAMES)
    d = loaded.crm.deals.set_index("deal_id")
    # Not CLOSEDATE (30.04, planned) nor DATE_MODIFY (28.04): the move into WON, 25.04 14:59:11 +03:00.
    assert d.loc["101", "closed_at"] == pd.Timestamp("2024-04-25 14:59:11")
    assert d.loc["105", "closed_at"] == pd.Timestamp("2024-04-11 17:45")
    # 104 has no history: the last modification stands in, and the warning counts it.
    assert d.loc["104", "closed_at"] == pd.Timestamp("2024-04-29 18:00")
    [w] = warnings_coded(loaded, "close-times-approximate")
    assert w.numbers == {"closed": 4, "approximate": 1, "fields": ["DATE_MODIFY"]}
    assert "stage history has no move" in w.message


def test_without_stage_history_every_close_time_is_approximate(load_fixture):
    loaded = load_fixture("bitrix24_rest_crm_deal_list.csv")
    [w] = warnings_coded(loaded, "close-times-approximate")
    assert w.numbers["approximate"] == 4 and "crm.stagehistory.list" in w.message
    assert loaded.crm.deals.set_index("deal_id").loc["101", "closed_at"] == pd.Timestamp("2024-04-28 09:00")


def test_spreadsheet_with_renamed_final_stage_and_linked_entity_captions(load_fixture):
    loaded = load_fixture("bitrix24_renamed_final_stage_no_group.csv")
    d = loaded.crm.deals.set_index("deal_id")
    assert d["status"].to_dict() == {"31": "won", "32": "open", "33": "open"}
    assert d.loc["31", "company"] == "МБОУ №5" and d.loc["31", "contact"] == "Анна Ким"
    assert d.loc["32", "contact"] == "Пётр"
    [w] = warnings_coded(loaded, "status-from-stage-names")
    assert w.numbers["won_stages"] == {"Закрыто и реализовано": 1}
    # "Не договорились" states no outcome an auditor can trust: open, and not in the warning.
    assert "Не договорились" not in w.message
    [close] = warnings_coded(loaded, "close-times-approximate")
    assert close.numbers["fields"] == ["Дата изменения"]


def test_rest_activities_keep_only_those_owned_by_a_deal(tmp_path, load_fixture):
    from audit.ingest import load
    from tests.ingest.conftest import FIXTURES
    (tmp_path / "crm_activity_list.csv").write_text(
        "ID,OWNER_ID,OWNER_TYPE_ID,TYPE_ID,SUBJECT,START_TIME,RESPONSIBLE_ID,DIRECTION,COMPLETED\n"
        "1,101,2,2,Звонок,2024-04-03T10:00:00+03:00,1,2,Y\n"
        "2,7,3,2,Звонок контакту,2024-04-04T10:00:00+03:00,1,2,Y\n"
        "3,5,4,4,Письмо компании,2024-04-05T10:00:00+03:00,3,2,Y\n"
        "4,102,2,1,Встреча,2024-04-06T10:00:00+03:00,3,,Y\n", encoding="utf-8")
    loaded = load([FIXTURES / "bitrix24_rest_crm_deal_list.csv", tmp_path / "crm_activity_list.csv"])
    a = loaded.crm.activities.set_index("activity_id")
    assert a["type"].to_dict() == {"1": "call", "4": "meeting"} and a.loc["1", "direction"] == "out"
    [w] = warnings_coded(loaded, "activities-not-on-deals")
    assert w.numbers["on_contact"] == 1 and w.numbers["on_account"] == 1


def test_spreadsheet_without_any_close_or_modification_date_invents_no_column(load_fixture):
    loaded = load_fixture("bitrix_trailing_semicolon.csv")
    assert "closed_at" not in loaded.crm.provided["deals"]
    [w] = warnings_coded(loaded, "close-times-approximate")
    assert w.numbers == {"closed": 2, "approximate": 2, "fields": []} and "so nothing stands in" in w.message


def test_english_interface_export_reads_stage_group_and_closed_flag(load_fixture):
    loaded = load_fixture("bitrix24_deals_english_closed_flag.csv")
    d = loaded.crm.deals.set_index("deal_id")
    assert d["status"].to_dict() == {"41": "won", "42": "lost", "43": "open", "44": "lost"}
    assert d.loc["43", "expected_close_at"] == pd.Timestamp("2026-03-01") and pd.isna(d.loc["43", "closed_at"])
    assert d.loc["41", "created_at"] == pd.Timestamp("2026-01-10 12:00")
    # 'Closed and delivered', closed with no group: read as lost, and the warning names it.
    [names] = warnings_coded(loaded, "status-from-stage-names")
    assert names.numbers["closed_read_as_lost"] == {"Closed and delivered": 1}
    [approx] = warnings_coded(loaded, "close-times-approximate")
    assert approx.numbers["approximate"] == 3


def test_bi_builder_dataset_names_beside_ids_and_moved_time_is_the_close(load_fixture):
    # Was: ids for stage, pipeline and owner with ids-unresolved warnings although the names were in
    # the file, and every close time "approximate" from DATE_MODIFY.
    loaded = load_fixture("bitrix24_bi_crm_deal.csv")
    d = loaded.crm.deals.set_index("deal_id")
    assert d["status"].to_dict() == {"51": "won", "52": "lost", "53": "open", "54": "won"}
    assert d["stage"].to_dict() == {"51": "Deal won", "52": "Deal lost", "53": "Proposal", "54": "Paid"}
    assert d["pipeline"].to_dict() == {"51": "General", "52": "General", "53": "Wholesale", "54": "Wholesale"}
    assert d.loc["53", "owner"] == "Ivan Sidorov" and d.loc["51", "company"] == "Acme"
    assert warnings_coded(loaded, "ids-unresolved") == []
    # MOVED_TIME, the last stage change, is a closed deal's close; DATE_MODIFY is not.
    assert d.loc["51", "closed_at"] == pd.Timestamp("2026-01-20 15:00")
    assert d.loc["52", "closed_at"] == pd.Timestamp("2026-01-24 18:00")
    # Deal 54 has no MOVED_TIME: DATE_MODIFY stands in, and only it is called approximate.
    assert d.loc["54", "closed_at"] == pd.Timestamp("2026-02-03 10:00")
    [approx] = warnings_coded(loaded, "close-times-approximate")
    assert approx.numbers["approximate"] == 1 and approx.numbers["closed"] == 1
