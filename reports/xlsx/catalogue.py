"""The Checks sheet: the whole catalogue as run, in catalogue order, with status, the
measured value against its threshold (and, in words, on which side of it the check fails), why
it matters and how to fix it."""

from __future__ import annotations

from openpyxl import Workbook
from openpyxl.styles import Alignment
from openpyxl.utils import get_column_letter

from audit.model.gauge import Unit
from audit.model.findings import Family, Status
from reports import i18n
from reports.common import affected_delta, is_number, previous_affected
from reports.i18n import t
from reports.xlsx.sheet import BookContext, Sheet
from reports.xlsx.styles import Font, FMT_INT, FMT_SIGNED, TOP, WRAP, severity_rules, status_rules

# Catalogue order (ST, SG, OF, FN, HY): the sheet reads as the catalogue; filters do the rest.
FAMILY_ORDER = {p: i for i, p in enumerate(("ST", "SG", "OF", "FN", "HY"))}


def add(wb: Workbook, ctx: BookContext) -> None:
    r, lang = ctx.result, ctx.lang
    has_prev = r.previous is not None
    headers = ["code", "check", "family", "severity", "status", "metric", "threshold", "affected", "judged"]
    widths = [8, 30, 20, 12, 12, 11, 11, 10, 10]
    if has_prev:
        headers += ["previous_affected", "delta"]
        widths += [12, 11]
    headers += ["reading", "result", "rationale", "fix", "skipped_reason"]
    widths += [34, 40, 46, 46, 36]
    s = Sheet(wb, t("sheet.checks", lang), widths, lang=ctx.lang)
    s.freeze("C3")
    s.print_setup(ctx, repeat_rows="2:2")
    s.caption(t("checks.caption", lang))
    s.header([t(f"col.{h}", lang) for h in headers])
    first = s.row + 1
    prev = previous_affected(r)
    for c in sorted(r.checks, key=lambda c: (FAMILY_ORDER.get(c.code[:2], 9), c.code)):
        info = r.catalogue.get(c.code)
        row = [s.cell(c.code, font=Font(bold=True), align=TOP),
               s.cell(ctx.titles.get(c.code, c.name), align=WRAP),
               s.cell(i18n.family(c.family.value, lang), align=TOP),
               s.cell(i18n.severity(c.severity.label, lang), align=TOP),
               s.cell(i18n.status(c.status.value, lang), align=TOP),
               s.cell(c.metric, fmt=_metric_format(c), align=TOP),
               s.cell(c.threshold, fmt=_metric_format(c), align=TOP),
               s.cell(c.affected if c.status in (Status.PASS, Status.FAIL) else None, fmt=FMT_INT, align=TOP),
               s.cell(c.judged, fmt=FMT_INT, align=TOP)]
        if has_prev:
            p = prev.get(c.code)
            row += [s.cell(p if is_number(p) else None, fmt=FMT_INT, align=TOP),
                    s.cell(affected_delta(r, c), fmt=FMT_SIGNED, align=Alignment(horizontal="center", vertical="top"))]
        reading = c.gauge.reading(c.metric, c.threshold, lang) if c.gauge is not None else None
        row += [s.cell(reading, align=WRAP),
                s.cell(c.text(lang), align=WRAP),
                s.cell(info.text("rationale", lang) if info else None, align=WRAP),
                s.cell(info.text("fix", lang) if info else None, align=WRAP),
                s.cell(c.reason(lang), align=WRAP)]
        s.append(row)
    last = s.row
    s.ws.auto_filter.ref = f"A2:{get_column_letter(len(headers))}{max(last, 2)}"
    severity_rules(s, "D", first, last, lang)
    status_rules(s, "E", first, last, lang)
    s.blank()
    _families(s, ctx)


def _families(s: Sheet, ctx: BookContext) -> None:
    """Per family: checks that judged something of those run, failed ones, findings - or "not
    judged" and why, never a 0 that would read as clean."""
    r, lang = ctx.result, ctx.lang
    s.section(t("summary.families", lang))
    s.append([None, s.cell(t("summary.family", lang), "ca_header"), s.cell(t("summary.judged", lang), "ca_header"),
              s.cell(t("summary.family_failed", lang), "ca_header"), s.cell(t("col.findings", lang), "ca_header")],
             height=30)
    gaps = {g.family.value: g for g in r.coverage_or_count().not_judged}
    counts = r.findings["family"].value_counts() if len(r.findings) and "family" in r.findings else {}
    for fam in Family:
        members = [c for c in r.checks if c.family is fam]
        if not members:
            continue
        judged = sum(c.judged_anything for c in members)
        failed = sum(c.status is Status.FAIL for c in members)
        gap = gaps.get(fam.value)
        found = s.cell(int(counts.get(fam.value, 0)), fmt=FMT_INT)
        if gap is not None or not judged:
            found = s.cell(t("summary.not_judged", lang, reason=gap.text(lang) if gap is not None
                             else t("coverage.family_not_judged", lang)), font=Font(italic=True, color="9C5700"))
        s.append([None, s.cell(i18n.family(fam.value, lang), font=Font(bold=True)),
                  s.cell(f"{judged} / {len(members)}", align=Alignment(horizontal="center")),
                  s.cell(failed or None, fmt=FMT_INT), found])


def _metric_format(c) -> str:
    """Shares as percentages (0.6357 reads 63.6%), like the sentence beside them; counts whole;
    z-scores and q-values as the decimals they are."""
    unit = c.gauge.unit if c.gauge is not None else None
    if unit is Unit.SHARE:
        return "0.0%"
    if unit is Unit.COUNT:
        return FMT_INT
    return "0.####"
