"""The findings as a to-do list: one row per deal per check.

A check that reports a deal several times (one finding per silent stage change) gives that deal
one row, with how many times and when, and the latest finding's words. Findings about a
manager, a stage, a pipeline or the whole export keep a row each, naming what they are about.
The rows are capped (most severe first, every check keeping its share: `capped_findings`) and
ordered as a reader works through them: by severity, then by what the check costs the trust
score (the Summary's order of top problems), then by manager and date.

Rendering only: the grouping and the words; what was found and when come from the audit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping

import numpy as np
import pandas as pd

from audit.model import text
from audit.model.findings import Severity, finding_messages
from audit.model.result import AuditResult
from reports import i18n
from reports.common import top_problems
from reports.evidence import evidence_column
from reports.xlsx.capping import capped_findings

MAX_DATES = 6                   # dates listed in a grouped row's text


@dataclass
class TodoList:
    """The rows to show (display order) and what the sheet's note needs."""

    rows: pd.DataFrame          # one row per deal per check, TODO_FIELDS
    findings: int               # findings behind all rows, shown or not
    groups: int                 # rows before the cap
    first_row: dict[str, int] = field(default_factory=dict)  # code -> position of its first row


TODO_FIELDS = ("code", "severity", "check", "owner", "pipeline", "stage", "deal", "deal_id", "is_deal",
               "company", "amount", "at", "found", "todo", "evidence", "times")


def todo_list(result: AuditResult, lang: str, titles: Mapping[str, str], cap: int,
              owner: str | None = None) -> TodoList:
    """The to-do rows of `result` (of one manager when `owner` is given), at most `cap`."""
    findings = _with_context(result.findings)
    if owner is not None and len(findings):
        findings = findings[_owner_of(findings).eq(owner).to_numpy()]
    if not len(findings):
        return TodoList(rows=pd.DataFrame(columns=list(TODO_FIELDS)), findings=0, groups=0)
    groups = Groups.of(findings)
    # The cap works on a slim frame of the representatives: copying a million findings to drop
    # all but 20,000 of them would cost more than the rest of the sheet.
    reps = groups.reps
    slim = pd.DataFrame({"code": findings["code"].to_numpy()[reps], "severity": findings["severity"].to_numpy()[reps],
                         "amount": pd.to_numeric(findings["amount"], errors="coerce").to_numpy()[reps]})
    chosen = reps[capped_findings(slim, cap).index.to_numpy()]
    shown = findings.iloc[chosen].assign(times=groups.size[groups.group[chosen]], group=groups.group[chosen])
    shown = _ordered(shown, result)
    rows = _words(shown, findings, groups, result, lang, titles)
    first = {}
    for position, code in enumerate(rows["code"].tolist()):
        first.setdefault(code, position)
    return TodoList(rows=rows, findings=len(findings), groups=len(reps), first_row=first)


def _with_context(findings: pd.DataFrame) -> pd.DataFrame:
    """The findings with the context columns the audit adds (audit.derived.finding_context),
    filled as well as the contract's columns allow when a result was built without them."""
    missing = {}
    if "deal_id" not in findings:
        missing["deal_id"] = findings["entity_id"].where(findings["entity_type"].eq("deal")).astype(object)
    for name in ("title", "company"):
        if name not in findings:
            missing[name] = pd.Series(None, index=findings.index, dtype=object)
    if "amount" not in findings:
        missing["amount"] = pd.Series(np.nan, index=findings.index)
    if "at" not in findings:
        missing["at"] = pd.Series(pd.NaT, index=findings.index, dtype="datetime64[us]")
    return findings.assign(**missing) if missing else findings


def _owner_of(findings: pd.DataFrame) -> pd.Series:
    """The manager a row belongs to: its owner; "(no owner)" for a deal, activity or lead without one."""
    owner = findings["owner"].astype(object)
    ownerless = owner.isna() & findings["entity_type"].isin(("deal", "activity", "lead"))
    return owner.where(~ownerless, "(no owner)")


@dataclass
class Groups:
    """Which findings share a to-do row: a deal's findings of one check do; every other finding
    stands alone. `group` per finding, `size` per group, `reps` the position of each group's
    latest finding (by `at`, then as listed). Integer arrays all through: a million findings
    group in a fraction of a second."""

    group: np.ndarray
    size: np.ndarray
    reps: np.ndarray
    at: np.ndarray                  # each finding's moment as int64 microseconds (NaT lowest)

    @classmethod
    def of(cls, findings: pd.DataFrame) -> "Groups":
        n = len(findings)
        deal = findings["deal_id"].to_numpy(dtype=object)
        about_deal = pd.notna(deal)
        key = np.empty(n, dtype=np.int64)
        key[about_deal] = pd.factorize(deal[about_deal])[0]
        key[~about_deal] = -1 - np.arange(int((~about_deal).sum()))   # one group each
        code = pd.factorize(findings["code"].to_numpy(dtype=object))[0].astype(np.int64)
        group = pd.factorize(code * (2 * n + 1) + key + n)[0].astype(np.int64)
        at = pd.to_datetime(findings["at"]).to_numpy(dtype="datetime64[us]").astype(np.int64)
        order = np.lexsort((np.arange(n), at, group))
        g_sorted = group[order]
        reps = order[np.r_[g_sorted[1:] != g_sorted[:-1], True]] if n else order
        return cls(group=group, size=np.bincount(group, minlength=int(group.max()) + 1 if n else 0),
                   reps=reps, at=at)

    def moments(self, wanted: np.ndarray) -> dict[int, list[pd.Timestamp]]:
        """group -> the moments of its findings, oldest first, for the groups `wanted`."""
        members = np.flatnonzero(np.isin(self.group, wanted))
        members = members[np.lexsort((self.at[members], self.group[members]))]
        out: dict[int, list[pd.Timestamp]] = {}
        for g, at in zip(self.group[members].tolist(), self.at[members].tolist()):
            if at != np.iinfo(np.int64).min:
                out.setdefault(g, []).append(pd.Timestamp(at, unit="us"))
        return out


def _ordered(shown: pd.DataFrame, result: AuditResult) -> pd.DataFrame:
    """Severity, then the check's rank among the top problems, then manager, then latest first."""
    rank = {c.code: i for i, c in enumerate(top_problems(result))}
    sev = shown["severity"].map({s.label: int(s) for s in Severity}).fillna(-1)
    keys = pd.DataFrame({
        "sev": -sev.to_numpy(),
        "rank": shown["code"].map(rank).fillna(len(rank)).to_numpy(),
        "code": shown["code"].astype(str).to_numpy(),
        "owner": shown["owner"].astype(object).fillna("\uffff").astype(str).to_numpy(),
        "at": -pd.to_datetime(shown["at"]).to_numpy(dtype="datetime64[us]").astype(np.int64),
    })
    order = np.lexsort([keys[c].to_numpy() for c in reversed(keys.columns)])
    return shown.iloc[order]


def _words(shown: pd.DataFrame, findings: pd.DataFrame, groups: Groups, result: AuditResult, lang: str,
           titles: Mapping[str, str]) -> pd.DataFrame:
    """The columns a reader sees, in `lang`."""
    codes = shown["code"].astype(str)
    message = finding_messages(shown, lang).astype(object).fillna("")
    times = shown["times"].to_numpy()
    repeated = times > 1
    if repeated.any():
        message = message.copy()
        message[repeated] = _repeated_text(shown[repeated], groups, message[repeated], lang)
    is_deal = shown["deal_id"].notna()
    entity = shown["entity_type"].map(lambda e: i18n.entity(e, lang)).astype(object)
    other = entity + ": " + shown["entity_id"].astype(object).fillna("").map(lambda v: i18n.sentinel(v, lang))
    title = shown["title"].astype(object)
    deal = title.where(title.notna(), "").where(is_deal, other)
    todo = {code: (info.todo_ru if lang == "ru" else info.todo) for code, info in result.catalogue.items()}
    return pd.DataFrame({
        "code": codes,
        "severity": shown["severity"].astype(str).map(lambda v: i18n.severity(v, lang)),
        "check": codes + " · " + codes.map(titles).fillna(codes),
        "owner": shown["owner"].astype(object).where(shown["owner"].notna(),
                                                      None).map(lambda v: i18n.sentinel(v, lang)),
        "pipeline": shown["pipeline"].astype(object).map(lambda v: i18n.sentinel(v, lang)),
        "stage": shown["stage"].astype(object),
        "deal": deal,
        "deal_id": shown["deal_id"].astype(object),
        "is_deal": is_deal,
        "company": shown["company"].astype(object),
        "amount": pd.to_numeric(shown["amount"], errors="coerce"),
        "at": pd.to_datetime(shown["at"]),
        "found": message,
        "todo": codes.map(todo).fillna(""),
        "evidence": evidence_column(shown["evidence"], lang),
        "times": times,
    }).reset_index(drop=True)


def _repeated_text(rows: pd.DataFrame, groups: Groups, latest: pd.Series, lang: str) -> list[str]:
    """'3 times (2025-11-26, 2025-12-01, 2025-12-05). The latest: ...' for grouped rows."""
    moments = groups.moments(rows["group"].to_numpy())
    out = []
    for group, n, message in zip(rows["group"].tolist(), rows["times"].tolist(), latest):
        when = [text.date(s, lang) for s in moments.get(group, [])]
        listed = ", ".join(when[:MAX_DATES]) + (" …" if len(when) > MAX_DATES else "")
        if lang == "ru":
            head = f"{text.num(n, lang)} {text.plural(n, 'раз', 'раза', 'раз')}"
            out.append(f"{head}{f' ({listed})' if listed else ''}. Последний: {_lower(message)}")
        else:
            out.append(f"{text.num(n, lang)} times{f' ({listed})' if listed else ''}. The latest: {message}")
    return out


def _lower(message: str) -> str:
    """A sentence continued after a colon: its first letter in lower case unless it is a name."""
    if len(message) > 1 and message[0].isupper() and message[1].islower():
        return message[0].lower() + message[1:]
    return message
