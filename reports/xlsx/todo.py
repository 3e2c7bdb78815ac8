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
    grouped = _grouped(findings)
    shown = capped_findings(grouped, cap)
    shown = _ordered(shown, result)
    rows = _words(shown, findings, result, lang, titles)
    first = {}
    for position, code in enumerate(rows["code"].tolist()):
        first.setdefault(code, position)
    return TodoList(rows=rows, findings=len(findings), groups=len(grouped), first_row=first)


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


def _grouped(findings: pd.DataFrame) -> pd.DataFrame:
    """One representative finding per (check, deal) - the latest - with `times`, how many
    findings it stands for; findings not about a deal stay one each."""
    n = len(findings)
    frame = findings.reset_index(drop=True)
    deal = frame["deal_id"]
    about_deal = deal.notna()
    # A deal's findings of one check share a row; every other finding keeps its own.
    key = deal.astype(object).where(about_deal, pd.Series(np.arange(n), index=frame.index).astype(str))
    group = frame.assign(_deal=about_deal, _key=key).groupby(["code", "_deal", "_key"], sort=False,
                                                             dropna=False).ngroup().to_numpy()
    at = frame["at"]
    at_key = pd.to_datetime(at).to_numpy(dtype="datetime64[us]").astype(np.int64)  # NaT sorts first
    order = np.lexsort((np.arange(n), at_key, group))
    g_sorted = group[order]
    reps = order[np.r_[g_sorted[1:] != g_sorted[:-1], True]]
    out = frame.iloc[reps].copy()
    out["times"] = np.bincount(group)[group[reps]]
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


def _words(shown: pd.DataFrame, findings: pd.DataFrame, result: AuditResult, lang: str,
           titles: Mapping[str, str]) -> pd.DataFrame:
    """The columns a reader sees, in `lang`."""
    codes = shown["code"].astype(str)
    message = finding_messages(shown, lang).astype(object).fillna("")
    times = shown["times"].to_numpy()
    repeated = times > 1
    if repeated.any():
        message = message.copy()
        message[repeated] = _repeated_text(shown[repeated], findings, message[repeated], lang)
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


def _repeated_text(rows: pd.DataFrame, findings: pd.DataFrame, latest: pd.Series, lang: str) -> list[str]:
    """'3 times (2025-11-26, 2025-12-01, 2025-12-05); the latest: ...' for grouped rows."""
    frame = findings.reset_index(drop=True)
    deal = frame["deal_id"]
    wanted = pd.MultiIndex.from_arrays([rows["code"].astype(str), rows["deal_id"].astype(object)])
    mine = frame[pd.MultiIndex.from_arrays([frame["code"].astype(str), deal.astype(object)]).isin(wanted)]
    stamps = pd.to_datetime(mine["at"]).sort_values(kind="stable")
    lists = stamps.groupby([mine.loc[stamps.index, "code"].astype(str),
                            mine.loc[stamps.index, "deal_id"].astype(object)]).agg(list)
    out = []
    for code, deal_id, n, message in zip(rows["code"].astype(str), rows["deal_id"], rows["times"], latest):
        when = [text.date(s, lang) for s in lists.get((code, deal_id), []) if not pd.isna(s)]
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
