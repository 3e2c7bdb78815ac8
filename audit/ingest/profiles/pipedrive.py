"""Pipedrive: deals and activities exports ("Deal - Title", "Activity - Type" ...).

Status is explicit (open / won / lost / deleted; deleted deals are left out). Pipedrive keeps
a won or lost deal in its last open stage, so every stage is an open stage
(`Profile.stages_all_open`): a stage where most deals ended as won is not a "won stage".
Activities not marked done are plans, not contacts, and activities with no "Deal - ID" are not
deal activities: both are left out of the activity table, and a warning per file counts them.
"""

from __future__ import annotations

import pandas as pd

from audit.ingest.profiles.activities import off_deal_warning, ru_number
from audit.ingest.profiles.base import FinishContext, Profile, TableSpec, truthy
from audit.ingest.profiles.points import CONTACT_PATTERNS, collecting_points
from audit.ingest.profiles.status import NAMES_NEVER, deal_status
from audit.ingest.values import map_labels
from audit.model.warnings import InputWarning

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
            ctx.warn(_plans_warning(frame[~done], total))
        frame = frame[done]
    if "at" not in frame.columns:
        frame["at"] = pd.NaT
    if "_due" in frame.columns:
        frame["at"] = frame["at"].fillna(frame["_due"])
    return {"activities": frame}


def _plans_warning(plans: pd.DataFrame, total: int) -> InputWarning:
    n = len(plans)
    return InputWarning(
        code="activities-not-done",
        message=(f"{n:,} of {total:,} activities on deals are not marked done ('Activity - Done' = To do): "
                 f"plans, not contacts, they are left out of deal activity."),
        message_ru=(f"{ru_number(n)} из {ru_number(total)} дел по сделкам не отмечены выполненными "
                    f"(«Activity - Done» = To do): это планы, а не контакты, они не учитываются в работе по сделкам."),
        numbers={"rows": int(total), "not_done": int(n)})


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
        TableSpec(table="activities", label="Activities", columns=ACTIVITY_COLUMNS, finish=_activities_finish,
                  key=(("Activity - ID", "Activity - Type"), "Deal - ID"),
                  helper_kinds={"_due": "datetime"}),
    ),
)
