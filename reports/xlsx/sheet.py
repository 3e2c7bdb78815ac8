"""A write-only sheet and the cells it holds: CRM text always stays text.

openpyxl stores a string starting with "=" as a formula, so such cells are forced to the
string type (`data_type = "s"`); characters XML forbids are removed and values cut at
Excel's 32,767 characters. Write-only mode needs every row appended in order, so each
sheet is built top to bottom and styles go on cells as they are made.
"""

from __future__ import annotations

import contextlib
import copy
import math
import os
import re
from dataclasses import dataclass, field
from typing import Any, Iterable, Sequence

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.cell_range import CellRange

from audit.model.result import AuditResult
from reports import ReportOptions
from reports.xlsx.styles import Font, FMT_DATE

MAX_CELL_CHARS = 32_767
DEFAULT_ROW_HEIGHT = 15.0     # points, a row of one line
# Characters per unit of column width in wrapped text (a unit is one digit's width; Calibri's
# letters are narrower, Cyrillic ones less so): measured on LibreOffice renders (Carlito, metric-
# compatible with Calibri) of both languages; Cyrillic prose (the guide's sentences) holds
# about 1.03 a unit, so Russian counts 1.0 and keeps a margin. Row heights are computed with these, as neither
# LibreOffice nor some Excel builds grow a row to fit its wrapped text when the file is opened.
CHARS_PER_UNIT = {"en": 1.2, "ru": 1.0}

# openpyxl refuses these (IllegalCharacterError): C0 controls except tab, LF and CR.
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


@dataclass
class BookContext:
    """What every sheet reads: the result, the report language and options, check titles, the
    to-do list (built once: the Summary links to its rows) and, for a manager's own workbook,
    whose it is."""

    result: AuditResult
    lang: str
    options: ReportOptions
    titles: dict[str, str] = field(default_factory=dict)  # code -> readable check title
    todo: Any = None                                      # reports.xlsx.todo.TodoList
    owner: str | None = None                              # the manager of a per-manager workbook
    memo: dict[Any, Any] = field(default_factory=dict)    # what a sheet computes once and reuses


def safe_text(value: Any) -> str:
    """Text a workbook can hold: characters XML forbids removed, cut at Excel's cell limit."""
    text = value if isinstance(value, str) else str(value)
    if _ILLEGAL.search(text):
        text = _ILLEGAL.sub("", text)
    return text[:MAX_CELL_CHARS]


def text_column(values: pd.Series) -> list[Any]:
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


def missing(value: Any) -> bool:
    """None, NaN, NaT or pandas' NA (lists and text are never missing)."""
    if value is None:
        return True
    if isinstance(value, float):
        return math.isnan(value)
    try:
        return bool(pd.isna(value)) if not isinstance(value, (str, list, tuple, dict)) else False
    except (TypeError, ValueError):
        return False


def _plain(value: Any) -> Any:
    """A value openpyxl writes as it is: numpy scalars and timestamps unwrapped, text made safe."""
    if missing(value):
        return None
    if isinstance(value, (np.integer, np.floating)):
        return value.item()
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if not isinstance(value, (int, float)) and not hasattr(value, "year"):
        return safe_text(value)
    return value


class Sheet:
    """A write-only sheet appended row by row, with the row number at hand (charts,
    conditional formats and filters refer to rows already written)."""

    def __init__(self, wb: Workbook, title: str, widths: Sequence[float], lang: str = "en"):
        self.ws = wb.create_sheet(title)
        self._styles: dict[tuple, Any] = {}  # (style, fmt, font, fill, align) -> resolved style ids
        self.row = 0
        self.height = 0.0            # points of the rows written so far (a page holds so many)
        self.widths = list(widths)
        self.chars_per_unit = CHARS_PER_UNIT.get(lang, min(CHARS_PER_UNIT.values()))
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
        value = _plain(value)
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

    def append(self, values: Iterable[Any] = (), height: float | None = None, fit: bool = True) -> int:
        """Append a row; rows with wrapped text get a height that shows it all (LibreOffice
        and some Excel builds do not grow rows by themselves), unless `fit` is off (a row with
        merged cells, whose caller knows their widths, passes its `height`)."""
        values = list(values)
        self.row += 1
        fit = self._fit_height(values) if fit else None
        if height is not None or fit is not None:
            self.ws.row_dimensions[self.row].height = max(height or 0, fit or 0)
        self.height += max(height or 0, fit or 0) or DEFAULT_ROW_HEIGHT
        self.ws.append(values)
        return self.row

    def _fit_height(self, values: list[Any]) -> float | None:
        height = 0.0
        for i, value in enumerate(values):
            if not hasattr(value, "alignment") or not isinstance(value.value, str):
                continue
            if not value.alignment.wrap_text:
                continue
            width = self.widths[i] if i < len(self.widths) else 8.43
            size = float(value.font.sz or 11)
            height = max(height, self.text_height(value.value, width, bool(value.font.b), size) or 0)
        return height or None

    def per_line(self, width: float, bold: bool = False, size: float = 11) -> float:
        """Characters of wrapped text a line of a cell `width` units wide holds (bold is wider,
        a smaller font narrower: widths are in digits of the 11-point default)."""
        return max(1.0, width * self.chars_per_unit * (0.9 if bold else 1.0) * 11 / size - 1)

    def merge(self, row: int, first_col: int, last_col: int) -> None:
        """Merge the cells of `row` from `first_col` to `last_col` (the row is already written)."""
        self.ws.merged_cells.add(CellRange(min_col=first_col, min_row=row, max_col=last_col, max_row=row))

    def text_height(self, text: str | None, width: float, bold: bool = False, size: float = 11) -> float | None:
        """The height a wrapped `text` needs in a cell `width` characters wide (None: one line)."""
        if not text:
            return None
        per_line = self.per_line(width, bold, size)
        lines = sum(wrapped_lines(part, per_line) for part in str(text).split("\n"))
        return min(409.0, 15.0 * size / 11 * lines + 2) if lines > 1 else None

    def paragraph(self, text: str, first_col: int, last_col: int, chars: float, font: Font | None = None) -> int:
        """A sentence across columns `first_col`-`last_col` (merged, wrapped, as tall as it needs)."""
        width = sum(self.widths[first_col - 1:last_col]) if chars is None else chars
        row = [None] * (first_col - 1) + [self.cell(text, font=font, align=Alignment(vertical="top", wrap_text=True))]
        size = float(font.sz) if font is not None and font.sz else 11
        height = self.text_height(text, width, bool(font and font.b), size) or 16 * size / 11
        self.append(row, height=height, fit=False)
        if last_col > first_col:
            self.merge(self.row, first_col, last_col)
        return self.row

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

    def print_setup(self, ctx: BookContext, repeat_rows: str | None = None, one_page: bool = False) -> None:
        """Printed pages: the report's title and data date in the header, the sheet and "page x of
        y" in the footer, the header row repeated on every page, one page wide (or one page)."""
        from reports.common import as_of_text
        from reports.i18n import t
        title = t("summary.title", ctx.lang) + (f" · {ctx.owner}" if ctx.owner else "")
        self.ws.oddHeader.left.text = _header_text(title)
        self.ws.oddHeader.right.text = _header_text(t("print.as_of", ctx.lang, as_of=as_of_text(ctx.result.as_of,
                                                                                                ctx.lang)))
        self.ws.oddFooter.left.text = "&A"
        self.ws.oddFooter.right.text = t("print.page", ctx.lang, page="&P", pages="&N")
        for part in (self.ws.oddHeader.left, self.ws.oddHeader.right, self.ws.oddFooter.left,
                     self.ws.oddFooter.right):
            part.size = 9
            part.color = "6B7280"
        if repeat_rows:
            self.ws.print_title_rows = repeat_rows
        self.ws.page_setup.fitToHeight = 1 if one_page else 0
        self.ws.page_margins.top = self.ws.page_margins.bottom = 0.6
        self.ws.page_margins.header = self.ws.page_margins.footer = 0.25
        self.ws.page_margins.left = self.ws.page_margins.right = 0.4


def _header_text(text: str) -> str:
    """Header and footer text: "&" starts a code there, so a literal one is doubled."""
    return safe_text(text).replace("&", "&&")


def wrapped_lines(text: str, per_line: float) -> int:
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


def discard(wb: Workbook) -> None:
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
