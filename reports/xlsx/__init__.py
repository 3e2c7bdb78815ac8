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

import contextlib
import os
from pathlib import Path

from openpyxl import Workbook

from audit.model.result import AuditResult
from reports import ReportOptions, i18n
from audit.model.reportmark import TOOL_NAME, WORKBOOK_PROPERTY
from reports.atomic import atomic_path, library_temp_files_in, scratch_dir
from reports.xlsx import catalogue, data, findings, funnel, managers, stages, summary
from reports.xlsx.findings import DEFAULT_MAX_ROWS, capped_findings, evidence_text
from reports.xlsx.sheet import BookContext, safe_text
from reports.xlsx.styles import FMT_DATE, named_styles

__all__ = ["SHEETS", "DEFAULT_MAX_ROWS", "FMT_DATE", "build", "capped_findings", "evidence_text",
           "safe_text", "write"]

# The sheets, in workbook order.
SHEETS = (summary, findings, managers, funnel, stages, catalogue, data)


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
    """The workbook, every sheet of `SHEETS` appended; nothing left behind if one fails."""
    options = options or ReportOptions()
    lang = options.lang if options.lang in i18n.LANGS else "en"
    ctx = BookContext(result, lang, options)
    ctx.titles = {c.code: i18n.check_title(c.code, c.name, result.catalogue, lang) for c in result.checks}
    wb = Workbook(write_only=True)
    _mark_as_report(wb, result)
    for style in named_styles():
        wb.add_named_style(style)
    try:
        for sheet in SHEETS:
            sheet.add(wb, ctx)
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
