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

from audit.ingest.profiles.base import norm_header
from audit.model.config import Config
from audit.model.phones import normalize_phones

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
    """Canonical directions, local times, E.164 numbers and managers (see the module docstring)."""
    calls = calls.copy()
    settings = cfg.calls
    direction = calls["direction"] if "direction" in calls.columns else pd.Series(None, index=calls.index)
    calls["direction"] = _directions(direction)
    if settings.timezone and "started_at" in calls.columns:
        started = pd.to_datetime(calls["started_at"], errors="coerce")
        calls["started_at"] = (started.dt.tz_localize("UTC").dt.tz_convert(settings.timezone)
                               .dt.tz_localize(None).astype("datetime64[us]"))
    if "their_number" in calls.columns:
        number = normalize_phones(calls["their_number"], settings.region)
        calls["their_number"] = number.where(calls["direction"].ne("internal").fillna(True), None)
    if "answered" not in calls.columns or calls["answered"].isna().all():
        talk = pd.to_numeric(calls.get("duration_s"), errors="coerce") if "duration_s" in calls.columns else None
        calls["answered"] = (talk.fillna(0) > 0) if talk is not None else pd.Series(pd.NA, index=calls.index,
                                                                                  dtype="boolean")
    calls["owner"] = _owners(calls, settings.extensions, known_names)
    return calls


def _directions(labels: pd.Series) -> pd.Series:
    """Canonical directions, judged once per distinct label."""
    codes, uniques = pd.factorize(labels)
    canonical = []
    for label in uniques:
        text = str(label).strip().lower()
        canonical.append(next((v for pattern, v in DIRECTION_RULES if re.match(pattern, text)), None))
    out = np.asarray(canonical + [None], dtype=object)[np.where(codes >= 0, codes, len(uniques))]
    return pd.Series(out, index=labels.index, dtype="str")


def _owners(calls: pd.DataFrame, extensions, known_names: Iterable[str]) -> pd.Series:
    """The call's manager: an owner the log itself names, else our party through
    `[calls.extensions]`, else our party when it is a name the CRM knows (case and spacing aside)."""
    n = len(calls)
    given = (calls["owner"].to_numpy(dtype=object, na_value=None) if "owner" in calls.columns
             else np.full(n, None, dtype=object))
    ours = calls["our_party"] if "our_party" in calls.columns else pd.Series(None, index=calls.index, dtype="str")
    # Our parties repeat (a few dozen extensions over a million calls): judge each once.
    codes, parties = pd.factorize(ours)
    names = {norm_header(n): n for n in known_names if isinstance(n, str) and n.strip()}
    table = dict(extensions)
    mapped = [table.get(str(p).strip()) or names.get(norm_header(p)) or _a_name(str(p).strip()) for p in parties]
    resolved = np.asarray(mapped + [None], dtype=object)[np.where(codes >= 0, codes, len(parties))]
    owner = np.where(pd.notna(given), given, resolved)
    return pd.Series(owner, index=calls.index, dtype="str")


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
