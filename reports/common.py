"""What the human-facing reports (workbook, console, Markdown) share: the ranking of the
top problems, deltas against the previous run, and text made safe to print.

Rendering only: nothing here judges the data.
"""

from __future__ import annotations

import math
import re
from typing import Any, Mapping

import pandas as pd

from audit.model.findings import CheckResult, Status
from audit.model.result import AuditResult
from reports.i18n import t

# C0 controls except tab/newline/carriage return, DEL and C1 controls: a value from the
# CRM must not clear a terminal, move its cursor or break an XML file.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def clean(value: Any) -> str:
    """Text safe for a terminal, Markdown or a workbook: control characters removed."""
    return _CONTROL.sub("", str(value))


def one_line(value: Any, limit: int | None = None) -> str:
    """Clean text on one line, shortened with an ellipsis past `limit` characters."""
    text = " ".join(clean(value).split())
    if limit is not None and len(text) > limit:
        text = text[: max(limit - 1, 0)].rstrip() + "…"
    return text


def top_problems(result: AuditResult) -> list[CheckResult]:
    """Failed checks ranked by severity, then reach (affected records), then code."""
    failed = [c for c in result.checks if c.status is Status.FAIL]
    return sorted(failed, key=lambda c: (-int(c.severity), -int(c.affected or 0), c.code))


def is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def score_delta(result: AuditResult) -> float | None:
    """Trust score now minus at the previous run (None without history)."""
    prev = (result.previous or {}).get("score")
    if not is_number(prev) or not is_number(result.scores.overall):
        return None
    return round(float(result.scores.overall) - float(prev), 1)


def previous_text(result: AuditResult, lang: str = "en") -> str:
    """The previous run's date, and what differs from this run when it is not simply an earlier
    export: the same data audited as of another date, or another export of the same date."""
    previous = result.previous or {}
    when = as_of_text(previous.get("as_of"))
    if previous.get("same_inputs") and not previous.get("same_as_of"):
        return t("summary.previous.same_data", lang, as_of=when)
    if previous.get("same_as_of") and not previous.get("same_inputs"):
        return t("summary.previous.reexport", lang, as_of=when)
    return when


def previous_affected(result: AuditResult) -> Mapping[str, Any]:
    """code -> affected count at the previous run (None when it did not run then)."""
    return (result.previous or {}).get("checks") or {}


def affected_delta(result: AuditResult, check: CheckResult) -> int | None:
    prev = previous_affected(result).get(check.code)
    if not is_number(prev) or check.status not in (Status.PASS, Status.FAIL):
        return None
    return int(check.affected) - int(prev)


def signed(value: float | int | None, digits: int = 0) -> str:
    """+3, −2, ±0 (a real minus sign reads better than a hyphen)."""
    if value is None:
        return ""
    if value == 0:
        return "±0"
    text = f"{abs(value):,.{digits}f}"
    return ("+" if value > 0 else "−") + text


def as_of_text(ts: Any) -> str:
    try:
        stamp = pd.Timestamp(ts)
    except (ValueError, TypeError):
        return str(ts)
    if pd.isna(stamp):
        return ""
    return f"{stamp:%Y-%m-%d}" if (stamp.hour, stamp.minute, stamp.second) == (0, 0, 0) \
        else f"{stamp:%Y-%m-%d %H:%M}"


def score_text(score: Any) -> str:
    return f"{float(score):.1f}" if is_number(score) else "—"


def coverage_text(result: AuditResult, lang: str = "en") -> str:
    """What the score rests on: "based on 17 of 31 checks; not judged: work outside the CRM (no
    activities)"; with nothing judged, that there is no score at all."""
    from reports.i18n import family, t
    cov = result.coverage_or_count()
    if not cov.judged:
        return t("coverage.not_scored", lang, judged=cov.judged, catalogue=cov.catalogue)
    text = t("coverage.based_on", lang, judged=cov.judged, catalogue=cov.catalogue)
    if cov.not_judged:
        names = ", ".join(f"{_lower_first(family(g.family.value, lang))} ({g.text(lang)})" for g in cov.not_judged)
        text += "; " + t("coverage.not_judged", lang, families=names)
    return text


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def warning_lines(result: AuditResult, lang: str = "en") -> list[str]:
    """One line per input warning, led by the file it is about (its name, not its path)."""
    from pathlib import PurePath
    out = []
    for w in result.warnings:
        where = f"{PurePath(w.file).name}: " if w.file else ""
        out.append(one_line(where + w.text(lang)))
    return out
