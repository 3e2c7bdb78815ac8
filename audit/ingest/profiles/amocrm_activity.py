"""amoCRM / Kommo API v4 dumps of what happened on the leads: events, notes, tasks, and the loss
reasons that name the lead dump's `loss_reason_id`.

- `GET /api/v4/events` (id, type, entity_id, entity_type, created_by, created_at, value_before,
  value_after; developers.kommo.com/reference/events-list): `lead_status_changed` carries
  `[{"lead_status": {"id", "pipeline_id"}}]` before and after - a stage move of lead `entity_id`
  (status ids resolved through the pipelines dump by amocrm_api.assemble). Calls, chat messages,
  SMS, notes and completed tasks are activities on the lead; field edits, tags, links are neither.
  `entity_direct_message` is the internal team chat of a card: work on the deal, read as a note,
  never as a message to the client. The value lists come as JSON (a saved response) or as Python
  reprs (json_normalize written to CSV): both are read.
- `GET /api/v4/leads/notes` (note_type call_in / call_out with params.duration, params.call_result
  and params.call_status, common, sms_in / sms_out, amomail_message; service_message and extended_service_message are integrations talking,
  no one's contact, and are left out).
- `GET /api/v4/tasks` (entity_type leads, entity_id, is_completed, task_type_id 1 call / 2 meeting,
  complete_till the deadline, result.text): a task not completed is a plan, not a contact, and is
  left out with an `activities-not-done` warning; a completed task counts when it was last updated
  (the API keeps no completion time), a completed meeting task as a meeting.
- `GET /api/v4/leads/loss_reasons` (id, name, sort): names `loss_reason_id`.

Events, notes and tasks on contacts, companies or customers are no deal's: counted in an
`activities-not-on-deals` warning. A call or message event that points at a note the notes dump
also holds is the same call: kept once, from the notes (which have the duration).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from audit.ingest.profiles.activities import off_deal_warning, plans_warning
from audit.ingest.profiles.base import Assembly, FinishContext, truthy
from audit.ingest.profiles.lookups import declare_ids
from audit.model.warnings import InputWarning

LOSS_REASONS, LOSS_REASON_IDS, EVENT_NOTES = "amocrm.loss_reasons", "amocrm.loss_reason_ids", "amocrm.event_notes"

EVENTS_COLUMNS = {"id": "_id", "type": "_event", "entity_id": "deal_id", "entity_type": "_entity",
                  "created_by": "owner", "created_at": "at", "value_after": "_after", "value_before": "_before"}
NOTES_COLUMNS = {"id": "_id", "entity_id": "deal_id", "entity_type": "_entity", "note_type": "_note_type", "created_by": "owner",
                 "responsible_user_id": "_responsible", "created_at": "at", "params.duration": "duration_s",
                 "params.call_result": "result", "params.text": "_text", "params.phone": "_phone",
                 "params.call_status": "_call_status", "params.income": "_income"}
TASKS_COLUMNS = {"id": "_id", "entity_id": "deal_id", "entity_type": "_entity", "responsible_user_id": "owner",
                 "is_completed": "_done", "task_type_id": "_task_type", "text": "subject", "result.text": "result",
                 "created_at": "created_at", "updated_at": "at", "complete_till": "_due"}
TASKS_HELPERS = {"_due": "datetime"}
LOSS_REASON_COLUMNS = {"id": "_id", "name": "_name", "sort": "_sort", "created_at": "_created",
                       "updated_at": "_updated"}

# event type -> (activity type, direction); lead_status_changed is stage history.
EVENT_TYPES = {
    "incoming_call": ("call", "in"), "outgoing_call": ("call", "out"),
    "incoming_chat_message": ("message", "in"), "outgoing_chat_message": ("message", "out"),
    "incoming_sms": ("message", "in"), "outgoing_sms": ("message", "out"),
    "entity_direct_message": ("note", None), "common_note_added": ("note", None),
    "attachment_note_added": ("note", None), "geo_note_added": ("note", None),
    "task_completed": ("task", None),
}
NOTE_TYPES = {"call_in": ("call", "in"), "call_out": ("call", "out"), "sms_in": ("message", "in"),
              "sms_out": ("message", "out"), "common": ("note", None), "attachment": ("note", None),
              "geolocation": ("note", None), "amomail_message": ("email", None)}
# params.call_status (amocrm-api-php CallInterface): what became of the call, when no call_result says it
CALL_STATUSES = {"1": "left a message", "2": "call back later", "3": "not available", "4": "conversation",
                 "5": "wrong number", "6": "not reached", "7": "busy"}
# entity_type of events ("lead") and tasks ("leads") -> what the row hangs on
ENTITY_KINDS = {"lead": "deal", "leads": "deal", "contact": "contact", "contacts": "contact",
                "company": "account", "companies": "account"}
# `'lead_status': {'id': 142, 'pipeline_id': 4627251}` in JSON or a Python repr
STATUS_ID = r"""lead_status['"]?\s*:\s*\{[^}]*?['"]id['"]\s*:\s*(\d+)"""
PIPELINE_ID = r"""lead_status['"]?\s*:\s*\{[^}]*?['"]pipeline_id['"]\s*:\s*(\d+)"""
NOTE_ID = r"""['"]note['"]\s*:\s*\{[^}]*?['"]id['"]\s*:\s*(\d+)"""
NOBODY = r"^\s*0?\s*$"  # created_by / loss_reason_id 0: nobody (the system, robots, integrations)


def _extract(values: pd.Series, pattern: str) -> pd.Series:
    """The first group of `pattern` in each value, read once per distinct value (an events dump
    repeats its few dozen stage pairs over millions of rows)."""
    codes, uniques = pd.factorize(values)
    found = pd.Series(uniques, dtype=object).astype("str").str.extract(pattern, expand=False)
    taken = found.to_numpy(dtype=object)
    out = pd.Series(taken[codes] if len(taken) else [None] * len(codes), index=values.index, dtype=object)
    return out.where(codes >= 0)


def _by_label(values: pd.Series, mapping: dict, default=None) -> pd.Series:
    """mapping[label] per row (label stripped and lower-cased), looked up once per distinct label:
    an events dump repeats a few dozen labels over millions of rows."""
    codes, uniques = pd.factorize(values)
    keys = pd.Index(uniques).astype("str").str.strip().str.lower()
    looked = np.array([mapping.get(k, default) for k in keys] + [default], dtype=object)
    return pd.Series(looked[codes], index=values.index, dtype=object)  # code -1 (missing) -> default


def _whole_ids(frame: pd.DataFrame) -> pd.DataFrame:
    """Ids written back from a float column with nulls ("28483640.0") are the same ids as the
    lead dump's: judged once per distinct id."""
    frame = frame.copy()
    for column in ("deal_id", "owner", "_responsible", "_id"):
        if column in frame.columns:
            codes, uniques = pd.factorize(frame[column])
            fixed = pd.Index(uniques).astype("str").str.replace(r"^(\d+)\.0+$", r"\1", regex=True)
            frame[column] = pd.Series(np.append(fixed.to_numpy(dtype=object), None)[codes], index=frame.index,
                                      dtype=object)
    return frame


def _kinds(values: pd.Series | None, index: pd.Index) -> pd.Series:
    if values is None:
        return pd.Series("deal", index=index, dtype=object)  # leads/notes: every row is a lead's
    return _by_label(values, ENTITY_KINDS, "other")


def _on_leads(frame: pd.DataFrame, ctx: FinishContext, counted: pd.Series, noun: tuple[str, str]) -> pd.DataFrame:
    """The rows on a lead; `counted` (a mask) says which of the others are activities worth a
    warning (a field edit on a contact is nobody's concern)."""
    kinds = _kinds(frame.get("_entity"), frame.index)
    on_lead = kinds.eq("deal")
    off = counted & ~on_lead
    if off.any():
        ctx.warn(off_deal_warning(frame[off], int(counted.sum()), noun=noun, kinds=kinds[off]))
    return frame[on_lead]


def _no_system_owner(frame: pd.DataFrame) -> None:
    if "owner" in frame.columns:
        system = _by_label(frame["owner"], {"0": True, "0.0": True, "": True}, False).astype(bool)
        frame["owner"] = frame["owner"].where(~system.to_numpy(), None)


def events_finish(frame: pd.DataFrame, ctx: FinishContext) -> dict[str, pd.DataFrame]:
    frame = _whole_ids(frame)
    kind = _by_label(frame["_event"], {k: v[0] for k, v in EVENT_TYPES.items()})
    frame = _on_leads(frame, ctx, kind.notna(), ("call, message and note events", "событий звонков и сообщений"))
    kind = kind[frame.index]
    moves = frame[_by_label(frame["_event"], {"lead_status_changed": True}, False).to_numpy(dtype=bool)]
    after = moves.get("_after", pd.Series(None, index=moves.index, dtype=object))
    before = moves.get("_before", pd.Series(None, index=moves.index, dtype=object))
    history = pd.DataFrame({"_row": moves["_row"], "deal_id": moves["deal_id"],
                            "from_stage": _extract(before, STATUS_ID), "to_stage": _extract(after, STATUS_ID),
                            "changed_at": moves["at"], "changed_by": moves.get("owner"),
                            "pipeline": _extract(after, PIPELINE_ID)})
    acts = frame[kind.notna().to_numpy()].copy()
    acts["type"] = kind[acts.index]
    acts["direction"] = _by_label(acts["_event"], {k: v[1] for k, v in EVENT_TYPES.items()})
    acts["subject"] = acts["_event"]
    acts["activity_id"] = "event:" + acts["_id"].astype("str") if "_id" in acts.columns else None
    if "_after" in acts.columns and "_id" in acts.columns:
        note = _extract(acts["_after"], NOTE_ID)
        if note.notna().any():
            ctx.lookup(EVENT_NOTES, pd.DataFrame({"activity_id": acts.loc[note.notna(), "activity_id"].to_numpy(),
                                                  "note_id": note.dropna().to_numpy()}))
    for table in (history, acts):
        _no_system_owner(table)
    ctx.note(f"{len(history):,} stage moves (lead_status_changed), {len(acts):,} calls, messages, notes and "
             f"done tasks; other events (field edits, tags, links) are neither")
    declare_ids(ctx, "stage_history", history, {"to_stage": "stage", "from_stage": "stage", "pipeline": "pipeline",
                                                "changed_by": "user"})
    declare_ids(ctx, "activities", acts, {"owner": "user"})
    keep = ["_row", "deal_id", "activity_id", "type", "direction", "subject", "owner", "at"]
    return {"stage_history": history, "activities": acts[[c for c in keep if c in acts.columns]]}


def notes_finish(frame: pd.DataFrame, ctx: FinishContext) -> dict[str, pd.DataFrame]:
    frame = _whole_ids(frame)
    kind = _by_label(frame["_note_type"], {k: v[0] for k, v in NOTE_TYPES.items()})
    if "_entity" in frame.columns:  # notes of several entities saved together (GET /api/v4/{entity}/notes)
        frame = _on_leads(frame, ctx, kind.notna(), ("call, message and note notes", "примечаний"))
        kind = kind[frame.index]
    acts = frame[kind.notna().to_numpy()].copy()
    acts["type"] = kind[acts.index]
    acts["direction"] = _by_label(acts["_note_type"], {k: v[1] for k, v in NOTE_TYPES.items()})
    acts["subject"] = acts["_note_type"]
    said = pd.Series(None, index=acts.index, dtype=object)
    if "_call_status" in acts.columns:
        said = acts["_call_status"].astype("str").str.replace(r"\.0$", "", regex=True).map(CALL_STATUSES)
    for column in ("result", "_text"):
        if column in acts.columns:
            said = acts[column].where(acts[column].notna(), said)
    acts["result"] = said
    if "_income" in acts.columns:  # a mail note: params.income says which way it went
        income = acts["_income"].astype("str").str.strip().str.lower()
        acts["direction"] = acts["direction"].fillna(income.map({"true": "in", "false": "out", "1": "in", "0": "out"}))
    _no_system_owner(acts)
    if "_responsible" in acts.columns:  # a call the telephony logged: the lead's manager took it
        acts["owner"] = acts["owner"].fillna(acts["_responsible"]) if "owner" in acts.columns else acts["_responsible"]
    if "_id" in acts.columns:
        acts["activity_id"] = "note:" + acts["_id"].astype("str")
    left = len(frame) - len(acts)
    ctx.note(f"note_type call_in/call_out = calls, sms = messages, common = notes; {left:,} service and other "
             f"notes (integrations) are not activities")
    declare_ids(ctx, "activities", acts, {"owner": "user"})
    return {"activities": acts}


def tasks_finish(frame: pd.DataFrame, ctx: FinishContext) -> dict[str, pd.DataFrame]:
    frame = _whole_ids(frame)
    frame = _on_leads(frame, ctx, pd.Series(True, index=frame.index), ("tasks", "задач"))
    done = truthy(frame["_done"]) if "_done" in frame.columns else pd.Series(True, index=frame.index)
    if not done.all():
        ctx.warn(plans_warning(int((~done).sum()), len(frame), noun=("tasks", "задач"),
                                  marked=("is_completed = false", "is_completed = false")))
    acts = frame[done].copy()
    meeting = acts["_task_type"].astype("str").str.strip().eq("2") if "_task_type" in acts.columns else False
    acts["type"] = pd.Series("task", index=acts.index, dtype=object).where(~meeting, "meeting")
    if "at" not in acts.columns:
        acts["at"] = pd.NaT
    if "_due" in acts.columns:
        acts["at"] = acts["at"].fillna(acts["_due"])
    if "_id" in acts.columns:
        acts["activity_id"] = "task:" + acts["_id"].astype("str")
    _no_system_owner(acts)
    ctx.note("completed tasks only, at their last update (the API keeps no completion time); task_type_id 2 = "
             "meeting")
    declare_ids(ctx, "activities", acts, {"owner": "user"})
    return {"activities": acts}


def loss_reasons_finish(frame: pd.DataFrame, ctx: FinishContext) -> dict[str, pd.DataFrame]:
    ctx.lookup(LOSS_REASONS, frame)
    return {}


def set_aside_loss_reason_ids(frame: pd.DataFrame, ctx: FinishContext) -> None:
    """The lead dump's loss_reason_id, kept for the assemble step to name (an id is no reason)."""
    ids = frame["_loss_reason_id"].astype("str").str.replace(r"^(\d+)\.0+$", r"\1", regex=True)
    given = frame["_loss_reason_id"].notna() & ~ids.str.fullmatch(NOBODY)
    if given.any():
        ctx.lookup(LOSS_REASON_IDS, pd.DataFrame({"deal_id": frame.loc[given, "deal_id"].to_numpy(),
                                                  "reason_id": ids[given].to_numpy()}))


# -- after every file is read ------------------------------------------------------------------------

def assemble(a: Assembly) -> None:
    _loss_reasons(a)
    _one_call_once(a)


def _loss_reasons(a: Assembly) -> None:
    ids, reasons, deals = a.lookups.get(LOSS_REASON_IDS), a.lookups.get(LOSS_REASONS), a.tables.get("deals")
    if ids is None or reasons is None or deals is None:
        return
    from audit.ingest.profiles.lookups import id_names
    names = id_names(reasons, "_id", "_name")
    by_deal = ids.drop_duplicates("deal_id").set_index("deal_id")["reason_id"]
    reason = deals["deal_id"].map(by_deal)
    named = reason.map(names)
    if "lost_reason" in deals.columns:
        named = deals["lost_reason"].fillna(named)
    deals["lost_reason"] = named.astype(object)
    missing = reason.notna() & named.isna()
    if missing.any():
        a.warn(_unnamed_reasons_warning(reason[missing], reasons["_file"].iloc[0] if "_file" in reasons else None))


def _unnamed_reasons_warning(reason: pd.Series, file: str | None) -> InputWarning:
    n, examples = len(reason), ", ".join(reason.drop_duplicates().astype("str").head(3))
    return InputWarning(
        code="ids-unresolved",
        message=(f"{n:,} deals have a loss_reason_id that the exported /api/v4/leads/loss_reasons does not name "
                 f"({examples}); their loss reason is left empty, not read as an id."),
        message_ru=(f"У сделок ({n}) указан loss_reason_id, которого нет в выгрузке /api/v4/leads/loss_reasons "
                    f"({examples}); причина отказа у них оставлена пустой, а не прочитана как идентификатор."),
        file=file, numbers={"column": "deals.lost_reason", "rows": n})


def _one_call_once(a: Assembly) -> None:
    """An event that points at a note of the notes dump is that note's call: kept once."""
    refs, acts = a.lookups.get(EVENT_NOTES), a.tables.get("activities")
    if refs is None or acts is None or "activity_id" not in acts.columns:
        return
    # Object arrays: pandas' hash-table isin (Arrow strings' isin goes value by value).
    ids = pd.Series(acts["activity_id"].to_numpy(dtype=object), index=acts.index)
    notes = ids[ids.str.startswith("note:", na=False)]
    if notes.empty:
        return
    wanted = pd.Series(("note:" + refs["note_id"].astype("str")).to_numpy(dtype=object))
    twice = refs["activity_id"].to_numpy(dtype=object)[wanted.isin(notes.to_numpy()).to_numpy()]
    if len(twice):
        a.tables["activities"] = acts[~ids.isin(twice).to_numpy()].reset_index(drop=True)
