"""`--md report.md`: a short summary for mail or chat.

The score (and its change since the last run), the counts, the top problems with what
to do, the managers worst first, and the checks that could not judge with why. CRM text is escaped so a deal title or a
manager's name cannot break the table or inject markup (HTML, links, emphasis).
"""

from __future__ import annotations

import re
from pathlib import Path


from audit.model.findings import Status
from audit.model.result import AuditResult
from reports import ReportOptions, i18n
from reports.atomic import atomic_path
from audit.model.text import num
from reports.common import (affected_delta, as_of_text, coverage_text, is_number, one_line, previous_text,
                            score_delta, score_text, severity_counts, signed, top_problems, warning_lines)
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
    out: list[str] = [f"# {t('md.title', lang, as_of=as_of_text(result.as_of, lang))}", ""]
    out.append(t("md.crm", lang, crm=escape(result.crm or "?")) + "  ")
    score_line = (t("md.score", lang, score=score_text(result.scores.overall, lang)) + " - " + escape(coverage_text(result, lang))
                  if is_number(result.scores.overall) else t("md.not_scored", lang) + " - "
                  + escape(coverage_text(result, lang)))
    delta = score_delta(result)
    if delta is not None:
        score_line += " (" + t("summary.delta", lang, delta=signed(delta, 1, lang),
                               as_of=previous_text(result, lang)) + ")"
    out.append(score_line + "  ")
    counts = result.counts()
    checks = t("md.checks", lang, passed=counts.get("pass", 0), failed=counts.get("fail", 0),
               skipped=counts.get("skipped", 0))
    if counts.get("error"):
        checks += t("md.errors", lang, n=counts["error"])
    out.append(checks + "  ")
    findings = result.finding_counts()
    out.append(t("md.findings", lang, counts=severity_counts(findings, lang, skip_zero=True) or "0"))
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
            row = [i18n.severity(check.severity.label, lang), f"{check.code} {escape(title)}",
                   num(check.affected, lang)]
            if has_prev:
                row.append(signed(affected_delta(result, check), 0, lang))
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

    skipped = [c for c in result.checks if c.status is Status.SKIPPED]
    if skipped:
        # The reasons themselves: a Markdown-only run has no workbook to point to.
        out.append(t("md.skipped", lang))
        out.append("")
        out.extend(f"- {c.code}: {escape(c.reason(lang) or c.text(lang))}" for c in skipped)
        out.append("")
    out.append(f"_{t('md.footer', lang)}_")
    return "\n".join(out) + "\n"


def _managers(result: AuditResult, lang: str) -> list[str]:
    """Managers worst first, as on the workbook's Summary: score, deals and the check that
    costs each of them most (a manager's findings alone would rank a big book first and a
    manager whose findings touch none of his deals as if they did)."""
    scores = {o: s for o, s in (result.scores.by_owner or {}).items() if is_number(s)}
    owners = result.owners
    if not scores or owners is None or owners.empty or "owner" not in owners:
        return []
    deals = dict(zip(owners["owner"].astype(str), owners["deals"])) if "deals" in owners else {}
    ranked = sorted(scores.items(), key=lambda item: (item[1], -(deals.get(item[0]) or 0), item[0]))
    head = [t("col.owner", lang), t("col.score", lang), t("col.deals", lang), t("summary.costs_most", lang)]
    lines = [f"## {t('md.managers', lang)}", "", "| " + " | ".join(head) + " |", "|---|---:|---:|---|"]
    for owner, score in ranked[:TOP_MANAGERS]:
        code = (result.scores.costliest_by_owner or {}).get(owner)
        problem = (f"{code} {escape(i18n.check_title(code, code, result.catalogue, lang))}" if code
                   else t("summary.nothing_found", lang))
        lines.append("| " + " | ".join([escape(i18n.sentinel(owner, lang)), score_text(score, lang),
                                         _num(deals.get(owner), lang), problem]) + " |")
    if len(ranked) > TOP_MANAGERS:
        lines.append("")
        lines.append(t("md.more_managers", lang, n=len(ranked) - TOP_MANAGERS))
    lines.append("")
    return lines


def _num(value, lang: str = "en") -> str:
    return num(value, lang) if is_number(value) else "—"
