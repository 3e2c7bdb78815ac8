"""The Data sheet: the input files and how they were read, the checks skipped and what to
export to enable them, and the values that could not be read. Three tables share one
column grid (the file path first, always in the wide column A)."""

from __future__ import annotations

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment

from audit.model.findings import Status
from audit.model.text import num
from reports import i18n
from audit.model.text import column_word
from reports.i18n import t
from reports.xlsx.sheet import BookContext, Sheet
from reports.xlsx.styles import Font, CENTER_TOP, FMT_INT, TOP, WRAP

PARSE_DETAIL_ROWS = 1_000       # unreadable values listed one by one
INPUT_COLUMNS = ("file", "table", "crm", "encoding", "delimiter", "header_row", "rows", "sheet", "mapping",
                 "unmapped", "parse_failures", "note")
DELIMITER_NAMES = {"\t": "tab", ";": ";", ",": ",", "|": "|"}


def add(wb: Workbook, ctx: BookContext) -> None:
    s = Sheet(wb, t("sheet.data", ctx.lang), [44, 16, 14, 16, 18, 18, 12, 12, 42, 34, 24, 40], lang=ctx.lang)
    s.print_setup(ctx)
    if ctx.result.warnings:
        _warnings(s, ctx)
        s.blank()
    _inputs(s, ctx)
    s.blank()
    _skipped(s, ctx)
    s.blank()
    _parse_issues(s, ctx)


def _warnings(s: Sheet, ctx: BookContext) -> None:
    """Input warnings with their file and code, the sentence wrapped across the rest of the grid.
    Their numbers stay in the JSON report: as `key: value` text they were the program's words."""
    r, lang = ctx.result, ctx.lang
    s.section(t("data.warnings", lang))
    last = len(s.widths)
    s.header([t("col.file", lang), t("col.code", lang), t("col.warning", lang)] + [""] * (last - 3))
    s.merge(s.row, 3, last)
    message_width = sum(s.widths[2:last])
    for w in r.warnings:
        text = w.text(lang)
        height = max(s.text_height(text, message_width) or 0, s.text_height(w.file, s.widths[0]) or 0,
                     s.text_height(w.code, s.widths[1]) or 0) or None
        s.append([s.cell(w.file, align=WRAP), s.cell(w.code, align=WRAP), s.cell(text, align=WRAP)],
                 height=height, fit=False)
        s.merge(s.row, 3, last)


def _inputs(s: Sheet, ctx: BookContext) -> None:
    r, lang = ctx.result, ctx.lang
    s.section(t("data.inputs", lang))
    s.caption(t("data.crm", lang, crm=r.crm or "?"))
    if not r.inputs:
        s.caption(t("data.none", lang))
        return
    s.header([t(f"col.{h}", lang) for h in INPUT_COLUMNS])
    for src in r.inputs:
        mapping = "\n".join(f"{k} → {v}" for k, v in dict(src.mapping).items())
        failures = ", ".join(f"{_column(k, lang)}: {num(v, lang)}"
                             for k, v in dict(src.parse_failures).items() if v)
        delimiter = DELIMITER_NAMES.get(src.delimiter or "", src.delimiter)
        s.append([s.cell(src.path, align=WRAP), s.cell(i18n.table(src.table, lang), align=WRAP),
                  s.cell(src.crm, align=TOP), s.cell(src.encoding, align=TOP),
                  s.cell(delimiter, align=CENTER_TOP), s.cell(src.header_row, align=CENTER_TOP),
                  s.cell(src.rows, fmt=FMT_INT, align=TOP), s.cell(src.sheet, align=TOP),
                  s.cell(mapping or None, align=WRAP), s.cell(", ".join(src.unmapped) or None, align=WRAP),
                  s.cell(failures or None, align=WRAP), s.cell(src.note, align=WRAP)])


def _skipped(s: Sheet, ctx: BookContext) -> None:
    r, lang = ctx.result, ctx.lang
    s.section(t("data.skipped", lang))
    skipped = [c for c in r.checks if c.status is Status.SKIPPED]
    if not skipped:
        s.caption(t("data.skipped_none", lang))
        return
    # The reason is one long sentence: it runs across the empty columns to its right.
    s.header([t("col.check", lang), t("col.skipped_reason", lang)] + [""] * 7)
    for c in skipped:
        s.append([s.cell(f"{c.code}  {ctx.titles.get(c.code, c.name)}", align=TOP),
                  s.cell(c.reason(lang) or c.text(lang), align=TOP)])


def _parse_issues(s: Sheet, ctx: BookContext) -> None:
    """Unreadable values grouped by column with examples, then the first ones one by one."""
    r, lang = ctx.result, ctx.lang
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
        s.append([s.cell(file), s.cell(i18n.table(table, lang)), s.cell(_column(column, lang)), s.cell(source),
                  s.cell(int(row["count"]), fmt=FMT_INT), s.cell("  |  ".join(row["examples"]) or None)])
    s.blank()
    cap = min(PARSE_DETAIL_ROWS, ctx.options.max_rows if ctx.options.max_rows is not None else PARSE_DETAIL_ROWS)
    detail = issues.head(cap)
    if len(issues) > len(detail):
        s.append([s.cell(t("data.parse_capped", lang, shown=num(len(detail), lang), total=num(len(issues), lang)),
                         font=Font(bold=True, color="9C0006"))])
    s.header([t(f"col.{h}", lang) for h in ("file", "table", "row", "column", "source_column", "raw")]
             + [t("col.entity_id", lang)])
    for file, table, row_no, column, source, raw, entity_id in detail[
            ["file", "table", "row", "column", "source_column", "raw", "entity_id"]].itertuples(index=False, name=None):
        s.append([s.cell(file), s.cell(i18n.table(table, lang)),
                  s.cell(row_no, align=Alignment(horizontal="center")), s.cell(_column(column, lang)),
                  s.cell(source),
                  s.cell(raw), s.cell(entity_id)])


def _column(name, lang: str) -> str | None:
    """'close date (closed_at)': the field in words, with the name crm-audit.toml maps it by."""
    if name is None or name != name:
        return None
    return f"{column_word(name, lang)} ({name})"
