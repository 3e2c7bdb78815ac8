"""Pipedrive: deals and activities exports ("Deal - Title", "Activity - Type" ...).

Status is explicit (open / won / lost / deleted; deleted deals are left out). Activities
not marked done are plans, not contacts, and are left out of the activity table.
"""

from __future__ import annotations

import pandas as pd

from audit.ingest.profiles.base import FinishContext, Profile, TableSpec
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

ACTIVITY_COLUMNS = {
    "Activity - ID": "activity_id", "Deal - ID": "deal_id", "Activity - Type": "type",
    "Activity - Subject": "subject", "Activity - Due date": "_due", "Activity - Due time": "_due_time",
    "Activity - Marked as done time": "at", "Activity - Done": "_done",
    "Activity - Assigned to user": "owner", "Activity - User": "owner",
    "Activity - Add time": "created_at", "Activity - Note": "result", "Activity - Duration": "_duration",
}

STATUS_RULES = [(r"^won|выигр", "won"), (r"^lost|проигр", "lost"), (r"^open|открыт", "open"),
                (r"^deleted|удал", "deleted")]
TIME_FIELDS = {"_won_time": "won", "_lost_time": "lost"}


def _deals_finish(frame: pd.DataFrame, ctx: FinishContext) -> dict[str, pd.DataFrame]:
    frame = frame.copy()
    status, _ = map_labels(frame["status"], STATUS_RULES)
    frame["status"] = status
    frame = frame[~frame["status"].eq("deleted")]
    closed = pd.Series(pd.NaT, index=frame.index, dtype="datetime64[us]")
    for col, st in TIME_FIELDS.items():
        if col in frame.columns:
            closed = closed.fillna(frame[col].where(frame["status"].eq(st)))
    if "_closed_on" in frame.columns:
        closed = closed.fillna(frame["_closed_on"])
    frame["closed_at"] = closed
    return {"deals": frame}


def _activities_finish(frame: pd.DataFrame, ctx: FinishContext) -> dict[str, pd.DataFrame]:
    frame = frame.copy()
    if "_done" in frame.columns:
        done = frame["_done"].astype("str").str.strip().str.lower().isin(["done", "true", "yes", "1", "да"])
        frame = frame[done | frame["_done"].isna()]
    if "at" not in frame.columns:
        frame["at"] = pd.NaT
    if "_due" in frame.columns:
        frame["at"] = frame["at"].fillna(frame["_due"])
    return {"activities": frame}


PROFILE = Profile(
    name="pipedrive",
    label="Pipedrive",
    dayfirst=None,
    tables=(
        TableSpec(table="deals", label="Deals", columns=DEALS_COLUMNS, finish=_deals_finish,
                  key=("Deal - ID", ("Deal - Stage", "Deal - Status"), ("Deal - Title", "Deal - Value")),
                  exclude=("Activity - ID", "Activity - Type"),
                  helper_kinds={"_won_time": "datetime", "_lost_time": "datetime", "_closed_on": "datetime"}),
        TableSpec(table="activities", label="Activities", columns=ACTIVITY_COLUMNS, finish=_activities_finish,
                  key=(("Activity - ID", "Activity - Type"), "Deal - ID"),
                  helper_kinds={"_due": "datetime"}),
    ),
)
