"""amoCRM / Kommo: the deals export ("Сделки" -> Экспорт) and the events list
("Аналитика" -> "Список событий"), in Russian and in Kommo's English.

Won and lost are the system stages "Успешно реализовано" / "Закрыто и не реализовано"
(Kommo: "Closed - won" / "Closed - lost"). The events list holds both the stage changes
(stage history) and the logged contacts (calls, mail, messages, notes, done tasks).
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from audit.ingest.profiles import amocrm_activity as activity
from audit.ingest.profiles import amocrm_api as api
from audit.ingest.profiles.base import FinishContext, Profile, TableSpec, users_finish
from audit.ingest.profiles.points import CONTACT_PATTERNS, collecting_points
from audit.ingest.profiles.status import NAMES_FALLBACK, deal_status

WON = ("Успешно реализовано", "Closed - won", "Closed won", "Successfully realized")
LOST = ("Закрыто и не реализовано", "Closed - lost", "Closed lost", "Closed and not realized")

DEALS_COLUMNS = {
    "ID": "deal_id",
    "Название сделки": "title", "Название": "title", "Lead title": "title", "Lead name": "title",
    "Бюджет": "amount", "Budget": "amount", "Sale": "amount",
    "Валюта": "currency",
    "Ответственный": "owner", "Responsible user": "owner", "Lead owner": "owner", "Responsible": "owner",
    "Дата создания сделки": "created_at", "Дата создания": "created_at", "Date created": "created_at",
    "Created": "created_at",
    "Кем создана сделка": "created_by", "Кем создана": "created_by", "Created by": "created_by",
    "Дата закрытия": "closed_at", "Closing date": "closed_at", "Closed": "closed_at", "Closed at": "closed_at",
    "Date closed": "closed_at",
    "Этап сделки": "stage", "Этап": "stage", "Статус сделки": "stage", "Статус": "stage",
    "Lead stage": "stage", "Stage": "stage", "Status": "stage", "Lead status": "stage",
    "Воронка": "pipeline", "Pipeline": "pipeline",
    "Компания": "company", "Company": "company", "Компания контакта": "company",
    "Полное имя контакта": "contact", "Основной контакт": "contact", "Контакт": "contact",
    "Contact full name": "contact", "Main contact": "contact",
    "Источник": "source", "Source": "source", "Источник сделки": "source",
    "Причина отказа": "lost_reason", "Loss reason": "lost_reason", "Причина отказа сделки": "lost_reason",
    "Дата последнего контакта": "last_activity_at",
}

EVENTS_COLUMNS = {
    "ID объекта": "deal_id", "ID сущности": "deal_id", "Object ID": "deal_id", "Entity ID": "deal_id",
    "Дата": "at", "Date": "at", "Дата создания": "at",
    "Автор": "owner", "Author": "owner",
    "Значение после": "result", "Value after": "result", "New value": "result",
    "Событие": "_event", "Event": "_event",
    "Значение до": "_before", "Value before": "_before", "Old value": "_before",
    "Объект": "_object", "Object": "_object", "Entity": "_object",
}

STAGE_EVENT = re.compile(r"этап|статус|stage|status", re.IGNORECASE)
MEETING_RESULT = re.compile(r"^\s*(?:встреча|meeting)\b", re.IGNORECASE)  # a done task that was a meeting
# Events that are contacts with the client or logged work on the deal; the rest
# (field edits, deal created, task set) are not activities.
CONTACT_EVENTS = [
    (r"звон|call", "call"),
    (r"письм|e-?mail|mail|почт", "email"),
    (r"сообщ|message|chat|чат|sms|смс|whatsapp|telegram|комментар", "message"),
    (r"встреч|meeting", "meeting"),
    (r"примеч|note", "note"),
    (r"задача (?:выполнена|завершена)|task (?:completed|done)|результат задачи", "task"),
]


def _deals_finish(frame: pd.DataFrame, ctx: FinishContext) -> dict[str, pd.DataFrame]:
    # The system stages close a deal; other names are read for an outcome only when an export
    # holds neither system stage (renamed, or a pipeline exported without its closed deals).
    return {"deals": frame.assign(status=deal_status(frame["stage"], ctx, names=NAMES_FALLBACK))}


def _by_label(values: pd.Series, judge) -> pd.Series:
    """judge(label) for each value, computed once per distinct label (an events list has a
    handful of event names over millions of rows)."""
    codes, uniques = pd.factorize(values)
    verdicts = np.array([judge(str(u)) for u in uniques] + [judge("")], dtype=object)
    return pd.Series(verdicts[codes], index=values.index)  # code -1 (missing) -> judge("")


def _contact_kind(label: str) -> str | None:
    low = label.lower()
    for pattern, value in CONTACT_EVENTS:
        if re.search(pattern, low):
            return value
    return None


def _direction(label: str) -> str | None:
    low = label.lower()
    if re.search(r"входящ|incoming|inbound", low):
        return "in"
    if re.search(r"исходящ|outgoing|outbound", low):
        return "out"
    return None


def _events_finish(frame: pd.DataFrame, ctx: FinishContext) -> dict[str, pd.DataFrame]:
    obj = frame["_object"] if "_object" in frame.columns else pd.Series(None, index=frame.index, dtype="str")
    # Only deal events ("Сделка", "Lead" in Kommo); contacts/companies/tasks lists are not deals.
    is_deal = _by_label(obj, lambda o: not o or bool(re.search(r"сделк|lead|deal", o, re.IGNORECASE)))
    if "deal_id" not in frame.columns or frame["deal_id"].isna().all():
        frame = frame.assign(deal_id=obj.str.extract(r"(\d+)", expand=False))
    # Filtering copies every text column: keep only what each table needs, and skip filters
    # that would keep everything (a millions-of-rows events list is mostly one kind).
    is_deal = is_deal.to_numpy(dtype=bool)
    if not is_deal.all():
        frame = frame[is_deal]
    is_stage = _by_label(frame["_event"], lambda e: bool(STAGE_EVENT.search(e))).to_numpy(dtype=bool)
    history_cols = {"_row": "_row", "deal_id": "deal_id", "_before": "from_stage", "result": "to_stage",
                    "at": "changed_at", "owner": "changed_by"}
    history = frame.loc[is_stage, [c for c in history_cols if c in frame.columns]].rename(columns=history_cols)
    kind = _by_label(frame["_event"], lambda e: None if STAGE_EVENT.search(e) else _contact_kind(e))
    # amoCRM has no meeting event: a meeting is a done task whose result says so.
    if "result" in frame.columns:
        tasks = kind.eq("task").to_numpy()
        # Judged once per distinct result text (a regex per row took 1.5 s on 2M tasks).
        said = _by_label(frame["result"][tasks], lambda r: bool(MEETING_RESULT.match(r)))
        kind[said[said.astype(bool)].index] = "meeting"
    keep = kind.notna().to_numpy()
    activity_cols = [c for c in frame.columns if not c.startswith("_") or c in ("_row", "_event")]
    contacts = frame.loc[keep, activity_cols]
    contacts["type"] = kind[keep]
    contacts["subject"] = contacts["_event"]
    contacts["direction"] = _by_label(contacts["_event"], _direction)
    contacts["duration_s"] = _duration_seconds(contacts["result"])
    return {"stage_history": history, "activities": contacts.drop(columns="_event")}


def _duration_seconds(text: pd.Series) -> pd.Series:
    """'Длительность 3:20' / '200 сек' / '1:02:03' -> seconds (None when absent). Arrow's
    regex engine, not pandas' per-value fallback: call results are millions of rows."""
    import pyarrow as pa
    import pyarrow.compute as pc
    arr = pa.array(text.astype("str").array)
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    # Results repeat ("Счёт отправил на почту", "Не дозвонился"): read each distinct text once.
    encoded = pc.dictionary_encode(arr)
    arr, codes = encoded.dictionary, encoded.indices
    hms = pc.extract_regex(arr, r"(?:(?P<h>\d+):)?(?P<m>\d{1,2}):(?P<s>\d{2})")
    plain = pc.extract_regex(arr, r"(?P<n>\d+)\s*(?:сек|sec|s\b)")

    def part(struct, name):
        values = pc.struct_field(struct, name)
        values = pc.if_else(pc.equal(values, ""), None, values)
        return pc.cast(values, pa.float64()).to_numpy(zero_copy_only=False)

    seconds = np.nan_to_num(part(hms, "h")) * 3600 + part(hms, "m") * 60 + part(hms, "s")
    seconds = np.where(np.isnan(seconds), part(plain, "n"), seconds)
    taken = codes.fill_null(-1).to_numpy(zero_copy_only=False)
    per_row = seconds[np.maximum(taken, 0)] if len(seconds) else np.full(len(taken), np.nan)
    return pd.Series(np.where(taken >= 0, per_row, np.nan), index=text.index)


PROFILE = Profile(
    name="amocrm",
    label="amoCRM / Kommo",
    dayfirst=True,
    won_stages=WON,
    lost_stages=LOST,
    tables=(
        TableSpec(
            table="deals", label="Сделки", columns=DEALS_COLUMNS, finish=collecting_points(_deals_finish, "deals"),
            dayfirst=True, helper_patterns=CONTACT_PATTERNS,
            key=("ID", ("Название сделки", "Lead title", "Lead name"),
                 ("Этап сделки", "Статус сделки", "Lead stage", "Lead status"),
                 ("Дата создания сделки", "Бюджет", "Ответственный", "Date created", "Budget",
                  "Responsible user")),
        ),
        TableSpec(
            table="activities", label="Список событий", columns=EVENTS_COLUMNS, finish=_events_finish,
            dayfirst=True,
            key=(("Событие", "Event"), ("Значение после", "Value after", "New value"),
                 ("Дата", "Date"), ("ID объекта", "Объект", "Object ID", "Object", "Entity ID")),
        ),
        # API v4 dumps: field names, ids for names, unix times.
        TableSpec(table="deals", label="API v4 leads", columns=api.LEADS_COLUMNS, finish=api.leads_finish,
                  helper_kinds=api.LEADS_HELPERS,
                  key=("id", "status_id", "pipeline_id", ("responsible_user_id", "created_at", "price"))),
        TableSpec(table="lookup", label="API v4 pipelines", columns=api.PIPELINES_COLUMNS,
                  finish=api.pipelines_finish, key=("pipeline_id", "status_id", "status_name"),
                  exclude=("id", "price")),
        TableSpec(table="activities", label="API v4 events", columns=activity.EVENTS_COLUMNS,
                  finish=activity.events_finish, key=("type", "entity_id", "entity_type", ("value_after", "value_before"))),
        TableSpec(table="activities", label="API v4 notes", columns=activity.NOTES_COLUMNS,
                  finish=activity.notes_finish, key=("note_type", "entity_id", "created_at")),
        TableSpec(table="activities", label="API v4 tasks", columns=activity.TASKS_COLUMNS,
                  finish=activity.tasks_finish, helper_kinds=activity.TASKS_HELPERS,
                  key=("entity_id", "entity_type", "is_completed", ("complete_till", "task_type_id"))),
        TableSpec(table="lookup", label="API v4 loss reasons", columns=activity.LOSS_REASON_COLUMNS,
                  finish=activity.loss_reasons_finish, key=("id", "name", ("created_at", "updated_at")),
                  exclude=("email", "status_id", "pipeline_id", "price", "lang", "entityTypeId", "isDefault",
                           "IS_LOCKED", "IS_DEFAULT", "CREATED_DATE")),  # Bitrix24 crm.category.list
        TableSpec(table="users", label="API v4 users", columns=api.USERS_COLUMNS, finish=users_finish,
                  key=("id", "name", "email", "lang"), exclude=("status_id", "price")),
    ),
    assemble=api.assemble,
)
