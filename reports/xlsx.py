"""The consultant's workbook: what a sales director reads and an analyst filters.

Sheets, in the report language: Summary (trust score, checks, top problems, findings by
family, trend, inputs), Findings (one row per finding, filterable, linked to the CRM),
Managers (scorecard and outcomes chart), Funnel (conversion per stage: stages down,
managers across), Stages and pipelines (verdicts, deals there now, twins), Checks (the
catalogue as run) and Data (inputs, mapping, skipped checks, unreadable values).

Write mode: openpyxl *write-only*. It writes in about the same time as the normal mode
but holds rows in a stream instead of a cell object per value: ~50 MB instead of ~420 MB
peak at 100,000 rows (see README, "Reports"). openpyxl spends ~15 µs per cell whatever the
mode, so the Findings sheet is capped at 20,000 rows by default (a filterable sample, most
severe first, every check keeping its share); `[report] max_rows` raises it. Write-only
needs every row appended in order, so each sheet is built top to bottom and styles go on
cells as they are made; big columns get one shared styled cell, severity colours are
conditional formats, never per-cell fills.

Safety: CRM text is always text. openpyxl stores a string starting with "=" as a
formula, so such cells are forced to the string type (`data_type = "s"`); characters
XML forbids are removed and values cut at Excel's 32,767 characters. Detail sheets are
capped with a visible note (the JSON report keeps every finding).
"""

from __future__ import annotations

import contextlib
import copy
import math
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence
from urllib.parse import quote

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.chart import BarChart, LineChart, Reference
from openpyxl.chart.label import DataLabelList
from openpyxl.formatting.rule import CellIsRule, ColorScaleRule, DataBarRule
from openpyxl.styles import Alignment, Border, Font, NamedStyle, PatternFill, Side
from openpyxl.utils import get_column_letter

from audit.model.findings import Severity, Status, finding_messages
from audit.model.result import AuditResult
from reports import ReportOptions
from reports import i18n
from audit.model.reportmark import TOOL_NAME, WORKBOOK_PROPERTY
from reports.atomic import atomic_path, library_temp_files_in, scratch_dir
from reports.common import (affected_delta, as_of_text, is_number, previous_affected, previous_text, score_delta,
                            signed, top_problems)
from reports.i18n import t

DEFAULT_MAX_ROWS = 20_000       # finding rows on the Findings sheet (the JSON holds all)
EXCEL_MAX_ROWS = 1_048_576
MAX_CELL_CHARS = 32_767
MAX_LINKS = 65_000              # Excel drops hyperlinks past 65,530 per sheet
PARSE_DETAIL_ROWS = 1_000       # unreadable values listed one by one on the Data sheet
TOP_PROBLEMS = 10
CHART_MANAGERS = 25
FUNNEL_MIN_DEALS = 10           # FN01's minimum sample: smaller cells are shown grey
MAX_FUNNEL_OWNERS = 1_000

# openpyxl refuses these (IllegalCharacterError): C0 controls except tab, LF and CR.
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")

# -- look -------------------------------------------------------------------------------

INK = "1F2937"
MUTED = "6B7280"
ACCENT = "1F4E79"
HEADER_FILL = "DCE6F1"
SEVERITY_COLORS = {  # fill, font
    "high": ("F8CBAD", "9C0006"),
    "medium": ("FFE699", "7F6000"),
    "low": ("DDEBF7", "1F4E79"),
    "info": ("EDEDED", "404040"),
}
STATUS_COLORS = {
    "fail": ("F8CBAD", "9C0006"),
    "pass": ("C6EFCE", "006100"),
    "skipped": ("EDEDED", "595959"),
    "error": ("FFC7CE", "9C0006"),
}
RED, AMBER, GREEN, WHITE = "F8696B", "FFEB84", "63BE7B", "FFFFFF"
# "_ " pads a number with a space on the right, so it never runs into the text beside it.
FMT_INT = "#,##0_ "
FMT_AMOUNT = "#,##0_ "
FMT_PCT = "0%_ "
FMT_1 = "0.0_ "
FMT_2 = "0.00_ "
FMT_DATE = "yyyy-mm-dd hh:mm"
FMT_SIGNED = "+#,##0;-#,##0;0"
FMT_SIGNED_1 = "+0.0;-0.0;0.0"


def _named_styles() -> list[NamedStyle]:
    thin = Side(style="thin", color="B7C3D0")
    header = NamedStyle("ca_header", font=Font(bold=True, color=INK),
                        fill=PatternFill("solid", fgColor=HEADER_FILL),
                        alignment=Alignment(horizontal="center", vertical="center", wrap_text=True),
                        border=Border(bottom=thin))
    title = NamedStyle("ca_title", font=Font(bold=True, size=20, color=ACCENT))
    section = NamedStyle("ca_section", font=Font(bold=True, size=13, color=ACCENT))
    caption = NamedStyle("ca_caption", font=Font(italic=True, color=MUTED))
    label = NamedStyle("ca_label", font=Font(bold=True, color=INK))
    wrap = NamedStyle("ca_wrap", alignment=Alignment(vertical="top", wrap_text=True))
    top = NamedStyle("ca_top", alignment=Alignment(vertical="top"))
    link = NamedStyle("ca_link", font=Font(color="0563C1", underline="single"),
                      alignment=Alignment(vertical="top"))
    return [header, title, section, caption, label, wrap, top, link]


# -- cells ------------------------------------------------------------------------------

def safe_text(value: Any) -> str:
    """Text a workbook can hold: characters XML forbids removed, cut at Excel's cell limit."""
    text = value if isinstance(value, str) else str(value)
    if _ILLEGAL.search(text):
        text = _ILLEGAL.sub("", text)
    return text[:MAX_CELL_CHARS]


def _missing(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, float):
        return math.isnan(value)
    try:
        return bool(pd.isna(value)) if not isinstance(value, (str, list, tuple, dict)) else False
    except (TypeError, ValueError):
        return False


class Sheet:
    """A write-only sheet appended row by row, with the row number at hand (charts,
    conditional formats and filters refer to rows already written)."""

    def __init__(self, wb: Workbook, title: str, widths: Sequence[float]):
        self.ws = wb.create_sheet(title)
        self._styles: dict[tuple, Any] = {}  # (style, fmt, font, fill, align) -> resolved style ids
        self.row = 0
        self.widths = list(widths)
        for i, width in enumerate(widths, 1):
            self.ws.column_dimensions[get_column_letter(i)].width = width
        # Pages: landscape, one page wide (a consultant prints the summary).
        self.ws.page_setup.orientation = "landscape"
        self.ws.page_setup.paperSize = "9"  # A4
        self.ws.sheet_properties.pageSetUpPr.fitToPage = True
        self.ws.page_setup.fitToWidth = 1
        self.ws.page_setup.fitToHeight = 0

    def cell(self, value: Any, style: str | None = None, fmt: str | None = None,
             font: Font | None = None, fill: str | None = None, link: str | None = None,
             align: Alignment | None = None):
        """A value for `append`: plain when it needs nothing, a styled cell otherwise.
        Text is always stored as text, never as a formula."""
        if _missing(value):
            value = None
        elif isinstance(value, (np.integer, np.floating)):
            value = value.item()
        elif isinstance(value, pd.Timestamp):
            value = value.to_pydatetime()
        elif isinstance(value, (bool, np.bool_)):
            value = bool(value)
        elif not isinstance(value, (int, float)) and not hasattr(value, "year"):
            value = safe_text(value)
        if fmt is None and hasattr(value, "year") and not isinstance(value, str):
            fmt = FMT_DATE  # a bare datetime would show as a serial number
        is_formula_like = isinstance(value, str) and value.startswith("=")
        if not (style or fmt or font or fill or link or align or is_formula_like):
            return value
        c = WriteOnlyCell(self.ws, value=value)
        if isinstance(value, str):
            c.data_type = "s"
        # openpyxl resolves a style by comparing it with every style the workbook holds (80 us a
        # cell): resolve each combination once and give later cells a copy of its style ids.
        key = (style, fmt, font, fill, align)
        resolved = self._styles.get(key)
        if resolved is not None:
            c._style = copy.copy(resolved)
        else:
            if style:
                c.style = style
            if fmt:
                c.number_format = fmt
            if font is not None:
                c.font = font
            if fill:
                c.fill = PatternFill("solid", fgColor=fill)
            if align is not None:
                c.alignment = align
            self._styles[key] = copy.copy(c._style)
        if link:
            c.hyperlink = link
        return c

    def append(self, values: Iterable[Any] = (), height: float | None = None) -> int:
        """Append a row; rows with wrapped text get a height that shows it all (LibreOffice
        and some Excel builds do not grow rows by themselves)."""
        values = list(values)
        self.row += 1
        fit = self._fit_height(values)
        if height is not None or fit is not None:
            self.ws.row_dimensions[self.row].height = max(height or 0, fit or 0)
        self.ws.append(values)
        return self.row

    def _fit_height(self, values: list[Any]) -> float | None:
        lines = 1
        for i, value in enumerate(values):
            if not hasattr(value, "alignment") or not isinstance(value.value, str):
                continue
            if not value.alignment.wrap_text:
                continue
            width = self.widths[i] if i < len(self.widths) else 8.43
            per_line = max(1.0, width * (0.95 if value.font.b else 1.05) - 1)
            n = sum(_wrapped_lines(part, per_line) for part in value.value.split("\n"))
            lines = max(lines, n)
        return min(409.0, 15.0 * lines + 2) if lines > 1 else None

    def blank(self, n: int = 1) -> None:
        for _ in range(n):
            self.append([])

    def caption(self, text: str, col: int = 1) -> int:
        return self.append([None] * (col - 1) + [self.cell(text, "ca_caption")])

    def section(self, text: str) -> int:
        return self.append([self.cell(text, "ca_section")], height=20)

    def header(self, labels: Sequence[str]) -> int:
        return self.append([self.cell(label, "ca_header") for label in labels], height=20)

    def freeze(self, ref: str) -> None:
        self.ws.freeze_panes = ref  # must precede the first row in write-only mode


def _wrapped_lines(text: str, per_line: float) -> int:
    """Lines a paragraph takes when wrapped at word boundaries (greedy, like a spreadsheet)."""
    lines, used = 1, 0
    for word in text.split():
        size = len(word)
        if used and used + 1 + size > per_line:
            lines += 1
            used = 0
        if size > per_line:  # a long word breaks across lines
            lines += int((used + size) // per_line)
            used = (used + size) % per_line
        else:
            used = used + 1 + size if used else size
    return lines


def _severity_rules(sheet: Sheet, col: str, first: int, last: int, lang: str) -> None:
    if last < first:
        return
    ref = f"{col}{first}:{col}{last}"
    for label, (fill, font) in SEVERITY_COLORS.items():
        sheet.ws.conditional_formatting.add(ref, CellIsRule(
            operator="equal", formula=[_quoted(i18n.severity(label, lang))],
            fill=PatternFill("solid", fgColor=fill, bgColor=fill), font=Font(color=font)))


def _status_rules(sheet: Sheet, col: str, first: int, last: int, lang: str) -> None:
    if last < first:
        return
    ref = f"{col}{first}:{col}{last}"
    for label, (fill, font) in STATUS_COLORS.items():
        sheet.ws.conditional_formatting.add(ref, CellIsRule(
            operator="equal", formula=[_quoted(i18n.status(label, lang))],
            fill=PatternFill("solid", fgColor=fill, bgColor=fill), font=Font(color=font)))


def _quoted(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def _scale(sheet: Sheet, ref: str, higher_is_better: bool = True, two_color: bool = False) -> None:
    if two_color:  # counts of problems: white to red
        rule = ColorScaleRule(start_type="min", start_color=WHITE, end_type="max", end_color=RED)
    else:
        low, high = (RED, GREEN) if higher_is_better else (GREEN, RED)
        rule = ColorScaleRule(start_type="min", start_color=low, mid_type="percentile", mid_value=50,
                              mid_color=AMBER, end_type="max", end_color=high)
    sheet.ws.conditional_formatting.add(ref, rule)


def _sev_fill(label: str) -> tuple[str, Font]:
    fill, font = SEVERITY_COLORS.get(label, ("FFFFFF", INK))
    return fill, Font(color=font, bold=True)


def _score_font(score: Any, size: int = 11) -> Font:
    color = MUTED if not is_number(score) else "006100" if score >= 80 else "9C5700" if score >= 60 else "9C0006"
    return Font(bold=True, size=size, color=color)


# -- the workbook -----------------------------------------------------------------------

@dataclass
class _Ctx:
    result: AuditResult
    lang: str
    options: ReportOptions
    titles: dict[str, str] = field(default_factory=dict)  # code -> readable check title


def write(result: AuditResult, path: Path, options: ReportOptions | None = None) -> None:
    """Write the workbook atomically (a temporary file beside `path`, then a rename). openpyxl's
    own temporary sheet files go to a private folder beside `path` too, removed on every exit
    path (and swept by the next run after a kill -9), never to the system temp folder."""
    options = options or ReportOptions()
    if options.mask_pii:
        from reports.pii import mask_result
        result = mask_result(result)  # a no-op when the run already masked it
    with atomic_path(path) as tmp, scratch_dir(path) as scratch, library_temp_files_in(scratch):
        wb = build(result, options)
        try:
            wb.save(tmp)
        except BaseException:
            _discard(wb)
            raise


def build(result: AuditResult, options: ReportOptions | None = None) -> Workbook:
    options = options or ReportOptions()
    lang = options.lang if options.lang in i18n.LANGS else "en"
    ctx = _Ctx(result, lang, options)
    ctx.titles = {c.code: i18n.check_title(c.code, c.name, result.catalogue, lang) for c in result.checks}
    wb = Workbook(write_only=True)
    _mark_as_report(wb, result)
    for style in _named_styles():
        wb.add_named_style(style)
    try:
        for sheet in (_summary, _findings, _managers, _funnel, _stages, _checks, _data):
            sheet(wb, ctx)
    except BaseException:
        _discard(wb)
        raise
    return wb


def _mark_as_report(wb: Workbook, result: AuditResult) -> None:
    """Document properties that say this is a crm-audit report: readers never take it for an export."""
    from openpyxl.packaging.custom import StringProperty
    wb.properties.creator = TOOL_NAME
    wb.custom_doc_props.append(StringProperty(name=WORKBOOK_PROPERTY, value=str(result.tool_version or "")))


def _discard(wb: Workbook) -> None:
    """Close the half-written sheet streams of a failed build (rows, then the sheet, in
    that order) and remove their temporary files, so nothing is left behind."""
    for ws in wb.worksheets:
        rows, writer = getattr(ws, "_rows", None), getattr(ws, "_writer", None)
        with contextlib.suppress(Exception):
            if rows is not None:
                rows.close()
        if writer is not None:
            with contextlib.suppress(Exception):
                writer.xf.close()
            with contextlib.suppress(OSError):
                os.remove(writer.out)


# -- Summary ----------------------------------------------------------------------------

def _summary(wb: Workbook, ctx: _Ctx) -> None:
    r, lang = ctx.result, ctx.lang
    s = Sheet(wb, t("sheet.summary", lang), [36, 15, 13, 12, 11, 60, 60])
    s.ws.sheet_view.showGridLines = False
    s.ws.page_setup.fitToHeight = 1  # the summary prints on one page
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
    s.append([s.cell(t("summary.score", lang), font=Font(bold=True, size=14, color=INK),
                     align=Alignment(vertical="center")),
              s.cell(score if is_number(score) else None, fmt=FMT_1, font=_score_font(score, 28),
                     align=Alignment(horizontal="right", vertical="center")),
              s.cell(t("summary.of_100", lang), font=Font(color=MUTED, size=12), align=Alignment(vertical="center")),
              delta_cell], height=40)
    s.caption(t("summary.score_hint", lang))
    s.blank()

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
            fill, font = STATUS_COLORS[status]
            row[0] = s.cell(t(key, lang))
            row[1] = s.cell(n, fmt=FMT_INT, font=Font(bold=True, color=font) if n and status != "pass" else None)
        if i < len(sev_rows):
            label, n = sev_rows[i]
            fill, font = _sev_fill(label)
            row[3] = s.cell(i18n.severity(label, lang), fill=fill if n else None, font=font if n else None)
            row[4] = s.cell(n, fmt=FMT_INT)
        s.append(row)
    s.blank()

    # Top problems, ranked by severity and reach.
    s.section(t("summary.top", lang))
    ranked = top_problems(r)
    has_prev = r.previous is not None
    s.header([t("col.check", lang), t("col.code", lang), t("col.severity", lang), t("col.affected", lang),
              t("col.delta", lang) if has_prev else "", t("col.what_found", lang), t("col.what_to_do", lang)])
    if not ranked:
        s.append([s.cell(t("summary.top_none", lang), font=Font(color="006100", bold=True))])
    wrap = Alignment(vertical="top", wrap_text=True)
    for check in ranked[:TOP_PROBLEMS]:
        info = r.catalogue.get(check.code)
        fix = info.text("fix", lang) if info is not None else ""
        fill, font = _sev_fill(check.severity.label)
        delta_n = affected_delta(r, check) if has_prev else None
        s.append([s.cell(ctx.titles.get(check.code, check.name), align=wrap, font=Font(bold=True)),
                  s.cell(check.code, "ca_top"),
                  s.cell(i18n.severity(check.severity.label, lang), fill=fill, font=font,
                         align=Alignment(vertical="top")),
                  s.cell(check.affected, fmt=FMT_INT, align=Alignment(vertical="top")),
                  s.cell(delta_n, fmt=FMT_SIGNED, align=Alignment(horizontal="center", vertical="top")),
                  s.cell(check.text(lang), align=wrap),
                  s.cell(fix, align=wrap)])
    if len(ranked) > TOP_PROBLEMS:
        s.caption(t("summary.top_more", lang, n=len(ranked) - TOP_PROBLEMS))
    s.blank()

    # Findings by family, with the chart beside the score.
    s.section(t("summary.by_family", lang))
    s.header([t("summary.family", lang), t("col.findings", lang)])
    fam_counts = (r.findings["family"].value_counts() if len(r.findings) and "family" in r.findings
                  else pd.Series(dtype=int))
    families = [f.value for f in _families()]
    families += sorted(str(f) for f in fam_counts.index if f not in families)
    first = s.row + 1
    for fam in families:
        s.append([s.cell(i18n.family(fam, lang)), s.cell(int(fam_counts.get(fam, 0)), fmt=FMT_INT)])
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
    _show_axes(chart)
    chart.series[0].graphicalProperties.solidFill = "2E75B6"
    chart.dataLabels = DataLabelList(showVal=True, showCatName=False, showSerName=False,
                                     showLegendKey=False, showPercent=False)
    chart.width, chart.height = 16, 6.5
    s.ws.add_chart(chart, f"D{first - 2}")
    s.blank(max(2, 14 - len(families)))

    if r.trend or r.previous is not None:
        _trend(s, ctx)

    s.section(t("summary.inputs", lang))
    if not r.inputs:
        s.caption(t("summary.no_inputs", lang))
    else:
        s.header([t("col.file", lang), t("col.table", lang), t("col.rows", lang), t("col.crm", lang)])
        for src in r.inputs:
            name = src.path + (f" [{src.sheet}]" if src.sheet else "")
            s.append([s.cell(name, align=Alignment(wrap_text=True, vertical="top")), s.cell(i18n.table(src.table, lang), align=Alignment(wrap_text=True, vertical="top")),
                      s.cell(src.rows, fmt=FMT_INT, align=Alignment(vertical="top")),
                      s.cell(src.crm or "", align=Alignment(vertical="top"))])


def _trend(s: Sheet, ctx: _Ctx) -> None:
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
    _show_axes(chart)
    series = chart.series[0]
    series.marker.symbol = "circle"
    series.graphicalProperties.line.solidFill = "2E75B6"
    series.graphicalProperties.line.width = 28000
    chart.width, chart.height = 15, 6
    s.ws.add_chart(chart, f"D{first - 2}")
    # Leave room for the chart beneath the short table.
    s.blank(max(2, 13 - len(points)))


def _show_axes(chart) -> None:
    # openpyxl 3.1 marks axes deleted by default; Excel then draws no labels at all.
    chart.x_axis.delete = False
    chart.y_axis.delete = False


def _families():
    from audit.model.findings import Family
    return list(Family)


# -- Findings ---------------------------------------------------------------------------

FINDING_HEADERS = ("code", "severity", "check", "entity_type", "entity_id", "title", "owner", "pipeline",
                   "stage", "amount", "message", "evidence")
FINDING_WIDTHS = (8, 10, 28, 11, 13, 30, 18, 16, 20, 12, 60, 44)


def capped_findings(findings: pd.DataFrame, cap: int) -> pd.DataFrame:
    """The findings to show, at most `cap`, most severe first, then by code and amount.

    When there are more, the most severe are kept and, within a severity, every check
    keeps its share (the first rows of each check, largest amounts first): one check
    flagging a million activities does not crowd out the others.
    """
    n = len(findings)
    if n == 0:
        return findings
    sev = findings["severity"].map({s.label: int(s) for s in Severity}).fillna(-1).to_numpy()
    amount = pd.to_numeric(findings.get("amount"), errors="coerce") if "amount" in findings \
        else pd.Series(np.nan, index=findings.index)
    amount_key = -amount.fillna(-np.inf).to_numpy()
    # Integer codes: lexsort on object arrays of text is ten times slower.
    code = pd.factorize(findings["code"].astype(str), sort=True)[0]
    position = np.arange(n)
    # Rank of each finding within its check: largest amount first, then as the check listed them.
    by_check = np.lexsort((position, amount_key, code))
    code_sorted = code[by_check]
    starts = np.r_[0, np.flatnonzero(code_sorted[1:] != code_sorted[:-1]) + 1]
    group_start = np.repeat(starts, np.diff(np.r_[starts, n]))
    rank = np.empty(n, dtype=np.int64)
    rank[by_check] = np.arange(n) - group_start
    if n > cap:
        keep = np.lexsort((position, code, rank, -sev))[:cap]
    else:
        keep = position
    keep_set = keep
    shown = np.lexsort((rank[keep_set], code[keep_set], -sev[keep_set]))
    return findings.iloc[keep_set[shown]]


def evidence_text(evidence: Any) -> str | None:
    """{'lost_share': 0.05, 'closed': 40} -> 'lost_share: 0.05; closed: 40'."""
    if not isinstance(evidence, Mapping) or not evidence:
        return None if not evidence else str(evidence)
    parts = []
    for key, value in evidence.items():
        parts.append(f"{key}: {_plain_value(value)}")
    return "; ".join(parts)


def _plain_value(value: Any) -> str:
    if isinstance(value, float):
        if math.isnan(value):
            return "—"
        if value.is_integer() and abs(value) < 1e15:
            return f"{int(value)}"
        return f"{value:.4g}" if abs(value) < 1 else f"{round(value, 2):g}"
    if isinstance(value, (list, tuple, set)):
        return ", ".join(_plain_value(v) for v in value)
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{k}: {_plain_value(v)}" for k, v in value.items()) + "}"
    return str(value)


def _text_column(values: pd.Series) -> list[Any]:
    """A text column made safe in bulk: strings cleaned and cut; missing as None."""
    known = values.notna()
    text = values.astype(object).where(known, None)
    if not known.any():
        return [None] * len(values)
    as_str = values[known].astype(str)
    if as_str.str.contains(_ILLEGAL, regex=True).any():
        as_str = as_str.str.replace(_ILLEGAL, "", regex=True)
    if (as_str.str.len() > MAX_CELL_CHARS).any():
        as_str = as_str.str.slice(0, MAX_CELL_CHARS)
    text = text.copy()
    text[known] = as_str.to_numpy(dtype=object)
    return text.tolist()


def _findings(wb: Workbook, ctx: _Ctx) -> None:
    r, lang, options = ctx.result, ctx.lang, ctx.options
    cap = options.max_rows if options.max_rows is not None else DEFAULT_MAX_ROWS
    cap = max(0, min(int(cap), EXCEL_MAX_ROWS - 3))
    findings = r.findings
    total = len(findings)
    shown = capped_findings(findings, cap)
    s = Sheet(wb, t("sheet.findings", lang), FINDING_WIDTHS)
    s.freeze("A3")
    s.ws.print_title_rows = "2:2"  # the header on every printed page
    url_template = options.deal_url if options.deal_url and "{id}" in options.deal_url else None

    notes = []
    if total > len(shown):
        notes.append(t("findings.capped", lang, shown=f"{len(shown):,}", total=f"{total:,}",
                       left=f"{total - len(shown):,}"))
    else:
        notes.append(t("findings.caption", lang, n=f"{total:,}"))
    n_links = 0
    if url_template is not None and len(shown):
        n_deals = int(shown["entity_type"].eq("deal").sum())
        if n_deals > MAX_LINKS:
            notes.append(t("findings.links_capped", lang, n=f"{MAX_LINKS:,}"))
    note_font = Font(bold=True, color="9C0006") if total > len(shown) else Font(italic=True, color=MUTED)
    s.append([s.cell("  ".join(notes), font=note_font)], height=18)
    s.header([i18n.column(h, lang) if h != "check" else t("col.check", lang) for h in FINDING_HEADERS])
    if not len(shown):
        return

    def col(name: str) -> pd.Series:
        return shown[name] if name in shown.columns else pd.Series([None] * len(shown), index=shown.index)

    sev_labels = {s_.label: i18n.severity(s_.label, lang) for s_ in Severity}
    entity_labels = {e: i18n.entity(e, lang) for e in ("deal", "activity", "lead", "owner", "pipeline",
                                                      "stage", "dataset")}
    codes = col("code").astype(str)
    columns = [
        _text_column(codes),
        _text_column(col("severity").map(sev_labels).fillna(col("severity"))),
        _text_column(codes.map(ctx.titles).fillna(codes)),
        _text_column(col("entity_type").map(entity_labels).fillna(col("entity_type"))),
        _text_column(col("entity_id")),
        _text_column(col("title")),
        _text_column(col("owner").replace(_sentinels(lang))),
        _text_column(col("pipeline").replace(_sentinels(lang))),
        _text_column(col("stage")),
        pd.to_numeric(col("amount"), errors="coerce").astype(float).tolist(),
        _text_column(finding_messages(shown, lang)),
        _text_column(pd.Series([evidence_text(e) for e in col("evidence").tolist()], index=shown.index,
                               dtype=object)),
    ]
    is_deal = col("entity_type").eq("deal").tolist()
    ids = columns[4]
    amount_cell = WriteOnlyCell(s.ws)
    amount_cell.number_format = FMT_AMOUNT
    ws = s.ws
    # Text that would read as a formula: forced to text (rare, so looked up once).
    formula_like = [i for i, c in enumerate(columns) if i != 9 and any(
        isinstance(v, str) and v.startswith("=") for v in c)]
    for row_values in zip(*columns, is_deal, ids):
        *values, deal_row, entity_id = row_values
        values = list(values)
        amount = values[9]
        if amount != amount:  # NaN
            values[9] = None
        else:
            amount_cell.value = amount
            values[9] = amount_cell
        for i in formula_like:
            v = values[i]
            if isinstance(v, str) and v.startswith("="):
                values[i] = s.cell(v)
        if url_template is not None and deal_row and entity_id is not None and n_links < MAX_LINKS:
            link_cell = WriteOnlyCell(ws, value=entity_id)
            link_cell.data_type = "s"
            link_cell.hyperlink = url_template.replace("{id}", quote(str(entity_id), safe=""))
            link_cell.style = "ca_link"
            values[4] = link_cell
            n_links += 1
        ws.append(values)
    first, last = 3, 2 + len(shown)
    s.row = last
    ws.auto_filter.ref = f"A2:{get_column_letter(len(FINDING_HEADERS))}{last}"
    _severity_rules(s, "B", first, last, lang)


# -- Managers ---------------------------------------------------------------------------

OWNER_ORDER = ["owner", "score", "score_delta", "deals", "open", "won", "lost", "win_rate", "activities",
               "activities_per_deal", "median_cycle_days", "findings"]
OWNER_FORMATS = {"deals": FMT_INT, "open": FMT_INT, "won": FMT_INT, "lost": FMT_INT, "win_rate": FMT_PCT,
                 "activities": FMT_INT, "activities_per_deal": FMT_1, "median_cycle_days": FMT_1,
                 "findings": FMT_INT, "score": FMT_1, "score_delta": FMT_SIGNED_1}


def _managers(wb: Workbook, ctx: _Ctx) -> None:
    r, lang = ctx.result, ctx.lang
    owners = r.owners.copy() if r.owners is not None else pd.DataFrame()
    if len(owners) and "owner" in owners:
        owners["owner"] = owners["owner"].astype(object).where(owners["owner"].notna(), "(no owner)")
        by_owner = dict(r.scores.by_owner or {})
        if by_owner:
            owners["score"] = owners["owner"].map(by_owner).astype(float)
        prev_owners = (r.previous or {}).get("owners") or {}
        if prev_owners and "score" in owners:
            owners["score_delta"] = (owners["score"] - owners["owner"].map(prev_owners).astype(float)).round(1)
        if "deals" in owners:
            owners = owners.sort_values(["deals", "owner"], ascending=[False, True], kind="stable")
        owners["owner"] = owners["owner"].replace(_sentinels(lang))
    cols = [c for c in OWNER_ORDER if c in owners.columns]
    cols += [c for c in owners.columns if c not in cols]
    widths = [max(18, _width(owners["owner"]) if "owner" in owners else 18)]
    widths += [_header_width(i18n.column(c, lang)) for c in cols[1:]]
    s = Sheet(wb, t("sheet.managers", lang), widths or [20])
    s.freeze("B3")
    s.caption(t("managers.caption", lang))
    if owners.empty or not cols:
        s.caption(t("managers.none", lang))
        return
    s.header([i18n.column(c, lang) for c in cols])
    first = s.row + 1
    _table_rows(s, owners[cols], OWNER_FORMATS, lang)
    last = s.row
    s.ws.auto_filter.ref = f"A2:{get_column_letter(len(cols))}{last}"
    letter = {c: get_column_letter(i) for i, c in enumerate(cols, 1)}
    # Win rate gets a neutral bar, not red-to-green: a manager who never loses is the
    # sterile signal itself, not the best performer.
    if "win_rate" in letter:
        s.ws.conditional_formatting.add(f"{letter['win_rate']}{first}:{letter['win_rate']}{last}", DataBarRule(
            start_type="num", start_value=0, end_type="num", end_value=1, color="9DC3E6", showValue=True))
    for c in ("activities_per_deal", "score"):
        if c in letter:
            _scale(s, f"{letter[c]}{first}:{letter[c]}{last}")
    for c in cols:
        if c == "findings" or c.startswith("findings_"):
            _scale(s, f"{letter[c]}{first}:{letter[c]}{last}", two_color=True)
    if "score_delta" in letter:
        ref = f"{letter['score_delta']}{first}:{letter['score_delta']}{last}"
        s.ws.conditional_formatting.add(ref, CellIsRule(operator="lessThan", formula=["0"],
                                                        font=Font(color="9C0006")))
        s.ws.conditional_formatting.add(ref, CellIsRule(operator="greaterThan", formula=["0"],
                                                        font=Font(color="006100")))

    outcome = [c for c in ("won", "lost", "open") if c in letter]
    if outcome:
        n = min(len(owners), CHART_MANAGERS)
        chart = BarChart()
        chart.type = "bar"
        chart.grouping = "stacked"
        chart.overlap = 100
        chart.style = 10
        chart.title = (t("managers.chart", lang) if len(owners) <= CHART_MANAGERS
                       else t("managers.chart_top", lang, n=n))
        colors = {"won": "70AD47", "lost": "C00000", "open": "A5A5A5"}
        for c in outcome:
            col_idx = cols.index(c) + 1
            chart.add_data(Reference(s.ws, min_col=col_idx, min_row=first - 1, max_row=first + n - 1),
                           titles_from_data=True)
            chart.series[-1].graphicalProperties.solidFill = colors[c]
            chart.series[-1].graphicalProperties.line.solidFill = colors[c]
        chart.set_categories(Reference(s.ws, min_col=1, min_row=first, max_row=first + n - 1))
        chart.x_axis.scaling.orientation = "maxMin"  # the biggest book on top, as in the table
        _show_axes(chart)
        chart.legend.position = "b"
        chart.width = 22
        chart.height = max(7.0, 0.55 * n + 3)
        s.ws.add_chart(chart, f"A{last + 3}")


def _row_ranges(flags: Sequence[bool], first_col: int, row: int) -> str:
    """'B7:D7 F7' for the runs of True in `flags` (columns from `first_col`)."""
    parts, start = [], None
    for i, flag in enumerate([*flags, False]):
        if flag and start is None:
            start = i
        elif not flag and start is not None:
            a, b = get_column_letter(first_col + start), get_column_letter(first_col + i - 1)
            parts.append(f"{a}{row}" if a == b else f"{a}{row}:{b}{row}")
            start = None
    return " ".join(parts)


def _sentinels(lang: str) -> dict[str, str]:
    return {raw: t(key, lang) for raw, key in i18n.SENTINELS.items()}


def _header_width(label: str, lo: int = 11) -> int:
    """Wide enough that no word of the header breaks (headers wrap at spaces)."""
    return max(lo, max((len(w) for w in label.split()), default=0) + 3)


def _width(values: pd.Series, lo: int = 10, hi: int = 40) -> int:
    if values is None or not len(values):
        return lo
    longest = int(values.map(lambda v: 0 if _missing(v) else len(str(v))).max())
    return max(lo, min(hi, longest + 2))


def _table_rows(s: Sheet, frame: pd.DataFrame, formats: Mapping[str, str], lang: str,
                wrap: Sequence[str] = ()) -> None:
    """Rows of a small table: booleans as yes/no, numbers formatted, text safe."""
    yes, no = t("yes", lang), t("no", lang)
    wrap_align = Alignment(vertical="top", wrap_text=True)
    columns = list(frame.columns)
    for values in frame.itertuples(index=False, name=None):  # small tables only (owners, stages)
        row = []
        for name, value in zip(columns, values):
            if isinstance(value, (bool, np.bool_)):
                value = yes if value else no
            fmt = formats.get(name)
            if fmt is None and isinstance(value, (float, np.floating)) and not _missing(value):
                fmt = FMT_2 if abs(value) < 100 and not float(value).is_integer() else FMT_INT
            row.append(s.cell(value, fmt=fmt, align=wrap_align if name in wrap else None))
        s.append(row)


# -- Funnel -----------------------------------------------------------------------------

def _funnel(wb: Workbook, ctx: _Ctx) -> None:
    """Per pipeline, stages down and managers across (those who worked that pipeline, the
    busiest first), the team's conversion beside them."""
    r, lang = ctx.result, ctx.lang
    funnel = r.funnel if r.funnel is not None else pd.DataFrame()
    needed = {"pipeline", "stage", "conversion"}
    usable = not funnel.empty and needed <= set(funnel.columns)
    widest = 0
    if usable:
        funnel = funnel.copy()
        owner = funnel["owner"] if "owner" in funnel else pd.Series(None, index=funnel.index, dtype=object)
        funnel["_team"] = owner.isna() | owner.astype(str).str.strip().eq("")
        funnel["_owner"] = owner.astype(object).where(~funnel["_team"], None)
        entered = funnel["entered"] if "entered" in funnel else pd.Series(np.nan, index=funnel.index)
        funnel["_entered"] = pd.to_numeric(entered, errors="coerce")
        funnel["_conversion"] = pd.to_numeric(funnel["conversion"], errors="coerce")
        order = funnel["order"] if "order" in funnel else pd.Series(np.nan, index=funnel.index)
        funnel["_order"] = pd.to_numeric(order, errors="coerce")
        per_pipeline = funnel[~funnel["_team"]].groupby("pipeline", dropna=False)["_owner"].nunique()
        widest = int(min(per_pipeline.max() if len(per_pipeline) else 0, MAX_FUNNEL_OWNERS))
        names = funnel["_owner"].dropna().astype(str)
        name_width = max(11, min(18, int(names.str.len().max()) + 2)) if len(names) else 11
    else:
        name_width = 11
    s = Sheet(wb, t("sheet.funnel", lang), [30, 11] + [name_width] * widest + [14])
    s.freeze("B2")
    s.caption(t("funnel.caption", lang, n=FUNNEL_MIN_DEALS))
    if not usable:
        s.caption(t("funnel.none", lang))
        return
    grey = Font(color="A6A6A6", italic=True)
    bold = Font(bold=True)
    for pipeline, block in funnel.groupby("pipeline", sort=True, dropna=False):
        people = block[~block["_team"]]
        owners = (people.groupby("_owner")["_entered"].sum().sort_values(ascending=False, kind="stable")
                  .index[:MAX_FUNNEL_OWNERS].tolist())
        stages = block.groupby("stage", dropna=False)["_order"].min().sort_values(kind="stable").index
        team = block[block["_team"]].drop_duplicates("stage").set_index("stage").reindex(stages)
        people = people.drop_duplicates(["stage", "_owner"])
        conversion = people.pivot(index="stage", columns="_owner", values="_conversion").reindex(
            index=stages, columns=owners)
        entered = people.pivot(index="stage", columns="_owner", values="_entered").reindex(
            index=stages, columns=owners)
        conv_rows = conversion.to_numpy(dtype=float).tolist()
        small_rows = (entered.to_numpy(dtype=float) < FUNNEL_MIN_DEALS).tolist()
        s.blank()
        s.section(t("funnel.pipeline", lang, name=i18n.sentinel(pipeline, lang)))
        s.header([t("col.stage", lang), t("team", lang), *[i18n.sentinel(str(o), lang) for o in owners],
                  t("col.team_entered", lang)])
        for stage, team_conv, team_n, convs, smalls in zip(stages, team["_conversion"], team["_entered"],
                                                          conv_rows, small_rows):
            row: list[Any] = [s.cell(stage, "ca_label"), s.cell(team_conv, fmt=FMT_PCT, font=bold)]
            row += [None if c != c else s.cell(c, fmt=FMT_PCT, font=grey if small else None)
                    for c, small in zip(convs, smalls)]
            row.append(s.cell(team_n, fmt=FMT_INT))
            s.append(row)
            # Each stage row on its own scale: a manager is judged against the team at that
            # stage, not against the natural drop from early to late stages. Cells resting on
            # too few deals stay out of the scale (grey text, no colour): they are noise.
            judged = [True] + [c == c and not small for c, small in zip(convs, smalls)]
            ref = _row_ranges(judged, first_col=2, row=s.row)
            if ref:
                _scale(s, ref)


# -- Stages and pipelines ---------------------------------------------------------------

STAGE_ORDER = ["pipeline", "stage", "order", "kind", "verdict", "verdicts", "result_named", "vague", "hub",
               "dead", "deals_now", "open_now", "amount_now", "parked_now", "rotting_now", "stays",
               "median_dwell_days", "entered_from", "back_share", "declared"]
STAGE_FORMATS = {"order": "0", "deals_now": FMT_INT, "open_now": FMT_INT, "amount_now": FMT_AMOUNT,
                 "parked_now": FMT_INT, "rotting_now": FMT_INT, "stays": FMT_INT,
                 "median_dwell_days": FMT_1, "entered_from": FMT_INT, "back_share": FMT_PCT}
PIPELINE_ORDER = ["pipeline", "score", "deals", "open", "won", "lost", "owners", "owners_count", "main_owner",
                  "main_owner_share", "owner_names", "personal", "twin", "similarity", "stages", "declared"]
PIPELINE_FORMATS = {"deals": FMT_INT, "open": FMT_INT, "won": FMT_INT, "lost": FMT_INT, "owners_count": FMT_INT,
                    "stages": FMT_INT, "similarity": FMT_PCT, "main_owner_share": FMT_PCT, "score": FMT_1}
# Verdicts (and pipeline flags) a reader should see at once: highlighted in their cells.
BAD_VERDICTS = ("vague", "hub", "dead", "parked", "personal")


def _localize_values(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    out = frame.copy()
    for c in ("pipeline", "owner", "main_owner", "twin"):
        if c in out:
            out[c] = out[c].astype(object).replace(_sentinels(lang))
    if "kind" in out:
        out["kind"] = out["kind"].map(lambda v: i18n.maybe(f"kind.{v}", lang, v) if isinstance(v, str) else v)
    for c in ("verdict", "verdicts"):
        if c in out:
            out[c] = out[c].map(lambda v: _verdict_text(v, lang))
    for c in out.columns:
        values = out[c]
        if values.dtype == object and values.map(lambda v: isinstance(v, (list, tuple, set))).any():
            out[c] = values.map(lambda v: ", ".join(map(str, v)) if isinstance(v, (list, tuple, set)) else v)
    return out


def _verdict_text(value: Any, lang: str) -> Any:
    if isinstance(value, (list, tuple, set)):
        parts = [str(v) for v in value]
    elif isinstance(value, str):
        parts = [p.strip() for p in re.split(r"[,;]", value) if p.strip()]
    else:
        return value
    return ", ".join(i18n.maybe(f"verdict.{p}", lang, p) for p in parts)


def _stages(wb: Workbook, ctx: _Ctx) -> None:
    r, lang = ctx.result, ctx.lang
    stages = r.stages if r.stages is not None else pd.DataFrame()
    pipelines = r.pipelines.copy() if r.pipelines is not None else pd.DataFrame()
    if len(pipelines) and "pipeline" in pipelines and r.scores.by_pipeline:
        pipelines["score"] = pipelines["pipeline"].map(dict(r.scores.by_pipeline)).astype(float)
    stage_cols = [c for c in STAGE_ORDER if c in stages.columns]
    stage_cols += [c for c in stages.columns if c not in stage_cols and not str(c).startswith("_")]
    pipe_cols = [c for c in PIPELINE_ORDER if c in pipelines.columns]
    pipe_cols += [c for c in pipelines.columns if c not in pipe_cols and not str(c).startswith("_")]
    n_cols = max(len(stage_cols), len(pipe_cols), 2)
    widths = []
    for i in range(n_cols):
        parts = []
        for frame, cols in ((stages, stage_cols), (pipelines, pipe_cols)):
            if i < len(cols):
                # Names get room; long lists (owner names, verdicts) wrap within 28.
                hi = 40 if cols[i] in ("stage", "pipeline") else 28
                parts.append(max(_width(frame[cols[i]].map(lambda v: _verdict_text(v, lang)), hi=hi),
                                 _header_width(i18n.column(cols[i], lang))))
        widths.append(max(parts) if parts else 12)
    s = Sheet(wb, t("sheet.stages", lang), widths)
    s.caption(t("stages.caption", lang))
    s.blank()
    s.section(t("stages.stages", lang))
    if stages.empty or not stage_cols:
        s.caption(t("stages.none", lang))
    else:
        shown = stages[stage_cols]
        sort_cols = [c for c in ("pipeline", "order", "stage") if c in shown]
        if sort_cols:
            shown = shown.sort_values(sort_cols, kind="stable", na_position="last")
        s.header([i18n.column(c, lang) for c in stage_cols])
        first = s.row + 1
        _stage_rows(s, _localize_values(shown, lang), shown, stage_cols, lang, STAGE_FORMATS)
        last = s.row
        letter = {c: get_column_letter(i) for i, c in enumerate(stage_cols, 1)}
        for c in ("deals_now", "open_now", "amount_now"):
            if c in letter:
                s.ws.conditional_formatting.add(f"{letter[c]}{first}:{letter[c]}{last}", DataBarRule(
                    start_type="num", start_value=0, end_type="max", color="9DC3E6", showValue=True))
        if "median_dwell_days" in letter:
            _scale(s, f"{letter['median_dwell_days']}{first}:{letter['median_dwell_days']}{last}",
                   two_color=True)
    s.blank()
    s.section(t("stages.pipelines", lang))
    if pipelines.empty or not pipe_cols:
        s.caption(t("stages.none", lang))
        return
    s.header([i18n.column(c, lang) for c in pipe_cols])
    shown = pipelines[pipe_cols]
    if "deals" in shown:
        shown = shown.sort_values("deals", ascending=False, kind="stable")
    first = s.row + 1
    _stage_rows(s, _localize_values(shown, lang), shown, pipe_cols, lang, PIPELINE_FORMATS)
    last = s.row
    if "score" in pipe_cols:
        col = get_column_letter(pipe_cols.index("score") + 1)
        _scale(s, f"{col}{first}:{col}{last}")


def _stage_rows(s: Sheet, localized: pd.DataFrame, raw: pd.DataFrame, cols: list[str], lang: str,
                formats: Mapping[str, str]) -> None:
    """Stage (or pipeline) rows; a stage judged vague, a hub or dead, a personal pipeline,
    is highlighted in its verdict cells."""
    yes, no = t("yes", lang), t("no", lang)
    bad_fill = SEVERITY_COLORS["high"][0]
    key_col = "stage" if "stage" in cols else "pipeline"  # the name a reader looks for, in bold
    bold = Font(bold=True)
    top = Alignment(vertical="top")
    center = Alignment(horizontal="center", vertical="top")
    wrap = Alignment(wrap_text=True, vertical="top")
    for loc_values, raw_values in zip(localized.itertuples(index=False, name=None),
                                      raw.itertuples(index=False, name=None)):
        row = []
        for name, value, raw_value in zip(cols, loc_values, raw_values):
            fill = None
            if isinstance(value, (bool, np.bool_)):
                if value and name in BAD_VERDICTS:
                    fill = bad_fill
                value = yes if value else no
            elif name in ("verdict", "verdicts") and isinstance(raw_value, str) and any(
                    b in raw_value for b in BAD_VERDICTS):
                fill = bad_fill
            fmt = formats.get(name)
            if fmt is None and isinstance(value, (float, np.floating)) and not _missing(value):
                fmt = FMT_1
            long_text = isinstance(value, str) and len(value) > s.widths[len(row)] if len(row) < len(s.widths) else False
            row.append(s.cell(value, fmt=fmt, fill=fill, font=bold if name == key_col else None,
                              align=center if name == "order" else wrap if long_text else top))
        s.append(row)


# -- Checks -----------------------------------------------------------------------------

def _checks(wb: Workbook, ctx: _Ctx) -> None:
    r, lang = ctx.result, ctx.lang
    has_prev = r.previous is not None
    headers = ["code", "check", "family", "severity", "status", "metric", "threshold", "affected"]
    widths = [8, 30, 20, 10, 12, 11, 11, 10]
    if has_prev:
        headers += ["previous_affected", "delta"]
        widths += [12, 11]
    headers += ["result", "rationale", "fix", "skipped_reason"]
    widths += [40, 46, 46, 36]
    s = Sheet(wb, t("sheet.checks", lang), widths)
    s.freeze("C3")
    s.caption(t("checks.caption", lang))
    s.header([t(f"col.{h}", lang) for h in headers])
    first = s.row + 1
    wrap = Alignment(vertical="top", wrap_text=True)
    top = Alignment(vertical="top")
    prev = previous_affected(r)
    # Catalogue order (ST, SG, OF, FN, HY): the sheet reads as the catalogue; filters do the rest.
    family_order = {p: i for i, p in enumerate(("ST", "SG", "OF", "FN", "HY"))}
    for c in sorted(r.checks, key=lambda c: (family_order.get(c.code[:2], 9), c.code)):
        info = r.catalogue.get(c.code)
        row = [s.cell(c.code, font=Font(bold=True), align=top),
               s.cell(ctx.titles.get(c.code, c.name), align=wrap),
               s.cell(i18n.family(c.family.value, lang), align=top),
               s.cell(i18n.severity(c.severity.label, lang), align=top),
               s.cell(i18n.status(c.status.value, lang), align=top),
               s.cell(c.metric, fmt="0.####", align=top),
               s.cell(c.threshold, fmt="0.####", align=top),
               s.cell(c.affected if c.status in (Status.PASS, Status.FAIL) else None, fmt=FMT_INT, align=top)]
        if has_prev:
            p = prev.get(c.code)
            row += [s.cell(p if is_number(p) else None, fmt=FMT_INT, align=top),
                    s.cell(affected_delta(r, c), fmt=FMT_SIGNED, align=Alignment(horizontal="center", vertical="top"))]
        row += [s.cell(c.text(lang), align=wrap),
                s.cell(info.text("rationale", lang) if info else None, align=wrap),
                s.cell(info.text("fix", lang) if info else None, align=wrap),
                s.cell(c.reason(lang), align=wrap)]
        s.append(row)
    last = s.row
    s.ws.auto_filter.ref = f"A2:{get_column_letter(len(headers))}{max(last, 2)}"
    _severity_rules(s, "D", first, last, lang)
    _status_rules(s, "E", first, last, lang)


# -- Data -------------------------------------------------------------------------------

def _data(wb: Workbook, ctx: _Ctx) -> None:
    """Inputs, skipped checks and unreadable values: three tables sharing one column grid
    (the file path first, always in the wide column A)."""
    r, lang = ctx.result, ctx.lang
    s = Sheet(wb, t("sheet.data", lang), [44, 16, 14, 16, 18, 18, 12, 12, 42, 34, 24, 40])
    wrap = Alignment(vertical="top", wrap_text=True)
    top = Alignment(vertical="top")
    s.section(t("data.inputs", lang))
    s.caption(t("data.crm", lang, crm=r.crm or "?"))
    if not r.inputs:
        s.caption(t("data.none", lang))
    else:
        s.header([t(f"col.{h}", lang) for h in ("file", "table", "crm", "encoding", "delimiter", "header_row",
                                                  "rows", "sheet", "mapping", "unmapped", "parse_failures",
                                                  "note")])
        for src in r.inputs:
            mapping = "\n".join(f"{k} → {v}" for k, v in dict(src.mapping).items())
            failures = ", ".join(f"{k}: {v:,}" for k, v in dict(src.parse_failures).items() if v)
            delimiter = {"\t": "tab", ";": ";", ",": ",", "|": "|"}.get(src.delimiter or "", src.delimiter)
            s.append([s.cell(src.path, align=wrap), s.cell(i18n.table(src.table, lang), align=top),
                      s.cell(src.crm, align=top), s.cell(src.encoding, align=top),
                      s.cell(delimiter, align=Alignment(horizontal="center", vertical="top")),
                      s.cell(src.header_row, align=Alignment(horizontal="center", vertical="top")),
                      s.cell(src.rows, fmt=FMT_INT, align=top), s.cell(src.sheet, align=top),
                      s.cell(mapping or None, align=wrap), s.cell(", ".join(src.unmapped) or None, align=wrap),
                      s.cell(failures or None, align=wrap), s.cell(src.note, align=wrap)])
    s.blank()

    s.section(t("data.skipped", lang))
    skipped = [c for c in r.checks if c.status is Status.SKIPPED]
    if not skipped:
        s.caption(t("data.skipped_none", lang))
    else:
        # The reason is one long sentence: it runs across the empty columns to its right.
        s.header([t("col.check", lang), t("col.skipped_reason", lang)] + [""] * 7)
        for c in skipped:
            s.append([s.cell(f"{c.code}  {ctx.titles.get(c.code, c.name)}", align=top),
                      s.cell(c.reason(lang) or c.text(lang), align=top)])
    s.blank()

    s.section(t("data.parse", lang))
    issues = r.parse_issues if r.parse_issues is not None else pd.DataFrame()
    if issues.empty:
        s.caption(t("data.parse_none", lang))
        return
    issues = issues.copy()
    for c in ("table", "file", "row", "column", "source_column", "raw", "entity_id"):
        if c not in issues:
            issues[c] = None
    keys = ["file", "table", "column", "source_column"]
    grouped = (issues.assign(_raw=issues["raw"].astype(object))
               .groupby(keys, dropna=False, sort=True)
               .agg(count=("raw", "size"),
                    examples=("_raw", lambda v: v.dropna().astype(str).unique()[:3].tolist())))
    s.header([t(f"col.{h}", lang) for h in ("file", "table", "column", "source_column", "count", "examples")]
             + [""] * 3)
    for (file, table, column, source), row in grouped.iterrows():
        s.append([s.cell(file), s.cell(i18n.table(table, lang)), s.cell(column), s.cell(source),
                  s.cell(int(row["count"]), fmt=FMT_INT), s.cell("  |  ".join(row["examples"]) or None)])
    s.blank()
    cap = min(PARSE_DETAIL_ROWS, ctx.options.max_rows if ctx.options.max_rows is not None else PARSE_DETAIL_ROWS)
    detail = issues.head(cap)
    if len(issues) > len(detail):
        s.append([s.cell(t("data.parse_capped", lang, shown=f"{len(detail):,}", total=f"{len(issues):,}"),
                         font=Font(bold=True, color="9C0006"))])
    s.header([t(f"col.{h}", lang) for h in ("file", "table", "row", "column", "source_column", "raw")]
             + [t("col.entity_id", lang)])
    for file, table, row_no, column, source, raw, entity_id in detail[
            ["file", "table", "row", "column", "source_column", "raw", "entity_id"]].itertuples(index=False, name=None):
        s.append([s.cell(file), s.cell(i18n.table(table, lang)),
                  s.cell(row_no, align=Alignment(horizontal="center")), s.cell(column), s.cell(source),
                  s.cell(raw), s.cell(entity_id)])
