"""Zoho CRM: Deals (older "Potentials" labels), Calls, Events, Leads, Users.

Stages "Closed Won" / "Closed Lost" / "Closed Lost to Competition" decide the status;
"Closing Date" is the real close date of closed deals and the expected one of open ones.
Calls and events link to deals by POTENTIALID / "What Id" ("0" means no link); those that
link only to an account, a contact or a lead are not deal activities, and a warning per file
says how many there were and what they linked to.
"""

from __future__ import annotations

import pandas as pd

from audit.ingest.profiles.activities import off_deal_warning
from audit.ingest.profiles.base import (
    FinishContext,
    Profile,
    TableSpec,
    expected_close_for_open,
    relabel,
    users_finish,
)
from audit.ingest.profiles.points import CONTACT_PATTERNS, collecting_points
from audit.ingest.profiles.status import deal_status

WON = ("Closed Won", "Closed (Won)", "Won")
LOST = ("Closed Lost", "Closed Lost to Competition", "Closed (Lost)", "Lost")

DEALS_COLUMNS = {
    "Record Id": "deal_id", "Deal Id": "deal_id", "Potential Id": "deal_id", "POTENTIALID": "deal_id",
    "Id": "deal_id",
    "Potential Name": "title", "Deal Name": "title",
    "Potential Owner": "owner", "Deal Owner": "owner",
    "Stage": "stage", "Pipeline": "pipeline", "Layout": "pipeline",
    "Amount": "amount", "Currency": "currency",
    "Created Time": "created_at", "Created By": "created_by",
    "Closing Date": "closed_at",
    "Lead Source": "source", "Account Name": "company", "Contact Name": "contact",
    "Reason For Loss": "lost_reason", "Reason for Loss": "lost_reason", "Loss Reason": "lost_reason",
    "Last Activity Time": "last_activity_at",
}

CALL_COLUMNS = {
    "TASKID": "activity_id", "Call Id": "activity_id", "Record Id": "activity_id",
    "POTENTIALID": "deal_id", "Deal Id": "deal_id", "What Id": "_what_id",
    "Call Start Time": "at", "Call Owner": "owner", "Subject": "subject", "Call Type": "direction",
    "Call Duration (in seconds)": "duration_s", "Call Result": "result", "Call Purpose": "_purpose",
    "Created Time": "created_at", "ACCOUNTID": "_account", "CONTACTID": "_contact", "LEADID": "_lead",
}

EVENT_COLUMNS = {
    "EVENTID": "activity_id", "Event Id": "activity_id", "Record Id": "activity_id",
    "POTENTIALID": "deal_id", "Deal Id": "deal_id", "What Id": "_what_id",
    "Start DateTime": "at", "Event Owner": "owner", "Subject": "subject", "Event Title": "subject",
    "Created Time": "created_at", "ACCOUNTID": "_account", "CONTACTID": "_contact", "LEADID": "_lead",
}

LEAD_COLUMNS = {
    "LEADID": "lead_id", "Record Id": "lead_id", "Lead Id": "lead_id",
    "Lead Status": "status", "Lead Owner": "owner", "Lead Source": "source", "Created Time": "created_at",
    "CONVERTED": "_converted", "Converted": "_converted",
}

USER_COLUMNS = {"USER_ID": "user_id", "User Id": "user_id", "First Name": "_first", "Last Name": "_last",
                "Full Name": "owner", "Role": "team", "Profile": "_profile", "Status": "_status"}

LEAD_STATUS_RULES = [
    (r"junk|lost|not qualified|disqualif|no interest|closed", "disqualified"),
    (r"pre-?qualified|qualified", "qualified"),
    (r"not contacted|^new", "new"),
    (r"contact|attempt|future|working", "working"),
    (r"convert", "converted"),
]


def _deals_finish(frame: pd.DataFrame, ctx: FinishContext) -> dict[str, pd.DataFrame]:
    frame = frame.assign(status=deal_status(frame["stage"], ctx))
    return {"deals": expected_close_for_open(frame)}


def _linked(frame: pd.DataFrame, ctx: FinishContext, kind: str) -> dict[str, pd.DataFrame]:
    frame = frame.copy()
    if "deal_id" not in frame.columns or frame["deal_id"].isna().all():
        frame["deal_id"] = frame.get("_what_id")
    # Zoho writes 0 or nothing for "not linked to a deal": those are not deal activities.
    frame["deal_id"] = frame["deal_id"].where(~frame["deal_id"].astype("str").str.strip().isin(["0", ""]))
    on_deal = frame["deal_id"].notna()
    if not on_deal.all():
        ctx.warn(off_deal_warning(frame[~on_deal], len(frame), noun=NOUNS[kind],
                                  links={"account": "_account", "contact": "_contact", "lead": "_lead"}))
    frame = frame[on_deal]
    frame["type"] = kind
    return {"activities": frame}


NOUNS = {"call": ("calls", "звонков"), "meeting": ("events", "событий")}


PROFILE = Profile(
    name="zoho",
    label="Zoho CRM",
    dayfirst=None,
    won_stages=WON,
    lost_stages=LOST,
    tables=(
        TableSpec(table="deals", label="Deals / Potentials", columns=DEALS_COLUMNS,
                  finish=collecting_points(_deals_finish, "deals"), helper_patterns=CONTACT_PATTERNS,
                  key=(("Potential Name", "Deal Name"), ("Potential Owner", "Deal Owner"), "Stage",
                       ("Closing Date", "Created Time"))),
        TableSpec(table="activities", label="Calls", columns=CALL_COLUMNS,
                  finish=lambda f, c: _linked(f, c, "call"),
                  key=("Call Start Time", ("POTENTIALID", "Deal Id", "What Id"))),
        TableSpec(table="activities", label="Events", columns=EVENT_COLUMNS,
                  finish=lambda f, c: _linked(f, c, "meeting"),
                  key=("Start DateTime", ("POTENTIALID", "Deal Id", "What Id"), ("Event Owner", "EVENTID"))),
        TableSpec(table="leads", label="Leads", columns=LEAD_COLUMNS, finish=collecting_points(relabel("leads", "status", LEAD_STATUS_RULES), "leads"),
                  helper_patterns=CONTACT_PATTERNS,
                  key=(("LEADID", "Lead Id", "Record Id"), "Lead Status", ("Lead Owner", "Created Time"))),
        TableSpec(table="users", label="Users", columns=USER_COLUMNS, finish=users_finish,
                  key=(("USER_ID", "User Id"), ("First Name", "Last Name", "Full Name")),
                  exclude=("LEADID", "CONTACTID", "ACCOUNTID")),
    ),
)
