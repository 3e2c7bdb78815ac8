"""`crm-audit diff OLD.json NEW.json`: which findings appeared, which were fixed, and the
score change between two JSON reports (how findings are matched: see "matching" below).
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from audit.model.errors import AuditError, read_text_document

SUPPORTED_SCHEMA = 1
TEXT_LIMIT = 100  # findings listed per section in the text form; the JSON form lists all
_SEVERITY_RANK = {"high": 0, "medium": 1, "low": 2, "info": 3}


@dataclass(frozen=True)
class Report:
    """What the diff needs from one JSON report."""

    path: str
    as_of: str | None
    score: float | None
    findings: tuple[dict[str, Any], ...]
    checks: dict[str, dict[str, Any]] = field(default_factory=dict)  # code -> the check's entry


@dataclass(frozen=True)
class ReportDiff:
    old: Report
    new: Report
    appeared: tuple[dict[str, Any], ...]   # in NEW only
    resolved: tuple[dict[str, Any], ...]   # in OLD only
    unchanged: int                         # matched findings

    @property
    def score_change(self) -> float | None:
        if self.old.score is None or self.new.score is None:
            return None
        return round(self.new.score - self.old.score, 4)

    def by_code(self) -> list[dict[str, Any]]:
        """Per check: new and resolved counts, and affected then and now."""
        codes = sorted({f["code"] for f in (*self.appeared, *self.resolved)}
                       | {c for c in set(self.old.checks) | set(self.new.checks)
                          if _affected(self.old, c) != _affected(self.new, c)})
        new_counts, resolved_counts = _count(self.appeared), _count(self.resolved)
        return [{"code": code, "name": (self.new.checks.get(code) or self.old.checks.get(code) or {}).get("name"),
                 "new": new_counts.get(code, 0), "resolved": resolved_counts.get(code, 0),
                 "old_affected": _affected(self.old, code), "new_affected": _affected(self.new, code)}
                for code in codes]

    def as_json(self) -> dict[str, Any]:
        return {
            "new": list(self.appeared),
            "resolved": list(self.resolved),
            "score": {"old": self.old.score, "new": self.new.score, "change": self.score_change},
            "unchanged": self.unchanged,
            "checks": self.by_code(),
            "reports": {"old": {"path": self.old.path, "as_of": self.old.as_of},
                        "new": {"path": self.new.path, "as_of": self.new.as_of}},
        }


def load_report(path: str | Path) -> Report:
    """Read a crm-audit JSON report; anything else is an AuditError naming the file."""
    p = Path(path)
    try:
        doc = json.loads(read_text_document(p, "JSON report"))
    except json.JSONDecodeError as exc:
        raise AuditError(f"not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}", path=p) from None

    def bad(problem: str) -> AuditError:
        return AuditError(f"not a crm-audit JSON report: {problem}", path=p,
                          hint="write one with `crm-audit run ... --json FILE`")

    if not isinstance(doc, dict) or "schema_version" not in doc:
        raise bad("no schema_version")
    version = doc["schema_version"]
    if not isinstance(version, int) or isinstance(version, bool):
        raise bad(f"schema_version {version!r} is not a number")
    if version > SUPPORTED_SCHEMA:
        raise AuditError(f"report schema_version {version} is newer than this crm-audit understands "
                         f"({SUPPORTED_SCHEMA})", path=p, hint="upgrade crm-audit")
    findings, summary, checks = doc.get("findings"), doc.get("summary"), doc.get("checks", [])
    if not isinstance(findings, list):
        raise bad("no findings list")
    if not isinstance(summary, dict):
        raise bad("no summary")
    score = summary.get("score")
    if score is not None and (isinstance(score, bool) or not isinstance(score, (int, float))):
        raise bad(f"summary.score {score!r} is not a number")
    for i, item in enumerate(findings):
        if not isinstance(item, dict) or not isinstance(item.get("code"), str) or "entity_type" not in item:
            raise bad(f"findings[{i}] has no code or entity_type")
    if not isinstance(checks, list) or not all(isinstance(c, dict) and "code" in c for c in checks):
        raise bad("checks is not a list of checks")
    return Report(path=str(p), as_of=doc.get("as_of"), score=None if score is None else float(score),
                  findings=tuple(findings), checks={c["code"]: c for c in checks})


def diff_reports(old_path: str | Path, new_path: str | Path) -> ReportDiff:
    return compare(load_report(old_path), load_report(new_path))


def compare(old: Report, new: Report) -> ReportDiff:
    # Keys computed once per finding: reports of a big CRM hold hundreds of thousands.
    old_exact, new_exact = [_exact_key(f) for f in old.findings], [_exact_key(f) for f in new.findings]
    old_entity, new_entity = [k[:3] for k in old_exact], [k[:3] for k in new_exact]
    old_left, new_left, matched = _match(old_exact, range(len(old_exact)), new_exact, range(len(new_exact)))
    # Second pass only for an entity a check reports once in each report: its one finding
    # may have moved stage. Several findings of one entity are events told apart by stage.
    once = _singles(old_entity) & _singles(new_entity)
    old_once, new_once, n = _match(old_entity, [i for i in old_left if old_entity[i] in once],
                                   new_entity, [j for j in new_left if new_entity[j] in once])
    matched += n
    old_left = [i for i in old_left if old_entity[i] not in once] + old_once
    new_left = [j for j in new_left if new_entity[j] not in once] + new_once
    appeared = sorted((new.findings[j] for j in new_left), key=_order)
    resolved = sorted((old.findings[i] for i in old_left), key=_order)
    return ReportDiff(old=old, new=new, appeared=tuple(appeared), resolved=tuple(resolved), unchanged=matched)


def render_diff(diff: ReportDiff, fmt: str = "text") -> str:
    if fmt == "json":
        return json.dumps(diff.as_json(), ensure_ascii=False, indent=1) + "\n"
    if fmt != "text":
        raise AuditError(f"unknown diff format {fmt!r} (use text or json)")
    return _render_text(diff)


# -- matching -----------------------------------------------------------------------------
# A finding is the same problem in both reports when its check code, entity type and entity
# id agree (deal 18342 still has no loss reason). Some checks report one entity more than
# once, e.g. one finding per silent stage change of a deal; those are told apart by pipeline
# and stage. So matching runs in two passes over multisets:
# 1. exact: code + entity_type + entity_id + pipeline + stage;
# 2. what is left, for an entity the check reports once in each report: code + entity_type +
#    entity_id, so a deal that moved to another stage (or pipeline) while keeping its problem
#    is neither "new" nor "resolved". An entity reported several times by one check (one
#    finding per event) is matched by stage only: a silent move into a new stage is new.
# Owner, message and evidence are not part of the match: a reassigned deal or a changed
# count in the message is still the same problem.

def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def _exact_key(f: dict[str, Any]) -> Hashable:
    entity_id, pipeline, stage = f.get("entity_id"), f.get("pipeline"), f.get("stage")
    return (f.get("code"), f.get("entity_type"), None if entity_id is None else str(entity_id),
            None if pipeline is None else str(pipeline), None if stage is None else str(stage))


def _singles(keys: Sequence[Hashable]) -> set[Hashable]:
    """Entity keys (code, type, id) that occur exactly once in a report."""
    return {k for k, n in Counter(keys).items() if n == 1}


def _match(old_keys: Sequence[Hashable], old_idx: Iterable[int], new_keys: Sequence[Hashable],
           new_idx: Iterable[int]) -> tuple[list[int], list[int], int]:
    """Pair findings with equal keys, each used once (multiset), in report order."""
    old_idx = list(old_idx)
    waiting: dict[Hashable, list[int]] = defaultdict(list)
    for i in reversed(old_idx):
        waiting[old_keys[i]].append(i)
    used_old: set[int] = set()
    new_left = []
    for j in new_idx:
        bucket = waiting.get(new_keys[j])
        if bucket:
            used_old.add(bucket.pop())
        else:
            new_left.append(j)
    return [i for i in old_idx if i not in used_old], new_left, len(used_old)


def _order(f: dict[str, Any]) -> tuple:
    return (_SEVERITY_RANK.get(str(f.get("severity")), 9), str(f.get("code")), str(f.get("entity_type")),
            str(f.get("entity_id")), str(f.get("pipeline")), str(f.get("stage")))


def _count(findings: Sequence[dict]) -> dict[str, int]:
    out: dict[str, int] = defaultdict(int)
    for f in findings:
        out[f["code"]] += 1
    return out


def _affected(report: Report, code: str) -> int | None:
    check = report.checks.get(code)
    if not check or check.get("status") not in ("pass", "fail"):
        return None
    return check.get("affected")


# -- text form ----------------------------------------------------------------------------

def _render_text(diff: ReportDiff) -> str:
    old, new = diff.old, diff.new
    lines = [f"crm-audit diff  {old.path} (as of {old.as_of or '?'})  ->  {new.path} (as of {new.as_of or '?'})"]
    if diff.score_change is not None:
        lines.append(f"trust score {old.score:.1f} -> {new.score:.1f} ({diff.score_change:+.1f})")
    else:
        lines.append(f"trust score {_num(old.score)} -> {_num(new.score)}")
    lines.append(f"findings: {len(diff.appeared)} new, {len(diff.resolved)} resolved, "
                 f"{diff.unchanged} unchanged")
    per_code = diff.by_code()
    if per_code:
        lines.append("")
        lines.append("by check:")
        for row in per_code:
            affected = f"affected {_num(row['old_affected'])} -> {_num(row['new_affected'])}"
            lines.append(f"  {row['code']} {row['name'] or '':<28} +{row['new']} new  -{row['resolved']} resolved  "
                         f"{affected}")
    for title, items in (("new", diff.appeared), ("resolved", diff.resolved)):
        if not items:
            continue
        lines.append("")
        lines.append(f"{title}:")
        for f in items[:TEXT_LIMIT]:
            where = f"{f.get('entity_type')} {f.get('entity_id') if f.get('entity_id') is not None else ''}".rstrip()
            owner = f"  [{f['owner']}]" if f.get("owner") else ""
            severity = str(f.get("severity") or "")
            lines.append(f"  {f.get('code')} {severity:<6} {where}{owner}: {f.get('message') or ''}")
        if len(items) > TEXT_LIMIT:
            lines.append(f"  ... and {len(items) - TEXT_LIMIT} more (--format json lists all)")
    return "\n".join(lines) + "\n"


def _num(value: Any) -> str:
    if value is None:
        return "-"
    return f"{value:.1f}" if isinstance(value, float) else str(value)
