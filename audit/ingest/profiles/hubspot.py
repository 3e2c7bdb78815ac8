"""HubSpot: the deals export (CSV or XLSX) and activity exports (calls, e-mails, meetings).

HubSpot has no stage-history file, but a deals export can carry the properties
'Date entered "<stage> (<pipeline>)"': each becomes a stage-history row. Won and lost
come from "Is Closed Won" / "Is closed" when exported, else from the default stage
labels "Closed Won" / "Closed Lost".
"""

from __future__ import annotations

import re

import pandas as pd

from audit.ingest.profiles.base import (
    FinishContext,
    Profile,
    TableSpec,
    norm_header,
    stage_status,
)

WON = ("Closed Won", "Closed won")
LOST = ("Closed Lost", "Closed lost")
ENTERED = re.compile(r'^_?date entered\s*["“]?(.+?)\s*\((.+)\)["”]?\s*$', re.IGNORECASE)

DEALS_COLUMNS = {
    "Record ID": "deal_id", "Deal ID": "deal_id", "Record ID - Deal": "deal_id",
    "Deal Name": "title",
    "Pipeline": "pipeline",
    "Deal Stage": "stage",
    "Deal owner": "owner", "Deal Owner": "owner", "HubSpot Owner": "owner",
    "Amount": "amount", "Amount in company currency": "_amount_company",
    "Currency": "currency", "Deal currency code": "currency",
    "Create Date": "created_at", "Created Date": "created_at",
    "Close Date": "closed_at",
    "Closed Lost Reason": "lost_reason", "Closed lost reason": "lost_reason",
    "Associated Company": "company", "Associated Company (Primary)": "company",
    "Associated Contact": "contact", "Associated Contact (Primary)": "contact",
    "Last Activity Date": "last_activity_at", "Last activity date": "last_activity_at",
    "Original Source Type": "source", "Original Traffic Source": "source", "Source": "source",
    "Deal source": "source",
    "Is Closed Won": "_is_won", "Is closed won": "_is_won", "Is Closed": "_is_closed",
    "Is closed": "_is_closed", "Is Closed Lost": "_is_lost", "Is closed lost": "_is_lost",
    "Created by user": "created_by", "Created by": "created_by",
}

ACTIVITY_COLUMNS = {
    "Record ID": "activity_id", "Activity ID": "activity_id", "Engagement ID": "activity_id",
    "Associated Deal IDs": "deal_id", "Associated Deal ID": "deal_id", "Associated Deal": "_deal_name",
    "Deal ID": "deal_id",
    "Activity type": "type", "Activity Type": "type", "Engagement type": "type", "Type": "type",
    "Activity date": "at", "Activity Date": "at", "Timestamp": "at", "Create date": "at",
    "Activity assigned to": "owner", "Assigned to": "owner", "Activity owner": "owner",
    "HubSpot owner": "owner", "Call owner": "owner",
    "Subject": "subject", "Call title": "subject", "Meeting name": "subject", "Email subject": "subject",
    "Call outcome": "result", "Outcome": "result", "Meeting outcome": "result",
    "Call direction": "direction", "Direction": "direction",
    "Call duration": "_duration", "Call duration (HH:mm:ss)": "_duration",
}


def _deals_finish(frame: pd.DataFrame, ctx: FinishContext) -> dict[str, pd.DataFrame]:
    frame = frame.copy()
    won = frozenset(ctx.won_stages) | frozenset(norm_header(s) for s in WON)
    lost = frozenset(ctx.lost_stages) | frozenset(norm_header(s) for s in LOST)
    status = pd.Series(None, index=frame.index, dtype=object)
    truthy = {"true", "yes", "1", "да"}
    if "_is_won" in frame.columns:
        is_won = frame["_is_won"].astype("str").str.strip().str.lower().isin(truthy)
        status[is_won] = "won"
        if "_is_closed" in frame.columns:
            closed = frame["_is_closed"].astype("str").str.strip().str.lower().isin(truthy)
            status[closed & ~is_won] = "lost"
            status[~closed & frame["_is_closed"].notna()] = "open"
    status = status.fillna(stage_status(frame["stage"], won, lost)).fillna("open")
    frame["status"] = status
    # A close date on an open deal is HubSpot's expected close date.
    if "closed_at" in frame.columns:
        frame["expected_close_at"] = frame["closed_at"].where(status.eq("open"))
        frame["closed_at"] = frame["closed_at"].where(~status.eq("open"))
    tables = {"deals": frame}
    entered = [c for c in frame.columns if ENTERED.match(c)]
    if entered:
        parts = []
        for col in entered:
            stage, pipeline = ENTERED.match(col).groups()
            sub = frame.loc[frame[col].notna(), ["_row", "deal_id"]].assign(
                to_stage=stage.strip(), pipeline=pipeline.strip(), changed_at=frame.loc[frame[col].notna(), col])
            parts.append(sub)
        history = pd.concat(parts, ignore_index=True)
        # Only the deal's own pipeline: a deal moved between pipelines keeps the other's dates.
        own = frame.drop_duplicates("deal_id").set_index("deal_id")["pipeline"] if "pipeline" in frame else None
        if own is not None:
            history = history[history["pipeline"].eq(history["deal_id"].map(own)) | history["deal_id"].map(own).isna()]
        tables["stage_history"] = history
    return tables


def _activities_finish(frame: pd.DataFrame, ctx: FinishContext) -> dict[str, pd.DataFrame]:
    frame = frame.copy()
    # "Associated Deal IDs" may hold several ids separated by ';': one activity per deal.
    ids = frame["deal_id"].astype("str").str.split(r"\s*[;,]\s*", regex=True)
    frame = frame.assign(deal_id=ids).explode("deal_id")
    frame["deal_id"] = frame["deal_id"].replace("", None)
    if "_duration" in frame.columns:
        parts = frame["_duration"].astype("str").str.extract(r"(?:(\d+):)?(\d+):(\d+)")
        frame["duration_s"] = (pd.to_numeric(parts[0], errors="coerce").fillna(0) * 3600
                               + pd.to_numeric(parts[1], errors="coerce") * 60
                               + pd.to_numeric(parts[2], errors="coerce"))
    return {"activities": frame.reset_index(drop=True)}


PROFILE = Profile(
    name="hubspot",
    label="HubSpot",
    dayfirst=None,
    won_stages=WON,
    lost_stages=LOST,
    tables=(
        TableSpec(table="deals", label="Deals", columns=DEALS_COLUMNS, finish=_deals_finish,
                  key=(("Record ID", "Deal ID", "Record ID - Deal"), ("Deal Name",), ("Deal Stage",)),
                  helper_patterns=((r"^date entered\b", "datetime"),)),
        TableSpec(table="activities", label="Activities", columns=ACTIVITY_COLUMNS,
                  finish=_activities_finish,
                  key=(("Associated Deal IDs", "Associated Deal ID"),
                       ("Activity date", "Activity Date", "Timestamp"))),
    ),
)
