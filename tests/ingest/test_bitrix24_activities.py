"""Bitrix24 activities ("Дела", crm.activity.list): plans are no contact, codes are read for
what they say, and only activities owned by a deal link to the deals export."""

import pandas as pd

FILES = ("bitrix24_rest_crm_deal_list.csv", "bitrix24_rest_user_get.csv", "bitrix24_rest_crm_activity_list.csv")


def test_not_completed_activities_are_plans_left_out_with_a_warning(load_fixture):
    # Was: the meeting booked for May (13) and the open to-do (14) read as contacts with the client.
    loaded = load_fixture(*FILES)
    a = loaded.crm.activities.set_index("activity_id")
    assert sorted(a.index) == ["11", "12", "15"]
    plans = next(w for w in loaded.warnings if w.code == "activities-not-done")
    assert plans.numbers == {"rows": 5, "not_done": 2} and "COMPLETED = N" in plans.message
    assert set(a["deal_id"]) <= set(loaded.crm.deals["deal_id"])


def test_provider_activities_read_by_provider_and_direction_codes_by_meaning(load_fixture):
    a = load_fixture(*FILES).crm.activities.set_index("activity_id")
    # TYPE_ID 6 is a provider's activity: IMOPENLINES_SESSION is a chat with the client ("other" before).
    assert a["type"].to_dict() == {"11": "call", "12": "email", "15": "message"}
    assert a.loc["11", "direction"] == "out" and a.loc["12", "direction"] == "in"
    assert a.loc["11", "duration_s"] == 300  # START_TIME..END_TIME of the call
    assert pd.isna(a.loc["12", "duration_s"])  # an e-mail has no length


def test_direction_zero_is_no_direction(tmp_path):
    from audit.ingest import load
    from tests.ingest.conftest import FIXTURES
    (tmp_path / "acts.csv").write_text(
        "ID,OWNER_TYPE_ID,OWNER_ID,TYPE_ID,SUBJECT,DIRECTION,COMPLETED,START_TIME\n"
        "1,2,101,1,Встреча,0,Y,2024-04-03T10:00:00+03:00\n", encoding="utf-8")
    loaded = load([FIXTURES / "bitrix24_rest_crm_deal_list.csv", tmp_path / "acts.csv"])
    assert pd.isna(loaded.crm.activities["direction"].iloc[0])  # was "0"


def test_spreadsheet_export_done_column_marks_plans(tmp_path):
    from audit.ingest import load
    from tests.ingest.conftest import FIXTURES
    (tmp_path / "dela.csv").write_text(
        "ID;ID сделки;Тип дела;Тема;Ответственный;Дата начала;Выполнено\n"
        "1;101;Звонок;Позвонить;Олег Петров;03.04.2024 10:00;Да\n"
        "2;101;Встреча;Встреча;Олег Петров;10.05.2024 10:00;Нет\n", encoding="cp1251")
    loaded = load([FIXTURES / "bitrix24_rest_crm_deal_list.csv", tmp_path / "dela.csv"])
    assert loaded.crm.activities["activity_id"].tolist() == ["1"]
    assert any(w.code == "activities-not-done" for w in loaded.warnings)


def test_timeline_comments_are_notes_on_their_deal_and_others_are_counted(load_fixture):
    # Was "not recognised as a CRM table".
    loaded = load_fixture(*FILES, "bitrix24_rest_crm_timeline_comment_list.csv")
    a = loaded.crm.activities.set_index("activity_id")
    notes = a[a["type"].eq("note")]
    assert notes["deal_id"].to_dict() == {"comment:11": "101", "comment:12": "103"}
    assert notes.loc["comment:12", "owner"] == "Ирина Сидорова"  # AUTHOR_ID through user.get
    assert notes.loc["comment:11", "at"] == pd.Timestamp("2024-04-05 10:00:00")
    off = [w for w in loaded.warnings if w.code == "activities-not-on-deals" and "comment" in w.message]
    assert len(off) == 1 and off[0].numbers["on_contact"] == 1


def test_ui_list_linked_by_deal_id_is_read_and_by_title_is_left_out_with_what_to_export(tmp_path):
    # The "Дела" list as the UI exports it (cp1251, ";"): "Связано с" names the linked record. Was "not recognised".
    from audit.ingest import load
    from tests.ingest.conftest import FIXTURES
    (tmp_path / "dela.csv").write_text(
        "Тип;Тема;Ответственный;Дата создания;Срок;Выполнено;Связано с\n"
        "Звонок;Позвонить;Олег Петров;01.04.2024 09:00;03.04.2024 10:00;Да;Сделка #101\n"
        "Встреча;Встреча;Олег Петров;01.04.2024 09:00;10.05.2024 10:00;Нет;101\n"
        "Звонок;Уточнить;Олег Петров;01.04.2024 09:00;04.04.2024 10:00;Да;Окна для школы\n", encoding="cp1251")
    loaded = load([FIXTURES / "bitrix24_rest_crm_deal_list.csv", tmp_path / "dela.csv"])
    a = loaded.crm.activities
    assert a[["deal_id", "type"]].values.tolist() == [["101", "call"]]
    assert a["at"].iloc[0] == pd.Timestamp("2024-04-03 10:00")
    codes = {w.code: w for w in loaded.warnings if w.file and w.file.endswith("dela.csv")}
    assert codes["activities-not-on-deals"].numbers["not_on_deal"] == 1
    assert "ID сделки" in codes["activities-not-on-deals"].message
    assert codes["activities-not-done"].numbers["not_done"] == 1
