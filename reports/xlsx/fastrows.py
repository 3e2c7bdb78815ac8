"""Rows of a write-only sheet written as XML text: the Findings sheet's rows, the one part of the
workbook whose size grows with the export.

openpyxl serializes a cell through a few Python calls and two XML element contexts (about 15 µs a
cell here; its 20,000 to-do rows were most of a 100,000-deal workbook's 4.3 s). These rows have a
fixed layout (each column one kind and one style), so each row's XML is formatted as text the way
openpyxl writes it (inline strings, numbers as "%.16g", dates as Excel serial numbers, style ids
from openpyxl's own style table registered in the same order, row heights as `ht` with
`customHeight`, hyperlinks in the sheet's list, ASCII with character references as lxml writes)
and written into the sheet's stream between openpyxl's own elements: the file comes out byte for
byte as openpyxl's writer makes it (tests/reports/test_fastrows.py holds the two equal).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any
from xml.sax.saxutils import escape

from openpyxl.cell import WriteOnlyCell
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import to_excel
from openpyxl.worksheet._writer import WorksheetWriter
from openpyxl.worksheet.hyperlink import Hyperlink
from openpyxl.xml.constants import SHEET_MAIN_NS
from openpyxl.xml.functions import xmlfile

TEXT, NUMBER, DATE = "s", "n", "d"
_CR = {"\r": "&#13;"}  # as lxml writes it: a bare carriage return would be read back as "\n"
_SPECIAL = re.compile("[&<>\r]")


class RowWriter:
    """Appends rows of plain values to a write-only sheet, one kind and one styled cell per column.

    `styles` are cells whose style (font, alignment, number format) each column takes; `kinds`
    say how a column's values are written (TEXT: str, NUMBER: int or float, DATE: datetime);
    None is an empty cell. A row may carry one hyperlink (`link`: column, target, and a cell
    whose style the linked cell takes)."""

    def __init__(self, ws, styles: Sequence[WriteOnlyCell], kinds: Sequence[str],
                 link_style: WriteOnlyCell | None = None):
        self.ws = ws
        self.kinds = list(kinds)
        self.letters = [get_column_letter(i) for i in range(1, len(kinds) + 1)]
        # Styles are registered in the workbook as openpyxl registers them: on a column's first
        # written cell, so the workbook's style table comes out as openpyxl's own writer makes it.
        self.styles = list(styles)
        self.style_ids: list[str | None] = [None] * len(self.styles)
        self.link_style = link_style
        self.link_style_id: str | None = None
        self.epoch = ws.parent.epoch
        if getattr(ws.parent, "iso_dates", False):  # pragma: no cover - the report never sets it
            raise ValueError("RowWriter writes dates as serial numbers (iso_dates is off in the report)")

    def append(self, row: int, values: Sequence[Any], height: float | None = None,
               link: tuple[int, str] | None = None) -> None:
        """Write row number `row` (the sheet's next row) of `values`."""
        head = f'<row r="{row}" ht="{height:.16g}" customHeight="1">' if height is not None else f'<row r="{row}">'
        parts = [head]
        for col, value in enumerate(values):
            if value is None:
                continue
            ref = f"{self.letters[col]}{row}"
            if link is not None and link[0] == col:
                if self.link_style_id is None:
                    self.link_style_id = _style_attribute(self.link_style)
                s = self.link_style_id
                self.ws._hyperlinks.append(Hyperlink(ref=ref, target=link[1]))
            else:
                s = self.style_ids[col]
                if s is None:
                    s = self.style_ids[col] = _style_attribute(self.styles[col])
            kind = self.kinds[col]
            if kind == TEXT:
                space = ' xml:space="preserve"' if value != value.strip() else ""
                text = escape(value, _CR) if _SPECIAL.search(value) else value
                parts.append(f'<c r="{ref}"{s} t="inlineStr"><is><t{space}>{text}</t></is></c>')
            else:
                number = to_excel(value, self.epoch) if kind == DATE else value
                parts.append(f'<c r="{ref}"{s} t="n"><v>{number:.16g}</v></c>')
        parts.append("</row>")
        self.ws.append(_Xml("".join(parts)))


def _style_attribute(cell: WriteOnlyCell) -> str:
    return f' s="{cell.style_id}"' if cell.has_style else ""


class _Xml(list):
    """A row already formatted as XML; a list, so that the write-only sheet accepts it."""

    def __init__(self, text: str):
        super().__init__()
        self.text = text


class _Writer(WorksheetWriter):
    """openpyxl's sheet writer with its XML stream over a file object of ours (openpyxl's own
    opens the file by name), so that a row formatted as text goes into the file between the
    stream's elements, after a flush of what the stream holds."""

    file = None

    def get_stream(self):
        # openpyxl's WorksheetWriter.get_stream, over `self.file`.
        self.file = open(self.out, "wb")  # noqa: SIM115 - closed when the stream ends
        try:
            with xmlfile(self.file) as xf:
                with xf.element("worksheet", xmlns=SHEET_MAIN_NS):
                    try:
                        while True:
                            el = (yield)
                            if el is True:
                                yield xf
                            elif el is None:
                                continue
                            else:
                                xf.write(el)
                    except GeneratorExit:
                        pass
        finally:
            self.file.close()

    def write_row(self, xf, row, row_idx):
        if isinstance(row, _Xml):
            xf.flush()
            self.file.write(row.text.encode("ascii", "xmlcharrefreplace"))
        else:
            super().write_row(xf, row, row_idx)


def install(ws) -> None:
    """Let `ws`, a write-only sheet not yet written to, take `RowWriter` rows besides its own."""
    if ws._writer is not None:
        raise ValueError("fastrows.install: the sheet's stream is already open")
    own_values_to_row = ws._values_to_row

    def get_writer():
        if ws._writer is None:
            ws._writer = _Writer(ws)
            ws._writer.write_top()

    def values_to_row(values, row_idx):
        return values if isinstance(values, _Xml) else own_values_to_row(values, row_idx)

    ws._get_writer = get_writer
    ws._values_to_row = values_to_row
