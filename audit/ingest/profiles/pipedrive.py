"""Pipedrive: deals and activities exports ("Deal - Title", "Activity - Type" ...).

Status is explicit (open / won / lost / deleted; deleted deals are left out). Pipedrive keeps
a won or lost deal in its last open stage, so every stage is an open stage
(`Profile.stages_all_open`): a stage where most deals ended as won is not a "won stage".
Activities not marked done are plans, not contacts, and activities with no "Deal - ID" are not
deal activities: both are left out of the activity table, and a warning per file counts them.

API dumps (`GET /v1/deals` rows written as CSV, flat or through json_normalize) carry the field
keys: `id, title, status, stage_id, pipeline_id, user_id, owner_name, value, currency, add_time,
won_time, lost_time, close_time, lost_reason, org_name, person_name`, times in UTC
("YYYY-MM-DD HH:MM:SS"). Source: pipedrive/client-nodejs docs/DealCollectionResponseObject.md.
Stages and pipelines are numeric ids there: they stand as names, and a warning says so.
"""

from __future__ import annotations

import pandas as pd

from audit.ingest.profiles.activities import off_deal_warning, plans_warning
from audit.ingest.profiles.base import FinishContext, Profile, TableSpec, truthy
from audit.ingest.profiles.lookups import ids_warning
from audit.ingest.profiles.points import CONTACT_PATTERNS, collecting_points
from audit.ingest.profiles.status import NAMES_NEVER, deal_status
from audit.ingest.values import map_labels

DEALS_COLUMNS = {
    "Deal - ID": "deal_id", "Deal - Title": "title", "Deal - Pipeline": "pipeline",
    "Deal - Stage": "stage", "Deal - Status": "status", "Deal - Owner": "owner",
    "Deal - Value": "amount", "Deal - Currency": "currency", "Deal - Currency of Value": "currency",
    "Deal - Deal created": "created_at", "Deal - Add time": "created_at",
    "Deal - Creator": "created_by",
    "Deal - Won time": "_won_time", "Deal - Lost time": "_lost_time", "Deal - Deal closed on": "_closed_on",
    "Deal - Close time": "_closed_on",
    "Deal - Expected close date": "expected_close_at", "Deal - Lost reason": "lost_reason",
    "Deal - Organization": "company", "Deal - Contact person": "contact",
    "Deal - Last activity date": "last_activity_at", "Deal - Source": "source",
    "Deal - Source channel": "source", "Deal - Source origin": "source",
}

API_DEALS_COLUMNS = {
    "id": "deal_id", "title": "title", "status": "status", "stage_id": "stage", "pipeline_id": "pipeline",
    # Names before ids whatever the column order: owner_name, org_name, person_name are the v1
    # dump's names; `user_id` is an id (or, flattened, `user_id.name` the name).
    "owner_name": "owner", "user_id.name": "owner", "user_id": "_owner_id", "user_id.id": "_owner_id",
    "org_name": "company", "org_id.name": "company", "person_name": "contact", "person_id.name": "contact",
    "value": "amount", "currency": "currency", "add_time": "created_at", "creator_user_id": "created_by",
    "won_time": "_won_time", "lost_time": "_lost_time", "close_time": "_closed_on",
    "expected_close_date": "expected_close_at", "lost_reason": "lost_reason",
    "last_activity_date": "last_activity_at", "origin": "source", "channel": "source",
}

# GET /v1/activities written as CSV (same source): done is a flag, marked_as_done_time the time.
API_ACTIVITY_COLUMNS = {
    "id": "activity_id", "deal_id": "deal_id", "type": "type", "subject": "subject", "done": "_done",
    "marked_as_done_time": "at", "due_date": "_due", "due_time": "_due_time", "owner_name": "owner",
    "user_id": "_owner_id", "add_time": "created_at", "note": "result", "duration": "_duration",
    "org_id": "_organization", "org_name": "_organization", "person_id": "_person", "person_name": "_person",
}

ACTIVITY_COLUMNS = {
    "Activity - ID": "activity_id", "Deal - ID": "deal_id", "Activity - Type": "type",
    "Activity - Subject": "subject", "Activity - Due date": "_due", "Activity - Due time": "_due_time",
    "Activity - Marked as done time": "at", "Activity - Done": "_done",
    "Activity - Assigned to user": "owner", "Activity - User": "owner",
    "Activity - Add time": "created_at", "Activity - Note": "result", "Activity - Duration": "_duration",
    "Organization - ID": "_organization", "Organization - Name": "_organization",
    "Activity - Organization": "_organization", "Person - ID": "_person", "Person - Name": "_person",
    "Activity - Contact person": "_person",
}

STATUS_RULES = [(r"^won|выигр", "won"), (r"^lost|проигр", "lost"), (r"^open|открыт", "open"),
                (r"^deleted|удал", "deleted")]
TIME_FIELDS = {"_won_time": "won", "_lost_time": "lost"}


def _deals_finish(frame: pd.DataFrame, ctx: FinishContext) -> dict[str, pd.DataFrame]:
    frame = frame.copy()
    status, _ = map_labels(frame["status"], STATUS_RULES)
    frame = frame[~status.eq("deleted")]
    frame["status"] = deal_status(frame["stage"], ctx, flags=status[~status.eq("deleted")], names=NAMES_NEVER)
    closed = pd.Series(pd.NaT, index=frame.index, dtype="datetime64[us]")
    for col, st in TIME_FIELDS.items():
        if col in frame.columns:
            closed = closed.fillna(frame[col].where(frame["status"].eq(st)))
    if "_closed_on" in frame.columns:
        closed = closed.fillna(frame["_closed_on"])
    frame["closed_at"] = closed
    return {"deals": frame}


def _api_deals_finish(frame: pd.DataFrame, ctx: FinishContext) -> dict[str, pd.DataFrame]:
    """An API dump: as an export once the owner id stands in for a missing owner name; stage and
    pipeline ids with nothing to name them are named in a warning."""
    tables = _deals_finish(_owner_name_or_id(frame), ctx)
    deals = tables["deals"]
    for column, what, what_ru in (("stage", "the stage (stage_id)", "этап (stage_id)"),
                                  ("pipeline", "the pipeline (pipeline_id)", "воронка (pipeline_id)"),
                                  ("owner", "the owner (user_id)", "ответственный (user_id)")):
        if column not in deals.columns:
            continue
        values = deals[column].dropna().astype("str").str.strip()
        counts = values[values.str.fullmatch(r"\d+")].value_counts()
        if not counts.empty:
            ctx.warn(ids_warning(counts, column=f"deals.{column}", what=what, what_ru=what_ru,
                                 rows_of=("deal", "deals"), rows_of_ru="сделок",
                                 export="the names with the deals (Pipedrive's own Export of the deals list, "
                                        "or /v1/stages, /v1/pipelines, /v1/users)",
                                 export_ru="названия вместе со сделками (экспорт списка сделок из Pipedrive, "
                                           "или /v1/stages, /v1/pipelines, /v1/users)",
                                 file=None, present=False))
    return tables


def _api_activities_finish(frame: pd.DataFrame, ctx: FinishContext) -> dict[str, pd.DataFrame]:
    """An API dump of activities: the owner's name (owner_name) where exported, else the user id."""
    return _activities_finish(_owner_name_or_id(frame), ctx)


def _owner_name_or_id(frame: pd.DataFrame) -> pd.DataFrame:
    if "_owner_id" not in frame.columns:
        return frame
    names = frame["owner"] if "owner" in frame.columns else pd.Series(None, index=frame.index, dtype=object)
    return frame.assign(owner=names.fillna(frame["_owner_id"]))


def _activities_finish(frame: pd.DataFrame, ctx: FinishContext) -> dict[str, pd.DataFrame]:
    frame = frame.copy()
    total = len(frame)
    on_deal = frame["deal_id"].notna() if "deal_id" in frame.columns else pd.Series(False, index=frame.index)
    if not on_deal.all():
        ctx.warn(off_deal_warning(frame[~on_deal], total, noun=("activities", "дел"),
                                  links={"account": "_organization", "contact": "_person"}))
    frame = frame[on_deal]
    if "_done" in frame.columns:
        done = frame["_done"].isna() | truthy(frame["_done"]) | frame["_done"].astype("str").str.strip().str.lower().eq(
            "done")
        if not done.all():
            ctx.warn(plans_warning(int((~done).sum()), total, noun=("activities", "дел"),
                               marked=("'Activity - Done' = To do, or done = false in an API dump",
                                       "«Activity - Done» = To do, или done = false в выгрузке через API")))
        frame = frame[done]
    if "at" not in frame.columns:
        frame["at"] = pd.NaT
    if "_due" in frame.columns:
        frame["at"] = frame["at"].fillna(frame["_due"])
    return {"activities": frame}


PROFILE = Profile(
    name="pipedrive",
    label="Pipedrive",
    dayfirst=None,
    stages_all_open=True,
    tables=(
        TableSpec(table="deals", label="Deals", columns=DEALS_COLUMNS, finish=collecting_points(_deals_finish, "deals"),
                  helper_patterns=CONTACT_PATTERNS,
                  key=("Deal - ID", ("Deal - Stage", "Deal - Status"), ("Deal - Title", "Deal - Value")),
                  exclude=("Activity - ID", "Activity - Type"),
                  helper_kinds={"_won_time": "datetime", "_lost_time": "datetime", "_closed_on": "datetime"}),
        TableSpec(table="deals", label="Deals (API)", columns=API_DEALS_COLUMNS,
                  finish=collecting_points(_api_deals_finish, "deals"), helper_patterns=CONTACT_PATTERNS,
                  key=("id", "title", "status", "stage_id", ("add_time", "pipeline_id", "won_time", "user_id")),
                  exclude=("deal_id", "due_date", "Deal - ID"),
                  helper_kinds={"_won_time": "datetime", "_lost_time": "datetime", "_closed_on": "datetime"}),
        TableSpec(table="activities", label="Activities (API)", columns=API_ACTIVITY_COLUMNS,
                  finish=_api_activities_finish, key=("id", "deal_id", "type", ("done", "marked_as_done_time")),
                  exclude=("Activity - ID", "WhatId"),
                  helper_kinds={"_due": "datetime"}),
        TableSpec(table="activities", label="Activities", columns=ACTIVITY_COLUMNS, finish=_activities_finish,
                  key=(("Activity - ID", "Activity - Type"), "Deal - ID"),
                  helper_kinds={"_due": "datetime"}),
    ),
)
