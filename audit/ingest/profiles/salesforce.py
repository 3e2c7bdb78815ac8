"""Salesforce: API-name exports (Data Loader, weekly data export: Opportunity,
OpportunityHistory, OpportunityFieldHistory, Task, Event, Lead, User, and RecordType, Account,
Contact to name the ids: see salesforce_links.py) and report exports with their labels
("Opportunity Name", "Opportunity Owner", "Stage" ...), including "formatted" XLSX reports with
title rows and totals (the reader strips those).

Won/lost from IsWon/IsClosed (or the report's "Won"/"Closed"), else the standard stages
"Closed Won" / "Closed Lost". CloseDate is the real close date of closed opportunities
and the expected one of open ones. Ids stay 15/18-character Salesforce ids; OwnerId is
resolved to a name when a User export is present.
"""

from __future__ import annotations

import pandas as pd

from audit.ingest.profiles.base import (
    FinishContext,
    Profile,
    TableSpec,
    expected_close_for_open,
    truthy,
    users_finish,
)
from audit.ingest.profiles import salesforce_links as links
from audit.ingest.profiles import salesforce_contacts as contacts
from audit.ingest.profiles.activities import plans_warning
from audit.ingest.profiles.lookups import declare_ids
from audit.ingest.profiles.points import CONTACT_PATTERNS, collecting_points
from audit.ingest.profiles.status import deal_status

WON = ("Closed Won",)
LOST = ("Closed Lost",)

OPPORTUNITY_COLUMNS = {
    "Id": "deal_id", "Opportunity ID": "deal_id", "Opportunity Id": "deal_id",
    "Name": "title", "Opportunity Name": "title",
    "StageName": "stage", "Stage": "stage",
    "Amount": "amount", "Amount (converted)": "_amount_converted",
    "CurrencyIsoCode": "currency", "Opportunity Currency": "currency", "Amount Currency": "currency",
    "CloseDate": "closed_at", "Close Date": "closed_at",
    "CreatedDate": "created_at", "Created Date": "created_at",
    "CreatedById": "created_by", "Created By": "created_by",
    "Owner.Name": "owner", "Opportunity Owner": "owner", "Owner Name": "owner", "OwnerName": "owner",
    "OwnerId": "owner",
    "IsClosed": "_is_closed", "Closed": "_is_closed",
    "IsWon": "_is_won", "Won": "_is_won", "Probability": "_probability", "Probability (%)": "_probability",
    "LeadSource": "source", "Lead Source": "source",
    "Account.Name": "company", "Account Name": "company", "AccountId": "company",
    "LastActivityDate": "last_activity_at", "Last Activity": "last_activity_at",
    "Loss_Reason__c": "lost_reason", "Loss Reason": "lost_reason", "Reason_Lost__c": "lost_reason",
    "Closed_Lost_Reason__c": "lost_reason", "Lost Reason": "lost_reason",
    "Pipeline__c": "pipeline", "RecordType.Name": "pipeline", "Opportunity Record Type": "pipeline",
    "Sales Process": "pipeline", "RecordTypeId": "pipeline",
    "ContactId": "contact", "Contact.Name": "contact",
    # "Opportunities with Products" reports: one row per product line.
    "Product Name": "_product", "Product": "_product", "Product Code": "_product", "Quantity": "_quantity",
    "Sales Price": "_sales_price", "List Price": "_list_price", "Total Price": "_total_price",
}

HISTORY_COLUMNS = {
    "OpportunityId": "deal_id", "Opportunity ID": "deal_id",
    "StageName": "to_stage", "To Stage": "to_stage", "Stage": "to_stage",
    "FromOpportunityStageName": "from_stage", "From Stage": "from_stage",
    "CreatedDate": "changed_at", "Last Modified": "changed_at", "Edit Date": "changed_at",
    "CreatedById": "changed_by", "Last Modified By": "changed_by", "Edited By": "changed_by",
    "IsDeleted": "_deleted",
}

FIELD_HISTORY_COLUMNS = {
    "OpportunityId": "deal_id", "Field": "_field", "OldValue": "from_stage", "NewValue": "to_stage",
    "CreatedDate": "changed_at", "CreatedById": "changed_by", "IsDeleted": "_deleted",
}

TASK_COLUMNS = {
    "Id": "activity_id", "WhatId": "_what", "WhoId": "_who", "Subject": "subject",
    "TaskSubtype": "type", "Type": "_type2", "ActivityDate": "_due", "CompletedDateTime": "at",
    "CreatedDate": "created_at", "OwnerId": "owner", "Status": "result",
    "CallDurationInSeconds": "duration_s", "CallType": "direction", "IsDeleted": "_deleted",
    "IsClosed": "_closed",
}
# The standard Task Status values of a task not yet done (a custom status is judged by IsClosed).
OPEN_TASK_STATUSES = ("not started", "in progress", "waiting on someone else", "deferred", "open")

EVENT_COLUMNS = {
    "Id": "activity_id", "WhatId": "_what", "WhoId": "_who", "Subject": "subject", "StartDateTime": "at",
    "ActivityDateTime": "_at2", "CreatedDate": "created_at", "OwnerId": "owner", "Type": "_type2",
    "DurationInMinutes": "_minutes", "IsDeleted": "_deleted",
}

RECORD_TYPE_COLUMNS = {"Id": "_id", "Name": "_name", "DeveloperName": "_developer_name",
                       "SobjectType": "_sobject", "IsActive": "_active"}
ACCOUNT_COLUMNS = {"Id": "_id", "Name": "_name", "IsDeleted": "_deleted"}
CONTACT_COLUMNS = {"Id": "_id", "Name": "_name", "FirstName": "_first", "LastName": "_last",
                   "AccountId": "_account", "IsDeleted": "_deleted", "Phone": "_phone", "MobilePhone": "_mobile",
                   "OtherPhone": "_other_phone", "Email": "_email"}

LEAD_COLUMNS = {
    "Id": "lead_id", "Lead ID": "lead_id", "Status": "status", "Lead Status": "status",
    "OwnerId": "owner", "Lead Owner": "owner", "LeadSource": "source", "Lead Source": "source",
    "CreatedDate": "created_at", "Create Date": "created_at",
    "ConvertedOpportunityId": "converted_deal_id", "IsConverted": "_converted", "Converted": "_converted",
    "Unqualified_Reason__c": "disqualify_reason", "Reason": "disqualify_reason",
}

USER_COLUMNS = {
    "Id": "user_id", "User ID": "user_id", "Name": "owner", "Full Name": "owner",
    "FirstName": "_first", "LastName": "_last", "IsActive": "active", "Active": "active",
    "UserRole.Name": "team", "Department": "team", "Role": "team",
}

LEAD_STATUS_RULES = [
    (r"closed\s*-\s*converted|^converted|qualified -? ?converted", "converted"),
    (r"closed\s*-\s*not converted|unqualified|disqualif|junk|not interested|closed|lost|dead", "disqualified"),
    (r"^qualified|qualif", "qualified"),
    (r"open\s*-\s*not contacted|^new|not contacted|^open", "new"),
    (r"working|contacted|nurtur|attempt", "working"),
]


def _drop_deleted(frame: pd.DataFrame) -> pd.DataFrame:
    if "_deleted" in frame.columns:
        return frame[~truthy(frame["_deleted"])]
    return frame


def _flags(frame: pd.DataFrame) -> pd.Series | None:
    """won / lost / open from IsClosed and IsWon (or the report's Closed / Won), "closed" when
    only IsClosed was exported, None where neither says anything."""
    has_closed = "_is_closed" in frame.columns and frame["_is_closed"].notna().any()
    has_won = "_is_won" in frame.columns and frame["_is_won"].notna().any()
    if not (has_closed or has_won):
        return None
    flags = pd.Series(None, index=frame.index, dtype=object)
    if has_closed:
        closed = truthy(frame["_is_closed"])
        flags[closed] = "lost" if has_won else "closed"
        flags[~closed & frame["_is_closed"].notna()] = "open"
    if has_won:
        flags[truthy(frame["_is_won"])] = "won"
    return flags


def _one_row_per_opportunity(frame: pd.DataFrame, ctx: FinishContext) -> pd.DataFrame:
    """An "Opportunities with Products" report repeats the opportunity (and its Amount) on each
    product line: keep one row per opportunity. Amount is the opportunity's, never summed; a
    report without it gets the sum of its lines' Total Price."""
    if "_product" not in frame.columns:
        return frame
    if "deal_id" in frame.columns and frame["deal_id"].notna().all():
        key = [frame["deal_id"]]
    else:
        key = [frame[c] for c in ("title", "owner", "created_at", "stage", "closed_at") if c in frame.columns]
    group = pd.Series(pd.MultiIndex.from_arrays(key).factorize()[0], index=frame.index)
    first = ~group.duplicated()
    out = frame[first].copy()
    if ("amount" not in frame.columns or frame["amount"].isna().all()) and "_total_price" in frame.columns:
        totals = pd.to_numeric(frame["_total_price"], errors="coerce").groupby(group).sum(min_count=1)
        out["amount"] = group[first].map(totals).to_numpy()
    if first.sum() < len(frame):
        ctx.note(f"{len(frame)} product lines read as {int(first.sum())} opportunities")
    return out


# A dump with relationship fields carries the name beside the id (Workbench, the REST API:
# `OwnerId` and `Owner.Name`); whichever comes first takes the column, and the name, when it came
# second, is kept by this pattern to replace the id.
RELATED_NAMES = ((r"^(owner|account|recordtype|contact)\.name$", "text"),)
RELATED_COLUMN = {"owner": "owner", "account": "company", "recordtype": "pipeline", "contact": "contact"}


def _names_over_ids(frame: pd.DataFrame) -> pd.DataFrame:
    for helper in [c for c in frame.columns if c.startswith("_") and c.lower().endswith(".name")]:
        column = RELATED_COLUMN.get(helper[1:].lower().split(".")[0])
        if column:
            names = frame[helper]
            frame[column] = names.fillna(frame[column]) if column in frame.columns else names
    return frame


def _opportunity_finish(frame: pd.DataFrame, ctx: FinishContext) -> dict[str, pd.DataFrame]:
    frame = _names_over_ids(_one_row_per_opportunity(frame.copy(), ctx))
    frame["status"] = deal_status(frame["stage"], ctx, flags=_flags(frame), probability=frame.get("_probability"))
    declare_ids(ctx, "deals", frame, {"pipeline": "record_type", "company": "account", "contact": "contact"})
    return {"deals": expected_close_for_open(frame)}


def _history_finish(frame: pd.DataFrame, ctx: FinishContext) -> dict[str, pd.DataFrame]:
    frame = _drop_deleted(frame)
    if "_field" in frame.columns:
        frame = frame[frame["_field"].astype("str").str.strip().str.lower().isin(["stagename", "stage"])]
    # OpportunityHistory also records amount and date edits: keep only rows where the stage changed.
    frame = frame.sort_values(["deal_id", "changed_at"], kind="stable")
    same_deal = frame["deal_id"].eq(frame["deal_id"].shift())
    same_stage = frame["to_stage"].eq(frame["to_stage"].shift())
    return {"stage_history": frame[~(same_deal & same_stage)]}


def _task_finish(frame: pd.DataFrame, ctx: FinishContext) -> dict[str, pd.DataFrame]:
    frame = _drop_deleted(frame).copy()
    kind = frame["type"] if "type" in frame.columns else pd.Series(None, index=frame.index, dtype=object)
    if "_type2" in frame.columns:
        kind = kind.fillna(frame["_type2"])
    frame["type"] = kind.fillna(frame.get("subject"))
    at = frame["at"] if "at" in frame.columns else pd.Series(pd.NaT, index=frame.index)
    for fallback in ("_due", "created_at"):
        if fallback in frame.columns:
            at = at.fillna(frame[fallback])
    frame["at"] = at
    # Only tasks on opportunities (WhatId prefix 006) belong to deals.
    frame = links.split_off_opportunity(frame, ctx, "Task")
    return {"activities": _without_open_tasks(frame, ctx)}


def _without_open_tasks(frame: pd.DataFrame, ctx: FinishContext) -> pd.DataFrame:
    """A task not yet closed (IsClosed false, or Status "Not Started", "In Progress" ... when
    IsClosed was not exported) is a plan, dated by its due date: not a contact with the client."""
    if "_closed" in frame.columns and frame["_closed"].notna().any():
        plan = ~truthy(frame["_closed"]) & frame["_closed"].notna()
    elif "result" in frame.columns:
        plan = frame["result"].astype("str").str.strip().str.lower().isin(OPEN_TASK_STATUSES)
    else:
        return frame
    if plan.any():
        ctx.warn(plans_warning(int(plan.sum()), len(frame), noun=("tasks", "задач"),
                               marked=("IsClosed = false or Status 'Not Started'",
                                       "IsClosed = false или Status «Not Started»")))
    return frame[~plan]


def _event_finish(frame: pd.DataFrame, ctx: FinishContext) -> dict[str, pd.DataFrame]:
    frame = _drop_deleted(frame).copy()
    frame["type"] = frame["_type2"].fillna("meeting") if "_type2" in frame.columns else "meeting"
    if "_at2" in frame.columns:
        frame["at"] = frame["at"].fillna(frame["_at2"])
    if "_minutes" in frame.columns:
        frame["duration_s"] = pd.to_numeric(frame["_minutes"], errors="coerce") * 60
    return {"activities": links.split_off_opportunity(frame, ctx, "Event")}


def _lookup(name: str):
    def finish(frame: pd.DataFrame, ctx: FinishContext) -> dict[str, pd.DataFrame]:
        ctx.lookup(name, _drop_deleted(frame))
        return {}
    return finish


def _lead_finish(frame: pd.DataFrame, ctx: FinishContext) -> dict[str, pd.DataFrame]:
    from audit.ingest.values import map_labels
    frame = frame.copy()
    status, _ = map_labels(frame["status"], LEAD_STATUS_RULES)
    if "_converted" in frame.columns:
        status = status.where(~truthy(frame["_converted"]), "converted")
    frame["status"] = status
    return {"leads": frame}


PROFILE = Profile(
    name="salesforce",
    label="Salesforce",
    dayfirst=False,
    won_stages=WON,
    lost_stages=LOST,
    tables=(
        TableSpec(table="deals", label="Opportunity", columns=OPPORTUNITY_COLUMNS, finish=_opportunity_finish,
                  dayfirst=False,
                  key=(("Id", "Opportunity ID", "Opportunity Id", "Opportunity Name"),
                       ("StageName", "Stage"),
                       ("Name", "Opportunity Name"),
                       ("IsWon", "IsClosed", "CloseDate", "Close Date", "Opportunity Owner", "OwnerId")),
                  exclude=("OpportunityId", "WhatId"), helper_kinds={"_total_price": "float"},
                  helper_patterns=RELATED_NAMES),
        TableSpec(table="stage_history", label="OpportunityHistory", columns=HISTORY_COLUMNS,
                  finish=_history_finish, dayfirst=False,
                  key=(("OpportunityId", "Opportunity ID"), ("StageName", "To Stage", "Stage"),
                       ("CreatedDate", "Last Modified", "Edit Date")),
                  exclude=("Field",)),
        TableSpec(table="stage_history", label="OpportunityFieldHistory", columns=FIELD_HISTORY_COLUMNS,
                  finish=_history_finish, dayfirst=False,
                  key=("OpportunityId", "Field", "NewValue", "CreatedDate")),
        TableSpec(table="activities", label="Task", columns=TASK_COLUMNS, finish=_task_finish, dayfirst=False,
                  key=("WhatId", ("Status", "TaskSubtype", "Priority", "ActivityDate")),
                  exclude=("StartDateTime",)),
        TableSpec(table="activities", label="Event", columns=EVENT_COLUMNS, finish=_event_finish,
                  dayfirst=False, key=("WhatId", ("StartDateTime", "ActivityDateTime"))),
        TableSpec(table="leads", label="Lead", columns=LEAD_COLUMNS, finish=collecting_points(_lead_finish, "leads"),
                  dayfirst=False, helper_patterns=CONTACT_PATTERNS,
                  key=(("Id", "Lead ID"), ("Status", "Lead Status"),
                       ("IsConverted", "ConvertedOpportunityId", "Converted", "Company"))),
        TableSpec(table="users", label="User", columns=USER_COLUMNS, finish=users_finish, dayfirst=False,
                  key=("Id", ("Username", "Alias", "IsActive", "UserRoleId", "Email"),
                       ("Name", "FirstName", "LastName")),
                  exclude=("AccountId", "StageName", "Status", "WhatId", "OpportunityId")),
        TableSpec(table="lookup", label="RecordType", columns=RECORD_TYPE_COLUMNS,
                  finish=_lookup(links.RECORD_TYPES), dayfirst=False,
                  key=("Id", "Name", "SobjectType", ("DeveloperName", "BusinessProcessId", "IsActive"))),
        TableSpec(table="lookup", label="Account", columns=ACCOUNT_COLUMNS, finish=_lookup(links.ACCOUNTS),
                  dayfirst=False,
                  key=("Id", "Name", ("Type", "ParentId", "BillingCity", "BillingCountry", "Industry", "AccountNumber",
                                      "AnnualRevenue", "NumberOfEmployees", "Website", "AccountSource")),
                  exclude=("StageName", "AccountId", "WhatId", "Status", "Username", "SobjectType", "IsConverted")),
        TableSpec(table="lookup", label="Contact", columns=CONTACT_COLUMNS, finish=_lookup(links.CONTACTS),
                  dayfirst=False,
                  key=("Id", "AccountId", ("Name", "LastName", "FirstName")),
                  exclude=("StageName", "WhatId", "OpportunityId", "IsConverted", "CloseDate", "Username")),
        TableSpec(table="lookup", label="OpportunityContactRole", columns=contacts.ROLE_COLUMNS,
                  finish=_lookup(contacts.CONTACT_ROLES), dayfirst=False,
                  key=("OpportunityId", "ContactId", ("Role", "IsPrimary"))),
    ),
    assemble=links.assemble,
)
