"""HubSpot: the deals export (CSV or XLSX) and activity exports (calls, e-mails, meetings).

HubSpot has no stage-history file, but a deals export can carry the properties
'Date entered "<stage> (<pipeline>)"': each becomes a stage-history row.

Won and lost come from the flags an "all properties" export carries - "Is Deal Closed?"
(hs_is_closed), "Is Closed Won" (hs_is_closed_won), "Is closed lost" - whatever their case
and with or without the question mark. Portals rename their closed stages ("Closed: won",
"Closed: abandoned", "Lost - no budget"), and a saved view often exports no flag at all:
then stage labels that state an outcome decide, and an input warning names them
(audit.ingest.profiles.status). "Deal probability" 1.0 / 0.0 only corroborates a closed flag.

API dumps (CRM API v3 `/crm/v3/objects/deals`, and the same rows flattened by json_normalize
as `properties.dealname`, by Airbyte as `properties_dealname`, by Fivetran as
`property_dealname`) carry internal names: `hs_object_id`, `dealname`, `dealstage` as an internal
stage id (`appointmentscheduled`, `closedwon`, `closedlost` in the default pipeline; numbers in
portals' own pipelines), `pipeline` (`default` or a number), `hubspot_owner_id`, `closedate`,
`createdate` (ISO with `Z`), `hs_is_closed_won`, `hs_is_closed`. Source:
developers.hubspot.com/docs/api/crm/deals ("you must use the internal ID of a deal stage or
pipeline"). Numeric stage ids state no outcome: without the flags such a dump cannot say which
deals closed, and a warning says what to export.
"""

from __future__ import annotations

import re

import pandas as pd

from audit.ingest.profiles.base import (
    FinishContext,
    Profile,
    TableSpec,
    expected_close_for_open,
    truthy,
)
from audit.ingest.profiles.points import CONTACT_PATTERNS, collecting_points
from audit.ingest.profiles.status import deal_status
from audit.model.warnings import InputWarning

# The default pipeline's closed stages, by label (UI exports) and by internal id (API dumps).
WON = ("Closed Won", "Closed won", "closedwon")
LOST = ("Closed Lost", "Closed lost", "closedlost")
ENTERED = re.compile(r'^_?date entered\s*["“\']?(.+?)\s*\((.+)\)["”\']?\s*$', re.IGNORECASE)

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
    # Flag labels are compared without case: "Is closed won" is "Is Closed Won".
    "Is Closed Won": "_is_won", "Is Closed Won?": "_is_won", "Is Deal Closed?": "_is_closed",
    "Is Deal Closed": "_is_closed", "Is Closed": "_is_closed", "Is Closed?": "_is_closed",
    "Is Closed Lost": "_is_lost", "Is Closed Lost?": "_is_lost",
    "Deal probability": "_probability", "Deal Stage Probability": "_probability",
    "Created by user": "created_by", "Created by": "created_by",
}

# Internal property names of the CRM API (v3 and its flattened forms), first present wins.
API_PROPERTIES = {
    "hs_object_id": "deal_id", "dealname": "title", "dealstage": "stage", "pipeline": "pipeline",
    "hubspot_owner_id": "owner", "amount": "amount", "deal_currency_code": "currency",
    "createdate": "created_at", "hs_createdate": "created_at", "closedate": "closed_at",
    "closed_lost_reason": "lost_reason", "notes_last_contacted": "last_activity_at",
    "hs_lastactivitydate": "last_activity_at", "hs_analytics_source": "source",
    "hs_is_closed_won": "_is_won", "hs_is_closed": "_is_closed", "hs_is_closed_lost": "_is_lost",
    "hs_deal_stage_probability": "_probability", "hs_created_by_user_id": "created_by",
}
API_PREFIXES = ("", "properties.", "properties_", "property_")
API_DEALS_COLUMNS = {
    **{prefix + name: col for name, col in API_PROPERTIES.items() for prefix in API_PREFIXES},
    # The v3 record's own id and creation time, beside its properties.
    "id": "deal_id", "createdAt": "created_at",
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


def _flags(frame: pd.DataFrame) -> pd.Series | None:
    """Per deal: won / lost / open from the exported flags, "closed" when only the closed flag
    says something, None where no flag does."""
    has = {c: c in frame.columns and frame[c].notna().any() for c in ("_is_won", "_is_closed", "_is_lost")}
    if not any(has.values()):
        return None
    flags = pd.Series(None, index=frame.index, dtype=object)
    if has["_is_closed"]:
        closed = truthy(frame["_is_closed"])
        flags[closed] = "closed"
        flags[~closed & frame["_is_closed"].notna()] = "open"
        if has["_is_won"]:
            flags[closed & ~truthy(frame["_is_won"]) & frame["_is_won"].notna()] = "lost"
    if has["_is_lost"]:
        flags[truthy(frame["_is_lost"])] = "lost"
    if has["_is_won"]:
        flags[truthy(frame["_is_won"])] = "won"
    return flags


def _deals_finish(frame: pd.DataFrame, ctx: FinishContext) -> dict[str, pd.DataFrame]:
    frame = frame.copy()
    frame["status"] = deal_status(frame["stage"], ctx, flags=_flags(frame), probability=frame.get("_probability"),
                                  what="the stage labels")
    # A close date on an open deal is HubSpot's expected close date.
    frame = expected_close_for_open(frame)
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


def _api_deals_finish(frame: pd.DataFrame, ctx: FinishContext) -> dict[str, pd.DataFrame]:
    """An API dump: as an export, and a warning when its stages are numeric ids with no flag to
    say which deals closed (every such deal would otherwise be read as open, silently)."""
    tables = _deals_finish(frame, ctx)
    stages = frame["stage"].astype("str").str.strip()
    flags = _flags(frame)
    # No flag said anything about these deals (a dump may carry hs_is_closed_won alone: false
    # does not tell lost from open).
    silent = flags.isna() if flags is not None else pd.Series(True, index=frame.index)
    numeric = (frame["stage"].notna() & stages.str.fullmatch(r"\d+") & silent
               & tables["deals"]["status"].reindex(frame.index).eq("open"))
    declared = ctx.declared_won or ctx.declared_lost  # [status] in crm-audit.toml: the user said
    if numeric.any() and not declared:
        ids = list(dict.fromkeys(stages[numeric]))
        shown = ", ".join(ids[:5]) + (", ..." if len(ids) > 5 else "")
        ctx.warn(InputWarning(
            code="status-unknown",
            message=(f"{int(numeric.sum()):,} deals are in stages known only by their internal id ({shown}) and no "
                     f"hs_is_closed / hs_is_closed_won value says whether they closed: they are read as open, won "
                     f"or lost deals among them would be missed. Request those properties with the deals, or declare the "
                     f"closed stage ids in crm-audit.toml: [status] won = [...], lost = [...]."),
            message_ru=(f"{int(numeric.sum()):,} сделок стоят на этапах, известных только по внутреннему id "
                        f"({shown}), и ни hs_is_closed, ни hs_is_closed_won не говорит, закрыты ли они: они считаются "
                        f"открытыми, выигранные и проигранные среди них не видны. Запросите эти свойства вместе со "
                        f"сделками или перечислите id финальных этапов в crm-audit.toml: [status] won = [...], "
                        f"lost = [...]."),
            numbers={"deals": int(numeric.sum()), "stage_ids": ids}))
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
        TableSpec(table="deals", label="Deals", columns=DEALS_COLUMNS, finish=collecting_points(_deals_finish, "deals"),
                  key=(("Record ID", "Deal ID", "Record ID - Deal"), ("Deal Name",), ("Deal Stage",)),
                  helper_patterns=((r"^date entered\b", "datetime"), *CONTACT_PATTERNS)),
        TableSpec(table="deals", label="Deals (API)", columns=API_DEALS_COLUMNS,
                  finish=collecting_points(_api_deals_finish, "deals"),
                  key=tuple(tuple(p + n for p in API_PREFIXES) for n in ("dealstage", "dealname"))
                  + (("id", *(p + "hs_object_id" for p in API_PREFIXES)),),
                  exclude=("Deal Stage", "Deal Name")),
        TableSpec(table="activities", label="Activities", columns=ACTIVITY_COLUMNS,
                  finish=_activities_finish,
                  key=(("Associated Deal IDs", "Associated Deal ID"),
                       ("Activity date", "Activity Date", "Timestamp"))),
    ),
)
