"""Salesforce ids across files: record types, accounts, contacts, and activities off opportunities.

Data Loader exports carry ids: `Opportunity.RecordTypeId` (the pipeline: a record type is a
sales process), `AccountId` (the company), `ContactId`; they resolve through the `RecordType`
(Id, Name, DeveloperName, SobjectType), `Account` (Id, Name) and `Contact` exports, as `OwnerId`
resolves through `User`. Ids with nothing to name them stay, with an `ids-unresolved` warning.

Tasks and Events hang on whatever WhatId / WhoId point to; the key prefix says what that is
(006 Opportunity, 001 Account, 003 Contact, 00Q Lead). Only those on an opportunity are deal
activities. One on an account (directly, or through its contact's AccountId) is linked to that
account's opportunity when exactly one was open at the time; the rest are left out. A warning
per file counts them, by what they hang on, and says how many were linked.
"""

from __future__ import annotations

from dataclasses import replace

import pandas as pd

from audit.ingest.profiles.activities import off_deal_warning
from audit.ingest.profiles.base import Assembly, FinishContext
from audit.ingest.profiles.salesforce_contacts import add_contact_points
from audit.ingest.profiles.lookups import declared, id_names, ids_warning, resolve, unresolved
from audit.ingest.values import parse_activity_type
from audit.model import SCHEMA

RECORD_TYPES, ACCOUNTS, CONTACTS = "salesforce.record_types", "salesforce.accounts", "salesforce.contacts"
OFF_OPPORTUNITY = "salesforce.off_opportunity"  # activities whose WhatId is not an opportunity
PREFIX_KIND = {"006": "opportunity", "001": "account", "003": "contact", "00Q": "lead"}
NOUNS = {"Task": ("tasks", "задач"), "Event": ("events", "событий")}


def id_pattern(prefix: str) -> str:
    return prefix + r"[A-Za-z0-9]{12}(?:[A-Za-z0-9]{3})?"


def _prefix_kind(values: pd.Series | None, index: pd.Index) -> pd.Series:
    """opportunity / account / contact / lead / other by key prefix; None where no id."""
    if values is None:
        return pd.Series(None, index=index, dtype=object)
    text = values.astype("str").str.strip()
    return text.str[:3].map(PREFIX_KIND).fillna("other").where(values.notna() & text.ne(""))


def split_off_opportunity(frame: pd.DataFrame, ctx: FinishContext, label: str) -> pd.DataFrame:
    """The rows on an opportunity (WhatId 006...); the others are set aside for `assemble`
    with what they hang on (`_kind`: account, contact, lead, other, nothing)."""
    what = _prefix_kind(frame.get("_what"), frame.index)
    who = _prefix_kind(frame.get("_who"), frame.index)
    on_opportunity = what.eq("opportunity")
    frame = frame.assign(deal_id=frame["_what"].where(on_opportunity) if "_what" in frame.columns else None)
    if not on_opportunity.all():
        kind = (what.where(what.isin(["account", "lead"])).fillna(who.where(who.isin(["contact", "lead"])))
                .fillna(what.where(what.eq("other"))).fillna("nothing"))
        off = frame[~on_opportunity].assign(_kind=kind[~on_opportunity], _total=len(frame), _object=label)
        ctx.lookup(OFF_OPPORTUNITY, off)
    return frame[on_opportunity]


def assemble(a: Assembly) -> None:
    _link_off_opportunity(a)  # on account ids, before they become names
    contacts = a.lookups.get(CONTACTS)
    add_contact_points(a, contacts)  # on account and contact ids too
    record_types = a.lookups.get(RECORD_TYPES)
    if record_types is not None and "_sobject" in record_types.columns:
        record_types = record_types[record_types["_sobject"].isna() | record_types["_sobject"].eq("Opportunity")]
    resolve(a, "deals", ("pipeline",), id_names(record_types, "_id", "_name"))
    resolve(a, "deals", ("company",), id_names(a.lookups.get(ACCOUNTS), "_id", "_name"))
    resolve(a, "deals", ("contact",), _contact_names(contacts))
    _warn_unresolved(a)


def _contact_names(contacts: pd.DataFrame | None) -> pd.Series:
    if contacts is None:
        return pd.Series(dtype="str")
    if "_name" not in contacts.columns or contacts["_name"].isna().all():
        parts = [contacts[c].fillna("").astype("str") if c in contacts.columns else "" for c in ("_first", "_last")]
        contacts = contacts.assign(_name=(parts[0] + " " + parts[1]).str.strip().replace("", None))
    return id_names(contacts, "_id", "_name")


def _link_off_opportunity(a: Assembly) -> None:
    off = a.lookups.get(OFF_OPPORTUNITY)
    if off is None or not len(off):
        return
    account = off["_what"].where(off["_kind"].eq("account"))
    contacts = a.lookups.get(CONTACTS)
    if contacts is not None and "_account" in contacts.columns:
        via_contact = off["_who"].map(id_names(contacts, "_id", "_account"))
        account = account.fillna(via_contact.where(off["_kind"].eq("contact")))
    deal_of = _single_open_opportunity(a.tables.get("deals"), account, off["at"])
    linked = off[deal_of.notna()].assign(deal_id=deal_of[deal_of.notna()])
    if len(linked):
        keep = [c.name for c in SCHEMA["activities"] if c.name in linked.columns] + ["_row"]
        linked = linked[[c for c in keep if c in linked.columns]]
        if "type" in linked.columns:  # set aside before ingestion normalised the types of the others
            linked = linked.assign(type=parse_activity_type(linked["type"])[0])
        current = a.tables.get("activities")
        a.tables["activities"] = linked if current is None else pd.concat([current, linked], ignore_index=True)
    counted = off.assign(_linked=deal_of.notna())
    for (file, label), rows in counted.groupby(["_file", "_object"], sort=False):
        warning = off_deal_warning(rows, int(rows["_total"].iloc[0]), noun=NOUNS.get(label, ("activities", "дел")),
                                   kinds=rows["_kind"], linked=int(rows["_linked"].sum()))
        a.warn(replace(warning, file=file))


def _single_open_opportunity(deals: pd.DataFrame | None, account: pd.Series, at: pd.Series) -> pd.Series:
    """Per activity, the id of the one opportunity of its account open at its time, else None."""
    out = pd.Series(None, index=account.index, dtype=object)
    if deals is None or "company" not in deals.columns or account.isna().all():
        return out
    opps = deals.loc[deals["company"].notna(), ["deal_id", "company", "created_at", "closed_at"]]
    acts = pd.DataFrame({"_act": account.index, "company": account.to_numpy(), "at": at.to_numpy()}).dropna()
    pairs = acts.merge(opps, on="company")
    open_then = (pairs["created_at"].isna() | (pairs["created_at"] <= pairs["at"])) & (
        pairs["closed_at"].isna() | (pairs["at"] <= pairs["closed_at"]))
    pairs = pairs[open_then]
    single = pairs.groupby("_act")["deal_id"].agg(["count", "first"])
    single = single[single["count"] == 1]["first"]
    out.loc[single.index] = single.to_numpy()
    return out


UNRESOLVED = {
    # kind: (prefix, what, what_ru, export)
    "record_type": ("012", "the pipeline (RecordTypeId)", "воронка (RecordTypeId)",
                    "RecordType (Id, Name, DeveloperName, SobjectType)"),
    "account": ("001", "the company (AccountId)", "компания (AccountId)", "Account (Id, Name)"),
    "contact": ("003", "the contact (ContactId)", "контакт (ContactId)", "Contact (Id, Name)"),
}
LOOKUP_OF = {"record_type": RECORD_TYPES, "account": ACCOUNTS, "contact": CONTACTS}


def _warn_unresolved(a: Assembly) -> None:
    for kind, (prefix, what, what_ru, export) in UNRESOLVED.items():
        for table, column, file in declared(a, kind):
            counts = unresolved(a, table, column, id_pattern(prefix))
            if len(counts):
                a.warn(ids_warning(counts, column=f"{table}.{column}", what=what, what_ru=what_ru,
                                   rows_of=("opportunity", "opportunities"), rows_of_ru="сделок", export=export,
                                   export_ru=export, file=file, present=LOOKUP_OF[kind] in a.lookups))
