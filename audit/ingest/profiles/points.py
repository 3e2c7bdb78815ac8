"""Contact phones and e-mails that CRM exports carry beside deals and leads, as long rows.

A profile marks the columns with `CONTACT_PATTERNS` (kept as helpers "_<header>") and its
finish step hands the frame to `with_contact_points`, which adds a `contact_points` table of
raw values; audit.ingest.contacts normalizes them once every file is read.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import pandas as pd

PHONE_HEADER = re.compile(r"телефон|phone|mobile|мобильн|тел\.", re.IGNORECASE)
EMAIL_HEADER = re.compile(r"e-?mail|почта|эл\. ?почт", re.IGNORECASE)
# A manager's own phone or mail is not the client's.
NOT_CLIENT = re.compile(r"owner|user|responsible|creator|created by|ответствен|менеджер|создал|автор|сотрудник",
                        re.IGNORECASE)
# helper_patterns for a TableSpec: headers of contact phones and e-mails, kept as text helpers.
CONTACT_PATTERNS = ((r"телефон|phone|mobile|мобильн|e-?mail|почта", "text"),)
SPLIT = r"\s*[,;\n]\s*"


def contact_columns(frame: pd.DataFrame) -> tuple[list[str], list[str]]:
    """Helper columns ("_<header>") of a frame that hold phones and e-mails, by their header."""
    phones, emails = [], []
    for col in frame.columns:
        if not col.startswith("_") or col == "_row":
            continue
        header = col[1:]
        if NOT_CLIENT.search(header):
            continue
        if EMAIL_HEADER.search(header):
            emails.append(col)
        elif PHONE_HEADER.search(header):
            phones.append(col)
    return phones, emails


def points_from(frame: pd.DataFrame, id_column: str, phones: Iterable[str], emails: Iterable[str]) -> pd.DataFrame:
    """Long table (id_column, kind, value) of the raw values in `phones` and `emails` columns of
    `frame`, one row per value (cells split on , ; and line breaks). Values are raw text here."""
    parts = []
    for kind, columns in (("phone", list(phones)), ("email", list(emails))):
        columns = [c for c in columns if c in frame.columns]
        if not columns or id_column not in frame.columns:
            continue
        long = frame[[id_column, *columns]].melt(id_vars=id_column, value_name="value")[[id_column, "value"]]
        long = long[long["value"].notna()]
        if long.empty:
            continue
        long["value"] = long["value"].astype("str")
        several = long["value"].str.contains(r"[,;\n]", regex=True).fillna(False)
        if several.any():
            split = long[several].assign(value=long.loc[several, "value"].str.split(SPLIT)).explode("value")
            long = pd.concat([long[~several], split], ignore_index=True)
        parts.append(long.assign(kind=kind))
    if not parts:
        return pd.DataFrame({id_column: pd.Series(dtype="str"), "kind": pd.Series(dtype="str"),
                             "value": pd.Series(dtype="str")})
    return pd.concat(parts, ignore_index=True)



def with_contact_points(tables: dict[str, pd.DataFrame], frame: pd.DataFrame, id_column: str,
                        table: str) -> dict[str, pd.DataFrame]:
    """`tables` plus the contact points of `frame` (table `contact_points`, keyed by `id_column`
    renamed to deal_id or lead_id as `table` says) when the frame has contact columns."""
    phones, emails = contact_columns(frame)
    if not phones and not emails:
        return tables
    points = points_from(frame, id_column, phones, emails)
    key = "lead_id" if table == "leads" else "deal_id"
    return {**tables, "contact_points": points.rename(columns={id_column: key})}


def collecting_points(finish, table: str):
    """A finish step that also collects the contact points of `table`'s frame (keyed by the
    table's id: deal_id or lead_id)."""
    id_column = "lead_id" if table == "leads" else "deal_id"

    def wrapped(frame: pd.DataFrame, ctx) -> dict[str, pd.DataFrame]:
        tables = finish(frame, ctx) if finish is not None else {table: frame}
        source = tables.get(table)
        if source is None:
            return tables
        return with_contact_points(tables, source, id_column, table)
    return wrapped
