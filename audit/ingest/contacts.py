"""Call logs and contact points, finished once every file is read.

- Contact points: the phones and e-mails CRM exports carry beside a deal or a lead (amoCRM's
  "Рабочий телефон", Bitrix24's "Контакт: Телефон", HubSpot's "Phone Number", ...) become
  rows (deal_id or lead_id, kind, value): phones as E.164, e-mails in lower case. A cell may
  hold several values ("+7 916 ..., 8 495 ..."); each is a row.
- Calls: directions in canonical words, times converted from UTC when `[calls] timezone`
  says the log is in UTC, their numbers as E.164 (internal calls keep none), and the manager
  behind our party: `[calls.extensions]` first, then a name the CRM knows (the log of a hosted
  telephony often names the employee).

Phone numbers are normalized with audit.model.phones, in `[calls] region` (RU by default).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from audit.ingest.profiles.base import norm_header
from audit.model.config import Config
from audit.model.keys import arrow_text
from audit.model.tables import LABEL_COLUMNS, as_labels, labels_from_codes, relabel
from audit.model.phones import normalize_phone_text, normalize_phones

EMAIL = re.compile(r"^[^@\s,;]+@[^@\s,;]+\.[^@\s,;]+$")
DIRECTION_RULES = (
    (r"^(internal|внутрен|local)", "internal"),
    (r"^(in|incoming|inbound|in-bound)$|^входящ|^вход", "in"),
    (r"^(out|outgoing|outbound|outcoming|out-bound)$|^outbound|^исходящ|^исх", "out"),
)


def finish_points(points: pd.DataFrame, cfg: Config) -> pd.DataFrame:
    """Phones to E.164, e-mails to lower case; values that are neither are dropped, repeats once."""
    points = points.copy()
    for col in ("deal_id", "lead_id"):
        if col not in points.columns:
            points[col] = pd.Series(None, index=points.index, dtype="str")
    kind = points["kind"].astype("str").str.lower().str.strip()
    kind = kind.where(~kind.isin(["e-mail", "mail", "почта"]), "email").where(~kind.isin(["tel", "телефон"]), "phone")
    value = points["value"].astype("str").str.strip()
    is_phone = kind.eq("phone").fillna(False)
    is_email = kind.eq("email").fillna(False)
    normalized = pd.Series(None, index=points.index, dtype="str")
    if is_phone.any():
        normalized[is_phone] = normalize_phones(value[is_phone], cfg.calls.region)
    if is_email.any():
        mail = value[is_email].str.lower()
        normalized[is_email] = mail.where(mail.str.match(EMAIL.pattern).fillna(False), None)
    points = points.assign(kind=kind, value=normalized)
    points = points[points["value"].notna() & (points["deal_id"].notna() | points["lead_id"].notna())]
    return points.drop_duplicates(["deal_id", "lead_id", "kind", "value"]).reset_index(drop=True)[
        ["deal_id", "lead_id", "kind", "value"]]


def finish_calls(calls: pd.DataFrame, cfg: Config, known_names: Iterable[str]) -> pd.DataFrame:
    """Canonical directions, local times, E.164 numbers and managers (see the module docstring).
    The parties and directions are labels (audit.model.tables.LABEL_COLUMNS): a million rows
    are judged once per distinct value, and no string is made per row."""
    calls = calls.copy()
    settings = cfg.calls
    for col in LABEL_COLUMNS["calls"]:
        calls[col] = as_labels(calls[col]) if col in calls.columns else \
            labels_from_codes(np.full(len(calls), -1), pa.array([], pa.large_string()), calls.index)
    calls["direction"] = _directions(calls["direction"])
    if settings.timezone and "started_at" in calls.columns:
        started = pd.to_datetime(calls["started_at"], errors="coerce")
        calls["started_at"] = (started.dt.tz_localize("UTC").dt.tz_convert(settings.timezone)
                               .dt.tz_localize(None).astype("datetime64[us]"))
    number = relabel(calls["their_number"], lambda distinct: normalize_phone_text(distinct, settings.region))
    internal = calls["direction"].eq("internal").to_numpy(dtype=bool)
    calls["their_number"] = pd.Series(pd.Categorical.from_codes(
        np.where(internal, -1, number.cat.codes.to_numpy()), dtype=number.dtype), index=calls.index)
    if "answered" not in calls.columns or calls["answered"].isna().all():
        talk = pd.to_numeric(calls.get("duration_s"), errors="coerce") if "duration_s" in calls.columns else None
        calls["answered"] = (talk.fillna(0) > 0) if talk is not None else pd.Series(pd.NA, index=calls.index,
                                                                                  dtype="boolean")
    calls["owner"] = _owners(calls, settings.extensions, known_names)
    return calls


CANONICAL_DIRECTIONS = ("in", "out", "internal")


def _directions(labels: pd.Series) -> pd.Series:
    """Canonical directions, judged once per distinct label (a layout that wrote them in canonical
    words already, as every phone-system layout does, is kept as it is)."""
    if set(labels.cat.categories.astype("str")) <= set(CANONICAL_DIRECTIONS):
        return labels

    def canonical(distinct: pa.Array) -> pa.Array:
        return pa.array([next((v for pattern, v in DIRECTION_RULES if re.match(pattern, str(label).strip().lower())),
                               None) for label in distinct.to_pylist()], type=pa.large_string())
    return relabel(labels, canonical)


def _owners(calls: pd.DataFrame, extensions, known_names: Iterable[str]) -> pd.Series:
    """The call's manager: an owner the log itself names, else our party through
    `[calls.extensions]`, else our party when it is a name the CRM knows (case and spacing aside)."""
    # Our parties repeat (a few dozen extensions over a million calls): judge each once.
    names = {norm_header(n): n for n in known_names if isinstance(n, str) and n.strip()}
    table = dict(extensions)

    def manager(parties: pa.Array) -> pa.Array:
        return pa.array([table.get(str(p).strip()) or names.get(norm_header(p)) or _a_name(str(p).strip())
                         for p in parties.to_pylist()], type=pa.large_string())
    resolved = relabel(calls["our_party"], manager)
    named = calls["owner"]
    if not named.notna().any():
        return resolved
    # An owner the log names wins (only a missing one gives way to our party's).
    own, theirs = named.cat.codes.to_numpy().astype(np.int64), resolved.cat.codes.to_numpy().astype(np.int64)
    width = len(named.cat.categories)
    codes = np.where(own >= 0, own, np.where(theirs >= 0, theirs + width, -1))
    dictionary = pa.concat_arrays([arrow_text(named.cat.categories), arrow_text(resolved.cat.categories)])
    return labels_from_codes(codes, dictionary, calls.index)


def _a_name(party: str) -> str | None:
    """A hosted telephony's log names the employee: a name is the manager even when the CRM spells
    no deal with it (a number, an extension, a SIP address or a trunk is not)."""
    if re.fullmatch(r"[\d\s+()\-]*", party) or re.search(r"[@:/_]", party):
        return None
    return party


def known_managers(tables: dict[str, pd.DataFrame]) -> list[str]:
    names: list[str] = []
    for table, col in (("deals", "owner"), ("users", "owner"), ("activities", "owner"), ("leads", "owner")):
        frame = tables.get(table)
        if frame is not None and col in frame.columns:
            names.extend(pd.unique(frame[col].dropna().astype("str")).tolist())
    return list(dict.fromkeys(names))


def mask_digit_runs(text: pd.Series) -> pd.Series:
    """Raw call-log lines kept for HY08 with every run of 7+ digits starred: the line stays
    recognisable, the numbers in it do not leave the run."""
    return text.astype("str").str.replace(r"\d(?=(?:[\s()+-]*\d){6})", "*", regex=True)


__all__ = ["finish_points", "finish_calls", "known_managers", "mask_digit_runs"]
