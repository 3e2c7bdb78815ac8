"""The Summary sheet: trust score, checks and findings counted, top problems, findings by
family, the trend across runs and the input files. It prints on one page."""

from __future__ import annotations

from typing import Any

import pandas as pd
from openpyxl import Workbook
from openpyxl.chart import BarChart, LineChart, Reference
from openpyxl.chart.label import DataLabelList
from openpyxl.styles import Alignment, Font

from audit.model.findings import Family
from reports import i18n
from reports.common import (affected_delta, as_of_text, coverage_text, is_number, previous_text, score_delta,
                            signed, top_problems, warning_lines)
from reports.i18n import t
from reports.xlsx.sheet import BookContext, Sheet
from reports.xlsx.styles import (FMT_1, FMT_INT, FMT_SIGNED, INK, MUTED, STATUS_COLORS, TOP, WRAP, score_font,
                                 sev_fill, show_axes)

TOP_PROBLEMS = 10


def add(wb: Workbook, ctx: BookContext) -> None:
    r, lang = ctx.result, ctx.lang
    s = Sheet(wb, t("sheet.summary", lang), [36, 15, 13, 12, 11, 60, 60])
    s.ws.sheet_view.showGridLines = False
    s.ws.page_setup.fitToHeight = 1  # the summary prints on one page
    _score(s, ctx)
    _counts(s, ctx)
    _warnings(s, ctx)
    _top_problems(s, ctx)
    _off_system(s, ctx)
    _by_family(s, ctx)
    if r.trend or r.previous is not None:
        _trend(s, ctx)
    _inputs(s, ctx)


def _score(s: Sheet, ctx: BookContext) -> None:
    r, lang = ctx.result, ctx.lang
    s.append([s.cell(t("summary.title", lang), "ca_title")], height=32)
    s.caption(t("summary.subtitle", lang, as_of=as_of_text(r.as_of), crm=r.crm or "?", version=r.tool_version))
    s.blank()
    score = r.scores.overall
    delta = score_delta(r)
    delta_cell = None
    if delta is not None:
        delta_cell = s.cell(t("summary.delta", lang, delta=signed(delta, 1),
                              as_of=previous_text(r, lang)),
                            font=Font(bold=True, color="006100" if delta > 0 else "9C0006" if delta < 0 else MUTED))
    scored = is_number(score)
    s.append([s.cell(t("summary.score", lang), font=Font(bold=True, size=14, color=INK),
                     align=Alignment(vertical="center")),
              s.cell(score if scored else t("coverage.no_score", lang), fmt=FMT_1,
                     font=score_font(score, 28) if scored else Font(bold=True, size=14, color="9C5700"),
                     align=Alignment(horizontal="right", vertical="center")),
              s.cell(t("summary.of_100", lang) if scored else None, font=Font(color=MUTED, size=12),
                     align=Alignment(vertical="center")),
              delta_cell], height=40)
    # What the score rests on, right under it: a score is only as good as its coverage.
    s.append([s.cell(coverage_text(r, lang), font=Font(bold=True, color=INK if scored else "9C5700"))])
    s.caption(t("summary.score_hint", lang))
    s.blank()


def _counts(s: Sheet, ctx: BookContext) -> None:
    """Checks by status beside findings by severity."""
    r, lang = ctx.result, ctx.lang
    counts = r.counts()
    findings = r.finding_counts()
    status_rows = [("summary.passed", counts.get("pass", 0), "pass"),
                   ("summary.failed", counts.get("fail", 0), "fail"),
                   ("summary.skipped", counts.get("skipped", 0), "skipped")]
    if counts.get("error"):
        status_rows.append(("summary.errors", counts["error"], "error"))
    sev_rows = [(label, findings.get(label, 0)) for label in ("high", "medium", "low", "info")]
    s.append([s.cell(t("summary.checks", lang), "ca_header"), s.cell(None, "ca_header"), None,
              s.cell(t("summary.findings", lang), "ca_header"), s.cell(None, "ca_header")])
    for i in range(max(len(status_rows), len(sev_rows))):
        row: list[Any] = [None] * 5
        if i < len(status_rows):
            key, n, status = status_rows[i]
            _fill, font = STATUS_COLORS[status]
            row[0] = s.cell(t(key, lang))
            row[1] = s.cell(n, fmt=FMT_INT, font=Font(bold=True, color=font) if n and status != "pass" else None)
        if i < len(sev_rows):
            label, n = sev_rows[i]
            fill, bold = sev_fill(label)
            row[3] = s.cell(i18n.severity(label, lang), fill=fill if n else None, font=bold if n else None)
            row[4] = s.cell(n, fmt=FMT_INT)
        s.append(row)
    s.blank()


def _warnings(s: Sheet, ctx: BookContext) -> None:
    """Input warnings, before the problems: a finding built on a misread export is no finding."""
    r, lang = ctx.result, ctx.lang
    if not r.warnings:
        return
    s.section(t("summary.warnings", lang))
    for line in warning_lines(r, lang):
        s.append([s.cell("! " + line, font=Font(color="9C5700"))])
    s.blank()


def _top_problems(s: Sheet, ctx: BookContext) -> None:
    """Failed checks ranked by severity and reach, with what was found and what to do."""
    r, lang = ctx.result, ctx.lang
    s.section(t("summary.top", lang))
    ranked = top_problems(r)
    has_prev = r.previous is not None
    s.header([t("col.check", lang), t("col.code", lang), t("col.severity", lang), t("col.affected", lang),
              t("col.delta", lang) if has_prev else "", t("col.what_found", lang), t("col.what_to_do", lang)])
    if not ranked:
        s.append([s.cell(t("summary.top_none", lang), font=Font(color="006100", bold=True))])
    for check in ranked[:TOP_PROBLEMS]:
        info = r.catalogue.get(check.code)
        fix = info.text("fix", lang) if info is not None else ""
        fill, font = sev_fill(check.severity.label)
        delta_n = affected_delta(r, check) if has_prev else None
        s.append([s.cell(ctx.titles.get(check.code, check.name), align=WRAP, font=Font(bold=True)),
                  s.cell(check.code, "ca_top"),
                  s.cell(i18n.severity(check.severity.label, lang), fill=fill, font=font, align=TOP),
                  s.cell(check.affected, fmt=FMT_INT, align=TOP),
                  s.cell(delta_n, fmt=FMT_SIGNED, align=Alignment(horizontal="center", vertical="top")),
                  s.cell(check.text(lang), align=WRAP),
                  s.cell(fix, align=WRAP)])
    if len(ranked) > TOP_PROBLEMS:
        s.caption(t("summary.top_more", lang, n=len(ranked) - TOP_PROBLEMS))
    s.blank()


def _off_system(s: Sheet, ctx: BookContext) -> None:
    """The manager whose talk with clients left the least trace in the CRM (the phone log's verdict)."""
    leader = ctx.result.off_system
    if leader is None:
        return
    owner, share = leader
    s.append([s.cell(t("summary.off_system", ctx.lang, owner=owner, share=f"{1 - share:.0%}"),
                     font=Font(bold=True, color="9C0006"))])
    s.blank()


def _by_family(s: Sheet, ctx: BookContext) -> None:
    """Findings per family, with a bar chart beside the table."""
    r, lang = ctx.result, ctx.lang
    s.section(t("summary.by_family", lang))
    s.header([t("summary.family", lang), t("col.findings", lang)])
    fam_counts = (r.findings["family"].value_counts() if len(r.findings) and "family" in r.findings
                  else pd.Series(dtype=int))
    families = [f.value for f in Family]
    families += sorted(str(f) for f in fam_counts.index if f not in families)
    # A family none of whose checks judged anything has no count: 0 would read as clean.
    unjudged = {g.family.value for g in r.coverage_or_count().not_judged}
    first = s.row + 1
    for fam in families:
        count = (s.cell(t("coverage.family_not_judged", lang), font=Font(italic=True, color=MUTED))
                 if fam in unjudged else s.cell(int(fam_counts.get(fam, 0)), fmt=FMT_INT))
        s.append([s.cell(i18n.family(fam, lang)), count])
    last = s.row
    chart = BarChart()
    chart.type = "bar"
    chart.style = 10
    chart.title = t("summary.by_family", lang)
    chart.legend = None
    chart.add_data(Reference(s.ws, min_col=2, min_row=first, max_row=last), titles_from_data=False)
    chart.set_categories(Reference(s.ws, min_col=1, min_row=first, max_row=last))
    chart.y_axis.scaling.orientation = "minMax"
    chart.x_axis.scaling.orientation = "maxMin"  # families top-down in table order
    show_axes(chart)
    chart.series[0].graphicalProperties.solidFill = "2E75B6"
    chart.dataLabels = DataLabelList(showVal=True, showCatName=False, showSerName=False,
                                     showLegendKey=False, showPercent=False)
    chart.width, chart.height = 16, 6.5
    s.ws.add_chart(chart, f"D{first - 2}")
    s.blank(max(2, 14 - len(families)))


def _trend(s: Sheet, ctx: BookContext) -> None:
    """The trust score of earlier runs and this one, as a table and a line chart."""
    r, lang = ctx.result, ctx.lang
    points = [(p.get("as_of"), p.get("score")) for p in r.trend]
    if r.previous is not None and not points:
        points = [(r.previous.get("as_of"), r.previous.get("score"))]
    points.append((r.as_of, r.scores.overall))
    s.section(t("summary.trend", lang))
    s.header([t("summary.run", lang), t("summary.score", lang)])
    first = s.row + 1
    for as_of, score in points:
        try:
            stamp = pd.Timestamp(as_of)
        except (ValueError, TypeError):
            stamp = None
        s.append([s.cell(as_of_text(stamp) if stamp is not None else as_of, "ca_top"),
                  s.cell(score if is_number(score) else None, fmt=FMT_1)])
    last = s.row
    chart = LineChart()
    chart.title = t("summary.trend", lang)
    chart.legend = None
    chart.style = 12
    chart.add_data(Reference(s.ws, min_col=2, min_row=first, max_row=last), titles_from_data=False)
    chart.set_categories(Reference(s.ws, min_col=1, min_row=first, max_row=last))
    chart.y_axis.scaling.min = 0
    chart.y_axis.scaling.max = 100
    show_axes(chart)
    series = chart.series[0]
    series.marker.symbol = "circle"
    series.graphicalProperties.line.solidFill = "2E75B6"
    series.graphicalProperties.line.width = 28000
    chart.width, chart.height = 15, 6
    s.ws.add_chart(chart, f"D{first - 2}")
    # Leave room for the chart beneath the short table.
    s.blank(max(2, 13 - len(points)))


def _inputs(s: Sheet, ctx: BookContext) -> None:
    r, lang = ctx.result, ctx.lang
    s.section(t("summary.inputs", lang))
    if not r.inputs:
        s.caption(t("summary.no_inputs", lang))
        return
    s.header([t("col.file", lang), t("col.table", lang), t("col.rows", lang), t("col.crm", lang)])
    for src in r.inputs:
        name = src.path + (f" [{src.sheet}]" if src.sheet else "")
        s.append([s.cell(name, align=Alignment(wrap_text=True, vertical="top")),
                  s.cell(i18n.table(src.table, lang), align=Alignment(wrap_text=True, vertical="top")),
                  s.cell(src.rows, fmt=FMT_INT, align=TOP),
                  s.cell(src.crm or "", align=TOP)])
