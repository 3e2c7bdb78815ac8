"""The console summary of a run: score, failed checks by severity, top problems, outputs.

Coloured on a terminal (click.style), plain when piped: a cron log gets the same lines
without escape codes. CRM text is cleaned of control characters, so an export cannot
move the cursor or recolour a terminal.
"""

from __future__ import annotations

import shutil
from typing import Iterable, Sequence

import click

from audit.model.findings import CheckResult, Severity, Status
from audit.model.result import AuditResult
from reports import i18n
from audit.model.text import num
from reports.common import (as_of_text, clean, coverage_text, is_number, one_line, previous_text, score_delta,
                            score_text, severity_counts, signed, top_problems, warning_lines)
from reports.i18n import t

MAX_FAILED_LINES = 12
SEVERITY_COLORS = {"high": "red", "medium": "yellow", "low": "cyan", "info": "white"}


def _style(text: str, color: bool, **kw) -> str:
    return click.style(text, **kw) if color else text


def _score_color(score) -> str:
    if not is_number(score):
        return "white"
    return "green" if score >= 80 else "yellow" if score >= 60 else "red"


def render_summary(result: AuditResult, written: Iterable[Sequence[str]], *, color: bool = False,
                   lang: str = "en", fail_on: str = "high") -> str:
    """The summary printed after `crm-audit run`: a few lines a person reads in seconds."""
    lang = lang if lang in i18n.LANGS else "en"
    width = shutil.get_terminal_size((100, 24)).columns if color else None
    lines: list[str] = []
    header = t("console.header", lang, as_of=as_of_text(result.as_of, lang), crm=clean(result.crm or "?"))
    lines.append(_style(header, color, bold=True))
    pad = max(len(t(k, lang)) for k in ("console.score", "console.checks", "console.findings")) + 2

    score = result.scores.overall
    coverage = coverage_text(result, lang)
    score_line = f"{t('console.score', lang):<{pad}}" + (
        _style(f"{score_text(score, lang)} / 100", color, fg=_score_color(score), bold=True) + " - " + coverage
        if is_number(score) else _style(t("coverage.no_score", lang), color, fg="yellow", bold=True)
        + " - " + coverage)
    delta = score_delta(result)
    if delta is not None:
        prev_as_of = previous_text(result, lang)
        delta_text = t("summary.delta", lang, delta=signed(delta, 1, lang), as_of=prev_as_of)
        score_line += "  " + _style(f"({delta_text})", color,
                                    fg="green" if delta > 0 else "red" if delta < 0 else None)
    lines.append(score_line)

    counts = result.counts()
    parts = [f"{counts.get('pass', 0)} {t('summary.passed', lang)}",
             _style(f"{counts.get('fail', 0)} {t('summary.failed', lang)}", color,
                    fg="red" if counts.get("fail") else None),
             f"{counts.get('skipped', 0)} {t('summary.skipped', lang)}"]
    if counts.get("error"):
        parts.append(_style(f"{counts['error']} {t('summary.errors', lang)}", color, fg="red"))
    lines.append(f"{t('console.checks', lang):<{pad}}" + " · ".join(parts))
    findings = result.finding_counts()
    lines.append(f"{t('console.findings', lang):<{pad}}" + " · ".join(
        _style(severity_counts({label: n}, lang), color, fg=SEVERITY_COLORS[label] if n and label != "info" else None)
        for label, n in findings.items()))

    if result.warnings:
        lines.append("")
        lines.append(_style(t("console.warnings", lang), color, fg="yellow", bold=True))
        lines.extend(warning_block(result, lang))

    level = None if fail_on == "never" else _parse_level(fail_on)
    ranked = top_problems(result)
    lines.append("")
    if not ranked:
        lines.append(_style(t("console.none_failed", lang), color, fg="green"))
    else:
        lines.append(_style(t("console.failed", lang), color, bold=True))
        titles = {c.code: i18n.check_title(c.code, c.name, result.catalogue, lang) for c in ranked}
        title_width = min(34, max(len(v) for v in titles.values()))
        for check in ranked[:MAX_FAILED_LINES]:
            lines.append(_failed_line(check, titles[check.code], title_width, level, color, lang, width))
        if len(ranked) > MAX_FAILED_LINES:
            lines.append("  " + t("console.more", lang, n=len(ranked) - MAX_FAILED_LINES))
    errored = [c for c in result.checks if c.status is Status.ERROR]
    if errored:
        lines.append("")
        lines.append(_style(t("console.errors", lang), color, fg="red", bold=True))
        for c in errored:
            lines.append("  " + _fit(f"{c.code}  {one_line(c.text(lang))}", width and width - 2))
    skipped = [c.code for c in result.checks if c.status is Status.SKIPPED]
    if skipped:
        lines.append("")
        lines.append(_fit(t("console.skipped", lang, codes=", ".join(skipped)), width))

    written = list(written)
    if written:
        lines.append("")
        lines.append(_style(t("console.reports", lang), color, bold=True))
        for fmt, path in written:
            lines.append(f"  {fmt:<5} {clean(path)}")
    if level is not None:
        failing = result.failed_at_or_above(level)
        if failing:
            lines.append("")
            lines.append(_style(t("console.exit", lang, n=len(failing), level=i18n.severity(level.label, lang)),
                                color, fg="red"))
    return "\n".join(lines) + "\n"


def _failed_line(check: CheckResult, title: str, title_width: int, level: Severity | None, color: bool,
                 lang: str, width: int | None) -> str:
    sev = i18n.severity(check.severity.label, lang)
    marker = "!" if level is not None and check.severity >= level else " "
    sev_text = _style(f"{sev:<8}", color, fg=SEVERITY_COLORS.get(check.severity.label), bold=marker == "!")
    title = one_line(title, title_width)
    head = f" {marker}{sev_text} {check.code}  {title:<{title_width}}  {num(check.affected, lang):>7}  "
    # The metric against its threshold, worded by the check's gauge: the message gives way to it.
    reading = check.gauge.reading(check.metric, check.threshold, lang) if check.gauge is not None else None
    tail = f"  ({reading})" if reading else ""
    visible = len(click.unstyle(head)) + len(tail)
    room = (width - visible) if width else None
    message = one_line(check.text(lang), room if room and room > 20 else None)
    return head + message + tail


def _fit(text: str, width: int | None) -> str:
    return one_line(text, width - 1) if width else one_line(text)


def _parse_level(fail_on: str) -> Severity | None:
    try:
        return Severity.parse(fail_on)
    except ValueError:
        return None


def render_quiet_failure(result: AuditResult, failed, fail_on: str) -> str:
    """The one line `-q` prints when checks at or above --fail-on failed (for cron mail), then the
    input warnings: a failure built on a misread export must say so."""
    codes = ", ".join(c.code for c in failed)
    line = t("console.quiet", "en", n=len(failed), level=fail_on, codes=codes,
             score=score_text(result.scores.overall))
    return "\n".join([line, *warning_block(result, "en")])


def warning_block(result: AuditResult, lang: str) -> list[str]:
    return ["  ! " + text for text in warning_lines(result, lang)]
