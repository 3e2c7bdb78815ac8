"""Small hand-built canonical tables for check tests: state only what matters.

    crm = make_crm(deals=[deal("1", status="lost", lost_reason=None), deal("2", status="lost")])

Defaults fill every required column with something plausible, so a case names only the
fields under test. Dates accept 'YYYY-MM-DD[ HH:MM]' text.
"""

from __future__ import annotations

from itertools import count
from typing import Any, Iterable
from weakref import WeakKeyDictionary

import pandas as pd

from audit.derived.tables import Derived
from audit.model import SCHEMA, CrmData
from checks.base import RunContext

AS_OF = pd.Timestamp("2026-11-20 18:00")
_ids = count(1)


def _row(table: str, fields: dict[str, Any]) -> dict[str, Any]:
    kinds = {c.name: c.kind for c in SCHEMA[table]}
    out = {}
    for key, value in fields.items():
        if kinds.get(key) == "datetime" and isinstance(value, str):
            value = pd.Timestamp(value)
        out[key] = value
    return out


def deal(deal_id: str | int | None = None, **fields: Any) -> dict[str, Any]:
    base = {
        "deal_id": str(deal_id if deal_id is not None else next(_ids)),
        "title": "Deal", "pipeline": "Sales", "stage": "Qualified", "status": "open",
        "owner": "Anna", "amount": 1000.0, "currency": "USD", "created_at": "2026-10-01 10:00",
    }
    base.update(fields)
    return _row("deals", base)


def move(deal_id: str | int, to_stage: str, changed_at: str, from_stage: str | None = None,
         **fields: Any) -> dict[str, Any]:
    return _row("stage_history", {"deal_id": str(deal_id), "from_stage": from_stage, "to_stage": to_stage,
                                  "changed_at": changed_at, **fields})


def activity(deal_id: str | int, at: str, type: str = "call", **fields: Any) -> dict[str, Any]:
    base = {"activity_id": str(next(_ids)), "deal_id": str(deal_id), "type": type, "at": at,
            "owner": "Anna"}
    base.update(fields)
    return _row("activities", base)


def lead(lead_id: str | int | None = None, **fields: Any) -> dict[str, Any]:
    base = {"lead_id": str(lead_id if lead_id is not None else next(_ids)), "status": "new",
            "owner": "Anna", "created_at": "2026-10-01 10:00"}
    base.update(fields)
    return _row("leads", base)


def call(number: str | None, at: str, talk: float = 120, direction: str = "in", **fields: Any) -> dict[str, Any]:
    """A call of the phone log: answered when it has talk time, by manager Иванов Пётр by default."""
    row = {"started_at": at, "their_number": number, "direction": direction, "duration_s": talk,
           "answered": talk > 0, "our_party": "101", "owner": "Иванов Пётр"}
    row.update(fields)
    return _row("calls", row)


def phone(deal_id: str | int | None, number: str, lead_id: str | None = None) -> dict[str, Any]:
    """A contact phone of a deal (or of a lead), written as the export wrote it."""
    return {"deal_id": None if deal_id is None else str(deal_id), "lead_id": lead_id, "kind": "phone",
            "value": number}


def frame(table: str, rows: Iterable[dict[str, Any]]) -> pd.DataFrame:
    rows = list(rows)
    cols = [c.name for c in SCHEMA[table]]
    extra = sorted({k for r in rows for k in r} - set(cols))
    return pd.DataFrame(rows, columns=cols + extra) if rows else pd.DataFrame(columns=cols)


def make_crm(deals: Iterable[dict] = (), *, history: Iterable[dict] | None = None,
             activities: Iterable[dict] | None = None, leads: Iterable[dict] | None = None,
             users: Iterable[dict] | None = None, pipelines: Iterable[dict] | None = None,
             parse_issues: pd.DataFrame | None = None, stages_all_open: bool = False,
             exported: dict[str, tuple[str, ...]] | None = None,
             calls: Iterable[dict] | None = None, contact_points: Iterable[dict] | None = None) -> CrmData:
    """CrmData from row dicts. Pass history=[] for 'exported but empty', None for 'not exported'.
    `stages_all_open`: the CRM keeps closed deals in their last open stage (Pipedrive).
    `exported` names columns the export had even where every value is empty
    (exported={"deals": ("lost_reason",)}). Calls and contact points go through ingestion's last
    step (numbers to E.164, as read from files)."""
    from audit.ingest.contacts import finish_calls, finish_points
    from audit.model.config import Config

    def opt(table, rows):
        return None if rows is None else frame(table, rows)
    calls_table = None if calls is None else finish_calls(frame("calls", calls), Config(), [])
    points_table = None if contact_points is None else finish_points(frame("contact_points", contact_points),
                                                                      Config())
    return CrmData.build(
        deals=frame("deals", deals), stage_history=opt("stage_history", history),
        activities=opt("activities", activities), leads=opt("leads", leads), users=opt("users", users),
        pipelines=opt("pipelines", pipelines), parse_issues=parse_issues, stages_all_open=stages_all_open,
        calls=calls_table, contact_points=points_table,
        exported=exported,
    )


_DERIVED: WeakKeyDictionary[CrmData, Derived] = WeakKeyDictionary()


def derived(crm: CrmData) -> Derived:
    """The derived tables of `crm`, one per CrmData as the runner builds one per run (checks run
    on the same data share it, as in an audit)."""
    if crm not in _DERIVED:
        _DERIVED[crm] = Derived(crm)
    return _DERIVED[crm]


def ctx(check_cls, crm: CrmData, as_of: pd.Timestamp | str = AS_OF, **params: Any) -> RunContext:
    """The context a check runs with on `crm`: its default params, overridden by `params`."""
    merged = dict(check_cls.params)
    unknown = set(params) - set(merged)
    assert not unknown, f"{check_cls.code} has no params {unknown}"
    merged.update(params)
    return RunContext(as_of=pd.Timestamp(as_of), derived=derived(crm), params=merged)


def run_check(check_cls, crm: CrmData, **params: Any):
    """Run one check as the runner would (skipping is the runner's job: assert inputs exist)."""
    missing = crm.missing(check_cls.needs)
    assert not missing, f"{check_cls.code} would be skipped: {missing}"
    result = check_cls().run(crm, ctx(check_cls, crm, **params))
    assert not undeclared_evidence(check_cls, result.findings), \
        f"{check_cls.code} findings carry undeclared evidence {undeclared_evidence(check_cls, result.findings)}"
    return result


def undeclared_evidence(check_cls, findings: pd.DataFrame) -> set[str]:
    """Evidence keys of the findings that the check does not declare (`Check.evidence_keys`)."""
    used = set().union(*(set(e) for e in findings["evidence"])) if len(findings) else set()
    return used - set(check_cls.evidence_keys)


def assert_skipped(result, *words: str) -> None:
    """The check declined to judge, never passed: skipped, judged below its need, and its reason
    (in both languages) names what is missing with `words`."""
    from checks.base import Status
    assert result.status is Status.SKIPPED, (result.status, result.message)
    assert result.skipped_reason and result.skipped_reason_ru, result
    for word in words:
        assert word in result.skipped_reason, (word, result.skipped_reason)
    assert not len(result.findings)


def flagged_ids(result) -> list[str]:
    return sorted(result.findings["entity_id"].tolist())
