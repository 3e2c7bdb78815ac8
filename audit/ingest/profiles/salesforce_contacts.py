"""Salesforce: the phones and e-mails of an opportunity's contacts.

An Opportunity carries no phone; its people are Contacts, tied to it by OpportunityContactRole
(OpportunityId, ContactId, Role, IsPrimary) or by the opportunity's account (Contact.AccountId
= Opportunity.AccountId), and an opportunity may name one contact itself (ContactId). A
Contact export with Phone, MobilePhone and Email then gives the contact points of each
opportunity: through its roles when exported, else through its own contact and its account's
contacts. Run in the assemble step, before account and contact ids become names.
"""

from __future__ import annotations

import pandas as pd

from audit.ingest.profiles.base import Assembly
from audit.ingest.profiles.points import points_from

CONTACT_ROLES = "salesforce.contact_roles"
CONTACT_FIELDS = ("_phone", "_mobile", "_other_phone", "_email")
ROLE_COLUMNS = {"OpportunityId": "_opportunity", "ContactId": "_contact", "Role": "_role",
                "IsPrimary": "_primary", "IsDeleted": "_deleted"}


def add_contact_points(a: Assembly, contacts: pd.DataFrame | None) -> None:
    deals = a.tables.get("deals")
    if deals is None or contacts is None or "_id" not in contacts.columns:
        return
    phones = [c for c in ("_phone", "_mobile", "_other_phone") if c in contacts.columns]
    emails = [c for c in ("_email",) if c in contacts.columns]
    if not phones and not emails:
        return
    links = _links(a, deals, contacts)
    if links.empty:
        return
    people = contacts.drop_duplicates("_id").set_index("_id")[phones + emails]
    joined = links.join(people, on="_contact", how="inner")
    points = points_from(joined, "deal_id", phones, emails)
    if len(points):
        earlier = a.tables.get("contact_points")
        a.tables["contact_points"] = points if earlier is None else pd.concat([earlier, points], ignore_index=True)


def _links(a: Assembly, deals: pd.DataFrame, contacts: pd.DataFrame) -> pd.DataFrame:
    """(deal_id, _contact) pairs: the roles when exported, else the deal's contact and its account's."""
    roles = a.lookups.get(CONTACT_ROLES)
    if roles is not None and {"_opportunity", "_contact"} <= set(roles.columns):
        return roles.rename(columns={"_opportunity": "deal_id"})[["deal_id", "_contact"]].dropna()
    pairs = []
    if "contact" in deals.columns:
        own = deals[["deal_id", "contact"]].dropna().rename(columns={"contact": "_contact"})
        pairs.append(own[own["_contact"].astype("str").str.startswith("003")])
    if "company" in deals.columns and "_account" in contacts.columns:
        accounts = deals[["deal_id", "company"]].dropna()
        accounts = accounts[accounts["company"].astype("str").str.startswith("001")]
        people = contacts[["_id", "_account"]].dropna().rename(columns={"_id": "_contact", "_account": "company"})
        pairs.append(accounts.merge(people, on="company")[["deal_id", "_contact"]])
    if not pairs:
        return pd.DataFrame(columns=["deal_id", "_contact"])
    return pd.concat(pairs, ignore_index=True).drop_duplicates()
