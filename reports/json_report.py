"""The JSON report (schema_version 1, docs/CONTRACT.md): what a cron job or another tool reads."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pandas as pd

from audit.model.findings import FINDING_COLUMNS
from audit.model.gauge import Gauge
from audit.model.result import AuditResult
from reports.atomic import atomic_path

SCHEMA_VERSION = 1


def build(result: AuditResult, options=None) -> dict[str, Any]:
    """The whole report as one dict (tests and tools that want it in memory; `write` streams)."""
    doc = _document(result, options)
    for key, rows in doc.items():
        if isinstance(rows, _Rows):
            doc[key] = rows.all()
    return doc


def _document(result: AuditResult, options=None) -> dict[str, Any]:
    """The report with its long lists (findings, owners, funnel) left as `_Rows`, made into dicts
    a slice at a time when written."""
    # --history: each check's affected count in the previous run (null: no previous run,
    # or the check did not run then).
    previous_affected = dict((result.previous or {}).get("checks") or {})
    doc: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "crm-audit", "version": result.tool_version},
        "as_of": _iso(result.as_of),
        "input": {"crm": result.crm, "files": [s.as_json() for s in result.inputs],
                  "warnings": [w.as_json() for w in result.warnings]},
        "summary": {
            # null when no check judged anything: 100 would read as a clean CRM
            "score": result.scores.overall,
            "coverage": result.coverage_or_count().as_json(),
            "checks": result.counts(),
            "findings": result.finding_counts(),
            "scores": {"owners": dict(result.scores.by_owner), "pipelines": dict(result.scores.by_pipeline)},
        },
        "checks": [
            {"code": c.code, "name": c.name, "family": c.family.value, "severity": c.severity.label,
             "status": c.status.value, "metric": c.metric, "threshold": c.threshold, **_gauge(c.gauge),
             "affected": c.affected, "judged": c.judged, "deals_touched": _deals_touched(result, c.code),
             "previous_affected": previous_affected.get(c.code),
             "message": c.message, "message_ru": c.message_ru, "skipped_reason": c.skipped_reason}
            for c in result.checks
        ],
        "findings": _Rows(result.findings[list(FINDING_COLUMNS)]),
        "owners": _Rows(result.owners),
        "funnel": _Rows(result.funnel),
    }
    if result.previous is not None:
        doc["summary"]["previous"] = dict(result.previous)
        doc["summary"]["trend"] = [dict(point) for point in result.trend]  # earlier runs, oldest first
    return doc


def _deals_touched(result: AuditResult, code: str) -> int | None:
    impact = result.scores.impacts.get(code)
    return impact.deals if impact is not None else None


def _gauge(gauge: Gauge | None) -> dict[str, str | None]:
    """How to read metric against threshold: `direction` (the check fails `above` or `below` the
    threshold), `unit` and `measure` (what the metric is); null for a result without one."""
    return gauge.as_json() if gauge is not None else {"measure": None, "unit": None, "direction": None}


def write(result: AuditResult, path: Path, options=None) -> None:
    """The report streamed to its file a slice of rows at a time: a million findings never stand
    in memory as one string (nor as a million dicts)."""
    with atomic_path(path) as tmp, open(tmp, "w", encoding="utf-8") as fh:
        for piece in _pieces(result, options):
            fh.write(piece)


class _Rows:
    """A table to write as a list of JSON objects, converted `SLICE` rows at a time."""

    SLICE = 20_000

    def __init__(self, frame: pd.DataFrame | None) -> None:
        self.frame = frame

    def __len__(self) -> int:
        return 0 if self.frame is None else len(self.frame)

    def slices(self):
        for start in range(0, len(self), self.SLICE):
            yield records(self.frame.iloc[start:start + self.SLICE])

    def all(self) -> list[dict[str, Any]]:
        return records(self.frame)


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as JSON-ready dicts: NaN/NaT become null, timestamps ISO text, numpy scalars
    plain Python. Built column by column (a million findings are a million dicts)."""
    if frame is None or frame.empty:
        return []
    columns = []
    for name in frame.columns:
        col = frame[name]
        if pd.api.types.is_datetime64_any_dtype(col.dtype):
            col = col.dt.strftime("%Y-%m-%dT%H:%M:%S")
        values = col.astype(object).where(col.notna(), None).tolist()
        if col.dtype == object and any(hasattr(v, "item") and not isinstance(v, (dict, list, str))
                                       for v in values[:1000]):
            values = [_clean(v) for v in values]
        columns.append(values)
    names = list(frame.columns)
    return [dict(zip(names, row)) for row in zip(*columns)]


def _clean(value: Any) -> Any:
    if isinstance(value, float) and math.isnan(value):
        return None
    if hasattr(value, "item") and not isinstance(value, (dict, list, str)):
        return value.item()
    return value


def _iso(ts: pd.Timestamp) -> str:
    return pd.Timestamp(ts).isoformat()


def _default(value: Any) -> Any:
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    if hasattr(value, "item"):
        return value.item()
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    raise TypeError(f"not JSON serializable: {type(value).__name__}")


def dump(result: AuditResult, options=None) -> str:
    """The report as text: one key per line, one check / finding / owner per line.

    Readable with grep and diff, and fast: json's C encoder only runs without `indent`, and
    an indented million-finding report took seconds in the pure-Python one.
    """
    return "".join(_pieces(result, options))


def _pieces(result: AuditResult, options=None):
    """The text of `dump`, in pieces: a key at a time, and a slice of rows at a time."""
    encode = json.JSONEncoder(ensure_ascii=False, default=_default, allow_nan=False).encode
    yield "{\n "
    for n, (key, value) in enumerate(_document(result, options).items()):
        if n:
            yield ",\n "
        if isinstance(value, (list, _Rows)) and len(value):
            yield f"{encode(key)}: [\n  "
            slices = value.slices() if isinstance(value, _Rows) else [value]
            first = True
            for rows in slices:
                if not first:
                    yield ",\n  "
                first = False
                yield ",\n  ".join(encode(item) for item in rows)
            yield "\n ]"
        else:
            yield f"{encode(key)}: {encode([] if isinstance(value, _Rows) else value)}"
    yield "\n}\n"
