"""The consultant's workbook: what a sales director reads and an analyst filters.

One module per sheet, in the order of `SHEETS`; each has `add(wb, ctx)`, which appends
its sheet to the workbook. A new sheet is a module and one line in `SHEETS`. Beside
them: `sheet` (a write-only sheet whose text cells never become formulas), `styles`
(colours, formats, conditional formats), `tables` (widths and rows of small tables) and
`labels` (the audit's values in the report language; the labels themselves are in
`reports.i18n`, shared with the console and Markdown summaries).

The workbook is written in openpyxl's write-only mode: rows stream to disk instead of a
cell object per value (see README, "Reports"), so each sheet is built top to bottom.
"""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook

from audit.model.result import AuditResult
from reports import ReportOptions, i18n
from audit.model.reportmark import TOOL_NAME, WORKBOOK_PROPERTY
from reports.atomic import atomic_path, library_temp_files_in, scratch_dir
from reports.xlsx import catalogue, data, findings, funnel, guide, managers, owner_page, stages, summary
from reports.xlsx.findings import DEFAULT_MAX_ROWS, EXCEL_MAX_ROWS, capped_findings, evidence_text
from reports.xlsx.sheet import BookContext, discard, safe_text
from reports.xlsx.styles import FMT_DATE, named_styles
from reports.xlsx.todo import todo_list

__all__ = ["SHEETS", "OPENS_ON", "OWNER_SHEETS", "DEFAULT_MAX_ROWS", "FMT_DATE", "build", "capped_findings", "evidence_text",
           "safe_text", "write"]

# The sheets, in workbook order; the workbook opens on the Summary.
SHEETS = (guide, summary, findings, managers, funnel, stages, catalogue, data)
OPENS_ON = summary
# A manager's own workbook (ReportOptions.owner, `--per-owner`): his page and his to-do list.
OWNER_SHEETS = (owner_page, findings)


def write(result: AuditResult, path: Path, options: ReportOptions | None = None) -> None:
    """Write the workbook atomically (a temporary file beside `path`, then a rename)."""
    options = options or ReportOptions()
    if options.mask_pii:
        from reports.pii import mask_result
        result = mask_result(result)  # a no-op when the run already masked it
    with atomic_path(path) as tmp, scratch_dir(path) as scratch, library_temp_files_in(scratch):
        wb = build(result, options)
        try:
            wb.save(tmp)
        except BaseException:
            discard(wb)
            raise


def build(result: AuditResult, options: ReportOptions | None = None) -> Workbook:
    """The workbook, every sheet of `SHEETS` appended; nothing left behind if one fails."""
    options = options or ReportOptions()
    ctx = book_context(result, options, owner=options.owner)
    if options.owner is not None:
        return _assemble(OWNER_SHEETS, owner_page, ctx)
    return _assemble(SHEETS, OPENS_ON, ctx)


def book_context(result: AuditResult, options: ReportOptions, owner: str | None = None) -> BookContext:
    """What the sheets share: language, check titles and the to-do list (of `owner` alone when given)."""
    lang = options.lang if options.lang in i18n.LANGS else "en"
    ctx = BookContext(result, lang, options, owner=owner)
    ctx.titles = {c.code: i18n.check_title(c.code, c.name, result.catalogue, lang) for c in result.checks}
    cap = options.max_rows if options.max_rows is not None else DEFAULT_MAX_ROWS
    ctx.todo = todo_list(result, lang, ctx.titles, max(0, min(int(cap), EXCEL_MAX_ROWS - 3)), owner=owner)
    return ctx


def _assemble(sheets, opens_on, ctx: BookContext) -> Workbook:
    """A workbook of `sheets` (modules with `add(wb, ctx)`), opening on `opens_on`; nothing is
    left behind if a sheet fails."""
    wb = Workbook(write_only=True)
    for style in named_styles():
        wb.add_named_style(style)
    _mark_as_report(wb, ctx.result)
    wb.properties.title = i18n.t("summary.title", ctx.lang) + (f": {ctx.owner}" if ctx.owner else "")
    wb.properties.subject = i18n.t("print.as_of", ctx.lang, as_of=str(ctx.result.as_of.date()))
    try:
        for sheet in sheets:
            sheet.add(wb, ctx)
    except BaseException:
        discard(wb)
        raise
    wb.active = list(sheets).index(opens_on)
    return wb


def _mark_as_report(wb: Workbook, result: AuditResult) -> None:
    """Document properties that say this is a crm-audit report: readers never take it for an export."""
    from openpyxl.packaging.custom import StringProperty
    wb.properties.creator = TOOL_NAME
    wb.custom_doc_props.append(StringProperty(name=WORKBOOK_PROPERTY, value=str(result.tool_version or "")))
