"""amoCRM / Kommo API v4 dumps of what happened on the leads: events (stage moves and contacts),
notes, tasks, and the loss reasons that name loss_reason_id. Each was "not recognised" before."""

import pandas as pd

from audit.ingest.inspect import render_inspection

LEADS = ("amocrm_api_v4_leads.csv", "amocrm_api_v4_pipelines.csv", "amocrm_api_v4_users.csv")


def _codes(loaded):
    return [w.code for w in loaded.warnings]


def test_status_change_events_are_stage_history_named_through_the_pipelines_dump(load_fixture):
    loaded = load_fixture(*LEADS, "amocrm_api_v4_events.csv")
    assert loaded.sources[-1].table == "stage_history+activities"
    h = loaded.crm.stage_history.sort_values("changed_at")
    assert h[["deal_id", "from_stage", "to_stage"]].values.tolist() == [
        ["28483640", "Переговоры", "КП отправлено"],
        ["28483640", "КП отправлено", "Успешно реализовано"],
        ["28483641", "Переговоры", "Закрыто и не реализовано"]]
    assert set(h["pipeline"]) == {"Продажи"}
    assert h["changed_at"].iloc[1] == pd.Timestamp("2021-09-30 11:06:40")  # unix 1633000000, UTC
    assert h["changed_by"].iloc[0] == "Иван Петров"
    # Every move links to a deal of the leads dump by the same id.
    assert set(h["deal_id"]) <= set(loaded.crm.deals["deal_id"])


def test_calls_messages_and_done_tasks_are_activities_field_edits_are_not(load_fixture):
    loaded = load_fixture(*LEADS, "amocrm_api_v4_events.csv")
    a = loaded.crm.activities.set_index("activity_id")
    assert a["type"].to_dict() == {"event:03": "call", "event:04": "message", "event:05": "note",
                                   "event:06": "task"}
    assert a.loc["event:03", "direction"] == "out" and a.loc["event:04", "direction"] == "in"
    assert pd.isna(a.loc["event:04", "owner"])  # created_by 0 is the system, nobody's work
    assert a.loc["event:03", "owner"] == "Иван Петров"
    # The incoming call on a contact is no deal's: counted, not silently dropped.
    off = next(w for w in loaded.warnings if w.code == "activities-not-on-deals")
    assert off.numbers["not_on_deal"] == 1 and off.numbers["on_contact"] == 1


def test_saved_json_response_reads_like_the_csv_and_ids_without_pipelines_dump_are_named_in_a_warning(
        load_fixture):
    loaded = load_fixture("amocrm_api_v4_leads.json", "amocrm_api_v4_events.json")
    h = loaded.crm.stage_history.sort_values("changed_at")
    assert h["to_stage"].tolist() == ["42508696", "Успешно реализовано", "Закрыто и не реализовано"]
    stage_warnings = [w for w in loaded.warnings if w.code == "ids-unresolved"
                      and w.numbers["column"] == "stage_history.to_stage"]
    assert len(stage_warnings) == 1 and "/api/v4/leads/pipelines" in stage_warnings[0].message
    assert sorted(loaded.crm.activities["type"]) == ["call", "message", "note", "task"]


def test_notes_are_calls_with_durations_and_service_messages_are_no_contact(load_fixture):
    loaded = load_fixture(*LEADS, "amocrm_api_v4_notes.csv")
    a = loaded.crm.activities.set_index("activity_id")
    assert a["type"].to_dict() == {"note:7001": "call", "note:7002": "call", "note:7003": "note"}
    assert a.loc["note:7001", "duration_s"] == 125 and a.loc["note:7001", "direction"] == "out"
    # A call the telephony logged (created_by 0) belongs to the lead's responsible manager.
    assert a.loc["note:7002", "owner"] == "2873618"
    # What became of the call: its result, else its status code in words; a common note's text.
    assert a["result"].to_dict() == {"note:7001": "Договорились о КП", "note:7002": "not reached",
                                     "note:7003": "Клиент просит КП"}


def test_a_call_in_both_events_and_notes_is_counted_once(load_fixture):
    loaded = load_fixture(*LEADS, "amocrm_api_v4_events.csv", "amocrm_api_v4_notes.csv")
    ids = sorted(loaded.crm.activities["activity_id"])
    assert ids == ["event:04", "event:06", "note:7001", "note:7002", "note:7003"]


def test_undone_tasks_are_plans_and_tasks_on_contacts_are_no_deals(load_fixture):
    loaded = load_fixture(*LEADS, "amocrm_api_v4_tasks.csv")
    a = loaded.crm.activities.set_index("activity_id")
    assert a["type"].to_dict() == {"task:8001": "task", "task:8002": "meeting"}
    assert a.loc["task:8002", "result"] == "Подписали договор"
    plans = next(w for w in loaded.warnings if w.code == "activities-not-done")
    assert plans.numbers == {"rows": 3, "not_done": 1} and "is_completed" in plans.message
    off = next(w for w in loaded.warnings if w.code == "activities-not-on-deals")
    assert off.numbers["on_contact"] == 1


def test_loss_reasons_dump_names_loss_reason_id(load_fixture):
    loaded = load_fixture(*LEADS, "amocrm_api_v4_loss_reasons.csv")
    d = loaded.crm.deals.set_index("deal_id")
    assert d.loc["28483641", "lost_reason"] == "Дорого"
    assert d["lost_reason"].drop("28483641").isna().all()
    # Read as amoCRM's, never as a Bitrix24 crm.category.list (which also has id, name, sort).
    src = next(s for s in loaded.sources if s.path.endswith("loss_reasons.csv"))
    assert (src.crm, src.table) == ("amocrm", "lookup")
    assert "user.get" not in render_inspection(loaded)


def test_without_the_loss_reasons_dump_ids_stay_unread(load_fixture):
    d = load_fixture(*LEADS).crm.deals
    assert "lost_reason" not in d.columns or d["lost_reason"].isna().all()


def test_loss_reason_id_missing_from_the_dump_is_left_empty_and_said(tmp_path, fixture_path):
    from audit.ingest import load
    (tmp_path / "loss_reasons.csv").write_text("id,name,sort,created_at,updated_at\n1,Дорого,1,1600000000,"
                                               "1600000000\n", encoding="utf-8")
    loaded = load([fixture_path(n) for n in LEADS] + [tmp_path / "loss_reasons.csv"])
    assert loaded.crm.deals["lost_reason"].isna().all() if "lost_reason" in loaded.crm.deals else True
    warning = next(w for w in loaded.warnings if w.code == "ids-unresolved" and "loss_reason_id" in w.message)
    assert "5512" in warning.message and warning.numbers["rows"] == 1


def test_lead_dump_with_loss_reason_embedded_reads_the_reason(load_fixture):
    d = load_fixture("amocrm_api_v4_leads_with_loss_reason.json").crm.deals.set_index("deal_id")
    assert d.loc["1", "lost_reason"] == "Дорого"
    assert pd.isna(d.loc["2", "lost_reason"])  # an empty list is no reason


def test_mail_notes_are_emails_with_their_direction(tmp_path, fixture_path):
    from audit.ingest import load
    (tmp_path / "notes.csv").write_text(
        "id,entity_id,created_by,created_at,note_type,params.income,params.subject\n"
        "1,28483642,2873617,1632931000,amomail_message,true,Re: КП\n"
        "2,28483642,2873617,1632932000,amomail_message,false,КП\n", encoding="utf-8")
    a = load([fixture_path(n) for n in LEADS] + [tmp_path / "notes.csv"]).crm.activities
    assert a[["type", "direction"]].values.tolist() == [["email", "in"], ["email", "out"]]


def test_notes_saved_with_their_entity_type_keep_only_the_leads(tmp_path, fixture_path):
    from audit.ingest import load
    (tmp_path / "notes.csv").write_text(
        "id,entity_id,entity_type,created_by,created_at,note_type,params.duration\n"
        "1,999,contacts,2873617,1632931000,call_out,10\n"
        "2,28483642,leads,2873617,1632931000,call_out,10\n", encoding="utf-8")
    loaded = load([fixture_path(n) for n in LEADS] + [tmp_path / "notes.csv"])
    assert loaded.crm.activities["deal_id"].tolist() == ["28483642"]
    off = next(w for w in loaded.warnings if w.code == "activities-not-on-deals")
    assert off.numbers["on_contact"] == 1


def test_ids_written_back_from_floats_link_to_the_same_leads(tmp_path, fixture_path):
    from audit.ingest import load
    (tmp_path / "events.csv").write_text(
        "id,type,entity_id,entity_type,created_by,created_at,value_after,value_before\n"
        "e1,outgoing_call,28483642.0,lead,2873617.0,1632930000,,\n"
        "e2,incoming_call,,lead,,1632930001,,\n", encoding="utf-8")
    a = load([fixture_path(n) for n in LEADS] + [tmp_path / "events.csv"]).crm.activities
    assert a.loc[a["activity_id"].eq("event:e1"), ["deal_id", "owner"]].values.tolist() == [
        ["28483642", "Иван Петров"]]
