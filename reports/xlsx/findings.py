"""The Findings sheet: the to-do list (reports.xlsx.todo), one row per deal per check.

An Excel table (filters, banded rows) under a frozen header, with what was found in full
sentences (rows as tall as their wrapped text), what to do, the evidence in words, the date as
a date cell, deals linked to the CRM, and an empty status column with a dropdown (to do / fixed /
not a problem) and a comment column, so the sheet can go to a manager as his list.

At most `DEFAULT_MAX_ROWS` rows by default (`[report] max_rows`), most severe first, every
check keeping its share, with a visible note: openpyxl's time per cell makes a full sheet slow
at scale (README, "Reports"), and the JSON report keeps every finding. Cells are reused per
column (write-only mode serializes a row as it is appended).
"""

from __future__ import annotations

import math
import warnings
from typing import Any
from urllib.parse import quote

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.filters import AutoFilter
from openpyxl.worksheet.table import Table, TableColumn, TableStyleInfo

from reports.evidence import evidence_words
from reports.i18n import t
from reports.xlsx import fastrows
from reports.xlsx.capping import capped_findings
from reports.xlsx.sheet import BookContext, Sheet, safe_text, wrapped_lines
from reports.xlsx.styles import Font, FMT_AMOUNT, MUTED, date_format, severity_rules
from reports.xlsx.todo import TodoList

__all__ = ["DEFAULT_MAX_ROWS", "capped_findings", "evidence_text", "add", "COLUMNS", "FIRST_ROW"]

DEFAULT_MAX_ROWS = 20_000       # rows on the Findings sheet (the JSON holds every finding)
EXCEL_MAX_ROWS = 1_048_576
MAX_LINKS = 65_000              # Excel drops hyperlinks past 65,530 per sheet
FIRST_ROW = 3                   # row 1: the note, row 2: the header

# (field of the to-do row, header label, width, wrapped)
COLUMNS = (
    ("severity", "col.severity", 12, False),   # "высокая" in bold, beside the filter button
    ("check", "col.check", 24, True),
    ("owner", "col.owner", 17, True),
    ("pipeline", "col.pipeline", 13, True),
    ("stage", "col.stage", 18, True),
    ("deal", "col.deal", 28, True),
    ("deal_id", "col.deal_id", 11, False),
    ("company", "col.company", 20, True),
    ("amount", "col.amount", 12, False),
    ("at", "col.date", 13, False),
    ("found", "col.found", 46, True),
    ("todo", "col.todo", 26, True),
    ("evidence", "col.evidence", 40, True),
    ("status", "col.todo_status", 14, False),
    ("comment", "col.comment", 24, True),
)
_FIELDS = [c[0] for c in COLUMNS]
_WIDTHS = [c[2] for c in COLUMNS]
_WRAPPED = [i for i, c in enumerate(COLUMNS) if c[3]]
LINE_HEIGHT = 15.0


def evidence_text(evidence: Any, lang: str = "en") -> str | None:
    """The evidence in words ({'lost_share': 0.05, 'closed': 40} -> 'lost share: 5%; ...')."""
    return evidence_words(evidence, lang)


def add(wb: Workbook, ctx: BookContext) -> None:
    todo = ctx.todo
    lang = ctx.lang
    s = Sheet(wb, t("sheet.findings", lang), _widths(todo.rows), lang=ctx.lang)
    fastrows.install(s.ws)  # the to-do rows go in as XML text (`_rows`)
    s.freeze(f"A{FIRST_ROW}")
    s.print_setup(ctx, repeat_rows=f"{FIRST_ROW - 1}:{FIRST_ROW - 1}")
    url_template = ctx.options.deal_url if ctx.options.deal_url and "{id}" in ctx.options.deal_url else None
    _note(s, todo, url_template, lang)
    headers = [t(label, lang) for _f, label, _w, _wrap in COLUMNS]
    s.header(headers)
    if not len(todo.rows):
        s.append([s.cell(t("findings.none", lang), font=Font(italic=True, color=MUTED))])
        return
    _rows(s, todo.rows, url_template, lang)
    last = s.row
    ref = f"A{FIRST_ROW - 1}:{get_column_letter(len(COLUMNS))}{last}"
    table = Table(displayName="Findings", ref=ref, tableStyleInfo=TableStyleInfo(
        name="TableStyleLight9", showRowStripes=True, showColumnStripes=False))
    table.tableColumns = [TableColumn(id=i, name=h) for i, h in enumerate(headers, 1)]
    table.autoFilter = AutoFilter(ref=ref)
    with warnings.catch_warnings():  # "add table columns manually": done above
        warnings.simplefilter("ignore", UserWarning)
        s.ws.add_table(table)
    _status_dropdown(s, lang, last)
    severity_rules(s, "A", FIRST_ROW, last, lang)


def _widths(rows: pd.DataFrame) -> list[float]:
    """The columns' widths; the deal id as wide as the longest shown (Salesforce's are 18
    characters, amoCRM's 8), within reason."""
    widths = list(_WIDTHS)
    if len(rows):
        longest = rows["deal_id"].dropna().astype(str).str.len().max()
        if longest == longest:
            widths[_FIELDS.index("deal_id")] = max(widths[_FIELDS.index("deal_id")], min(22, int(longest) + 2))
    return widths


def _note(s: Sheet, todo: TodoList, url_template: str | None, lang: str) -> None:
    """What the sheet holds (red when capped) and whether links were capped."""
    from audit.model.text import num
    shown = len(todo.rows)
    if shown < todo.groups:
        notes = [t("findings.capped", lang, shown=num(shown, lang), total=num(todo.groups, lang),
                   left=num(todo.groups - shown, lang))]
    else:
        notes = [t("findings.caption", lang, rows=num(shown, lang), n=num(todo.findings, lang))]
    if url_template is not None and int(todo.rows["is_deal"].sum() if shown else 0) > MAX_LINKS:
        notes.append(t("findings.links_capped", lang, n=num(MAX_LINKS, lang)))
    font = Font(bold=True, color="9C0006") if shown < todo.groups else Font(italic=True, color=MUTED)
    s.append([s.cell("  ".join(notes), font=font)], height=18)


def _rows(s: Sheet, rows: pd.DataFrame, url_template: str | None, lang: str) -> None:
    """One row per to-do item, appended straight to the stream as XML text (the sheet's hot
    loop: `fastrows`). Each column has one style and one kind: text is always text (so CRM text
    that starts with "=" never becomes a formula), amounts numbers, dates dates."""
    ws = s.ws
    top, wrap = Alignment(vertical="top"), Alignment(vertical="top", wrap_text=True)
    cells = []
    for name, _label, _w, wrapped in COLUMNS:
        cell = WriteOnlyCell(ws)
        cell.alignment = wrap if wrapped else top
        cells.append(cell)
    cells[_FIELDS.index("amount")].number_format = FMT_AMOUNT
    cells[_FIELDS.index("at")].number_format = date_format(lang)
    # Centred: a right-aligned date ran into the left-aligned sentence beside it ("2026-11-192 times").
    cells[_FIELDS.index("at")].alignment = Alignment(vertical="top", horizontal="center")
    cells[_FIELDS.index("severity")].font = Font(bold=True)
    link = WriteOnlyCell(ws)
    link.style = "ca_link"
    kinds = [{"amount": fastrows.NUMBER, "at": fastrows.DATE}.get(name, fastrows.TEXT) for name in _FIELDS]
    writer = fastrows.RowWriter(ws, cells, kinds, link_style=link)
    per_line = [s.per_line(w) for w in s.widths]
    columns = _column_values(rows)
    id_col, n_links = _FIELDS.index("deal_id"), 0
    is_deal = rows["is_deal"].tolist()
    known_lines: list[dict[str, int]] = [{} for _ in COLUMNS]  # most columns repeat their texts
    for r, values in enumerate(zip(*columns)):
        lines = 1
        for i in _WRAPPED:
            v = values[i]
            if isinstance(v, str) and len(v) > per_line[i]:
                n = known_lines[i].get(v)
                if n is None:
                    n = known_lines[i][v] = sum(wrapped_lines(p, per_line[i]) for p in v.split("\n"))
                lines = max(lines, n)
        target = None
        if url_template is not None and is_deal[r] and values[id_col] is not None and n_links < MAX_LINKS:
            target = (id_col, url_template.replace("{id}", quote(str(values[id_col]), safe="")))
            n_links += 1
        s.row += 1
        writer.append(s.row, values, height=min(409.0, LINE_HEIGHT * lines + 2) if lines > 1 else None, link=target)


def _column_values(rows: pd.DataFrame) -> list[list[Any]]:
    """Each column as plain Python values: text made safe, missing as None, dates as datetimes."""
    out = []
    for name in _FIELDS:
        if name in ("status", "comment"):
            out.append([None] * len(rows))
        elif name == "amount":
            out.append([None if v != v else v for v in pd.to_numeric(rows["amount"], errors="coerce").astype(float)])
        elif name == "at":
            stamps = pd.to_datetime(rows["at"])
            out.append([None if pd.isna(v) else v.to_pydatetime() for v in stamps])
        else:  # text columns: every value as safe text (ids too)
            out.append([None if _missing(v) else safe_text(v) for v in rows[name].tolist()])
    return out


def _missing(value: Any) -> bool:
    return value is None or value == "" or (isinstance(value, float) and math.isnan(value)) \
        or value is pd.NA or value is pd.NaT


def _status_dropdown(s: Sheet, lang: str, last: int) -> None:
    """The status column: a dropdown of to do / fixed / not a problem (any other text allowed)."""
    col = get_column_letter(_FIELDS.index("status") + 1)
    choices = ",".join(t(f"todo.{k}", lang) for k in ("open", "fixed", "not_a_problem"))
    validation = DataValidation(type="list", formula1=f'"{choices}"', allow_blank=True,
                                showErrorMessage=False, showDropDown=False)
    validation.add(f"{col}{FIRST_ROW}:{col}{last}")
    s.ws.data_validations.append(validation)

