"""`--md report.md`: a short summary for mail or chat.

The score (and its change since the last run), the counts, the top problems with what
to do, and the managers with the most findings. CRM text is escaped so a deal title or a
manager's name cannot break the table or inject markup (HTML, links, emphasis).
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from audit.model.findings import Status
from audit.model.result import AuditResult
from reports import ReportOptions, i18n
from reports.atomic import atomic_path
from reports.common import (affected_delta, as_of_text, coverage_text, is_number, one_line, previous_text,
                            score_delta, score_text, signed, top_problems, warning_lines)
from reports.i18n import t

TOP = 10
TOP_MANAGERS = 5
# Characters that start markup anywhere in a line (links need "[", so "(" may stay).
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>|~])")


def escape(text) -> str:
    """One line of CRM text safe inside Markdown (and a table cell)."""
    return _MD_SPECIAL.sub(r"\\\1", one_line(text))


def write(result: AuditResult, path: Path, options: ReportOptions | None = None) -> None:
    options = options or ReportOptions()
    if options.mask_pii:
        from reports.pii import mask_result
        result = mask_result(result)
    text = render(result, options.lang)
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")


def render(result: AuditResult, lang: str = "en") -> str:
    lang = lang if lang in i18n.LANGS else "en"
    out: list[str] = [f"# {t('md.title', lang, as_of=as_of_text(result.as_of))}", ""]
    out.append(t("md.crm", lang, crm=escape(result.crm or "?")) + "  ")
    score_line = (t("md.score", lang, score=score_text(result.scores.overall)) + " - " + escape(coverage_text(result, lang))
                  if is_number(result.scores.overall) else t("md.not_scored", lang) + " - "
                  + escape(coverage_text(result, lang)))
    delta = score_delta(result)
    if delta is not None:
        score_line += " (" + t("summary.delta", lang, delta=signed(delta, 1),
                               as_of=previous_text(result, lang)) + ")"
    out.append(score_line + "  ")
    counts = result.counts()
    checks = t("md.checks", lang, passed=counts.get("pass", 0), failed=counts.get("fail", 0),
               skipped=counts.get("skipped", 0))
    if counts.get("error"):
        checks += t("md.errors", lang, n=counts["error"])
    out.append(checks + "  ")
    findings = result.finding_counts()
    out.append(t("md.findings", lang, counts=", ".join(
        f"{n:,} {i18n.severity(label, lang)}" for label, n in findings.items() if n) or "0"))
    out.append("")
    if result.warnings:
        out.append(f"## {t('md.warnings', lang)}")
        out.append("")
        out.extend(f"- {escape(line)}" for line in warning_lines(result, lang))
        out.append("")

    ranked = top_problems(result)
    if ranked:
        has_prev = result.previous is not None
        out.append(f"## {t('md.top', lang)}")
        out.append("")
        head = [t("col.severity", lang), t("col.check", lang), t("col.affected", lang)]
        if has_prev:
            head.append(t("col.delta", lang))
        head += [t("col.what_found", lang), t("col.what_to_do", lang)]
        out.append("| " + " | ".join(head) + " |")
        out.append("|" + "|".join("---:" if h in (t("col.affected", lang), t("col.delta", lang)) else "---"
                                  for h in head) + "|")
        for check in ranked[:TOP]:
            info = result.catalogue.get(check.code)
            title = i18n.check_title(check.code, check.name, result.catalogue, lang)
            row = [i18n.severity(check.severity.label, lang), f"{check.code} {escape(title)}", f"{check.affected:,}"]
            if has_prev:
                row.append(signed(affected_delta(result, check)))
            row += [escape(check.text(lang)), escape(info.text("fix", lang)) if info is not None else ""]
            out.append("| " + " | ".join(row) + " |")
        if len(ranked) > TOP:
            out.append("")
            out.append(t("summary.top_more", lang, n=len(ranked) - TOP))
        out.append("")
    else:
        out.append(t("summary.top_none", lang))
        out.append("")

    managers = _managers(result, lang)
    if managers:
        out.extend(managers)

    skipped = [c.code for c in result.checks if c.status is Status.SKIPPED]
    if skipped:
        out.append(t("md.skipped", lang, codes=", ".join(skipped)))
        out.append("")
    out.append(f"_{t('md.footer', lang)}_")
    return "\n".join(out) + "\n"


def _managers(result: AuditResult, lang: str) -> list[str]:
    owners = result.owners
    if owners is None or owners.empty or "owner" not in owners or "findings" not in owners:
        return []
    top = owners[pd.to_numeric(owners["findings"], errors="coerce").fillna(0) > 0]
    if top.empty:
        return []
    top = top.sort_values(["findings", "owner"], ascending=[False, True]).head(TOP_MANAGERS)
    scores = dict(result.scores.by_owner or {})
    head = [t("col.owner", lang), t("col.deals", lang), t("col.win_rate", lang), t("col.findings", lang)]
    if scores:
        head.append(t("col.score", lang))
    lines = [f"## {t('md.managers', lang)}", "", "| " + " | ".join(head) + " |",
             "|---|" + "|".join("---:" for _ in head[1:]) + "|"]
    for values in top.to_dict("records"):
        win = values.get("win_rate")
        cells = [escape(values["owner"] if isinstance(values["owner"], str) else t("no_owner", lang)),
                 _num(values.get("deals")), f"{win:.0%}" if is_number(win) else "—", _num(values["findings"])]
        if scores:
            s = scores.get(values["owner"])
            cells.append(score_text(s))
        lines.append("| " + " | ".join(cells) + " |")
    lines.append("")
    return lines


def _num(value) -> str:
    return f"{int(value):,}" if is_number(value) else "—"
