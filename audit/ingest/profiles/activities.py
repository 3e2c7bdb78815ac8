"""What profiles say about activities that are not on a deal.

CRMs let a call, task or meeting hang on an account, a contact or a lead instead of a deal
(Salesforce WhatId 001... / WhoId 003... / 00Q..., Zoho ACCOUNTID / CONTACTID / LEADID). Such
rows are not deal activities, and silently dropping them makes a team look silent: each file
gets a warning with how many there were and what they hang on.
"""

from __future__ import annotations

from typing import Mapping

import pandas as pd

from audit.model.warnings import InputWarning

LINK_WORDS = {
    "account": ("to an account", "к компании"),
    "contact": ("to a contact only", "только к контакту"),
    "lead": ("to a lead", "к лиду"),
    "other": ("to another record", "к другой записи"),
    "nothing": ("to nothing", "ни к чему"),
}


def _present(values: pd.Series) -> pd.Series:
    text = values.astype("str").str.strip()
    return values.notna() & ~text.isin(["", "0", "nan", "None"])


def ru_number(n: int) -> str:
    return f"{n:,}".replace(",", "\u00a0")


def link_kinds(frame: pd.DataFrame, links: Mapping[str, str]) -> pd.Series:
    """Per row, the first kind in `links` (kind -> helper column) whose column is filled, else
    "nothing"."""
    kind = pd.Series("nothing", index=frame.index, dtype=object)
    for name, column in reversed(list(links.items())):
        if column in frame.columns:
            kind = kind.where(~_present(frame[column]), name)
    return kind


def off_deal_warning(off: pd.DataFrame, total: int, *, noun: tuple[str, str], links: Mapping[str, str] | None = None,
                     kinds: pd.Series | None = None, linked: int = 0) -> InputWarning:
    """One warning for the rows of a file that are on no deal. `kinds` (or `links` to compute
    them) says what each row hangs on; `linked` counts rows that were then tied to a deal
    another way (Salesforce: the account's only opportunity open at the time)."""
    if kinds is None:
        kinds = link_kinds(off, links or {})
    counts = {k: int(v) for k, v in kinds.value_counts().items()}
    order = [k for k in LINK_WORDS if counts.get(k)]
    n = len(off)
    listing = ", ".join(f"{counts[k]:,} {LINK_WORDS[k][0]}" for k in order)
    listing_ru = ", ".join(f"{LINK_WORDS[k][1]} — {ru_number(counts[k])}" for k in order)
    left = n - linked
    message = f"{n:,} of {total:,} {noun[0]} are on no deal ({listing})"
    message_ru = f"{ru_number(n)} из {ru_number(total)} {noun[1]} не привязаны к сделке ({listing_ru})"
    if linked:
        message += (f"; {linked:,} of them were linked to their account's only opportunity open at the time, "
                    f"the other {left:,} are left out of deal activity.")
        message_ru += (f"; {ru_number(linked)} из них отнесены к единственной открытой в тот момент сделке их "
                       f"компании, остальные {ru_number(left)} не учитываются в работе по сделкам.")
    else:
        message += "; they are left out of deal activity."
        message_ru += "; они не учитываются в работе по сделкам."
    return InputWarning(code="activities-not-on-deals", message=message, message_ru=message_ru,
                        numbers={"rows": int(total), "not_on_deal": n, **{f"on_{k}": counts[k] for k in order},
                                 "linked": int(linked), "left_out": int(left)})


def plans_warning(n: int, total: int, *, noun: tuple[str, str], marked: tuple[str, str]) -> InputWarning:
    """`n` of `total` activities on deals are plans (a to-do, an open task), not contacts: left out
    of deal activity. `noun`: (English plural, Russian genitive plural); `marked`: how the export
    marks them, in English and Russian ("'Activity - Done' = To do")."""
    return InputWarning(
        code="activities-not-done",
        message=(f"{n:,} of {total:,} {noun[0]} on deals are not marked done ({marked[0]}): "
                 f"plans, not contacts, they are left out of deal activity."),
        message_ru=(f"{ru_number(n)} из {ru_number(total)} {noun[1]} по сделкам не отмечены выполненными "
                    f"({marked[1]}): это планы, а не контакты, они не учитываются в работе по сделкам."),
        numbers={"rows": int(total), "not_done": int(n)})
