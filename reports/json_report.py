"""The JSON report (schema_version 1, see DESIGN.md): what a cron job or another tool reads."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pandas as pd

from audit.findings import FINDING_COLUMNS
from audit.result import AuditResult
from reports.atomic import atomic_path

SCHEMA_VERSION = 1


def build(result: AuditResult, options=None) -> dict[str, Any]:
    # --history: each check's affected count in the previous run (null: no previous run,
    # or the check did not run then).
    previous_affected = dict((result.previous or {}).get("checks") or {})
    doc: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "crm-audit", "version": result.tool_version},
        "as_of": _iso(result.as_of),
        "input": {"crm": result.crm, "files": [s.as_json() for s in result.inputs]},
        "summary": {
            "score": result.scores.overall,
            "checks": result.counts(),
            "findings": result.finding_counts(),
            "scores": {"owners": dict(result.scores.by_owner), "pipelines": dict(result.scores.by_pipeline)},
        },
        "checks": [
            {"code": c.code, "name": c.name, "family": c.family.value, "severity": c.severity.label,
             "status": c.status.value, "metric": c.metric, "threshold": c.threshold,
             "affected": c.affected, "previous_affected": previous_affected.get(c.code),
             "message": c.message, "skipped_reason": c.skipped_reason}
            for c in result.checks
        ],
        "findings": records(result.findings[list(FINDING_COLUMNS)]),
        "owners": records(result.owners),
        "funnel": records(result.funnel),
    }
    if result.previous is not None:
        doc["summary"]["previous"] = dict(result.previous)
        doc["summary"]["trend"] = [dict(point) for point in result.trend]  # earlier runs, oldest first
    return doc


def write(result: AuditResult, path: Path, options=None) -> None:
    text = dump(result, options)
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as JSON-ready dicts: NaN/NaT become null, timestamps ISO text."""
    if frame is None or frame.empty:
        return []
    out = frame.copy()
    for col in out.columns:
        if pd.api.types.is_datetime64_any_dtype(out[col].dtype):
            out[col] = out[col].dt.strftime("%Y-%m-%dT%H:%M:%S")
    out = out.astype(object).where(out.notna(), None)
    return [{k: _clean(v) for k, v in row.items()} for row in out.to_dict("records")]


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
    return json.dumps(build(result, options), ensure_ascii=False, indent=1, default=_default,
                      allow_nan=False) + "\n"
