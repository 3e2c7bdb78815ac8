"""Rows written as XML text (reports.xlsx.fastrows) come out byte for byte as openpyxl's own
writer makes them: values, types, styles (and the order they are registered in), row heights,
hyperlinks; and CRM text stays text."""

from __future__ import annotations

import zipfile
from datetime import datetime
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, NamedStyle

from reports.xlsx import fastrows
from reports.xlsx.sheet import discard

KINDS = [fastrows.TEXT, fastrows.TEXT, fastrows.NUMBER, fastrows.DATE, fastrows.TEXT]
ROWS = [
    # (values, height, link column or None)
    (["high", "Deal & <Co> \"quoted\"", 1234.5, datetime(2026, 11, 20, 18, 4), "=HYPERLINK(\"x\")"], None, None),
    (["Иванов Пётр", "  padded  ", 0, datetime(2026, 1, 1), "line one\nline two\r\nthree"], 47.0, 1),
    ([None, "emoji \U0001F600 ✓", None, None, None], None, None),
    (["low", "tab\tand > sign", -0.1, datetime(1999, 12, 31, 23, 59, 59), "1e300"], 409.0, 1),
    (["medium", "x", 10**15 + 0.5, datetime(2026, 2, 28, 12), ""], None, None),
]


def _styles(ws) -> tuple[list[WriteOnlyCell], WriteOnlyCell]:
    cells = []
    for i in range(len(KINDS)):
        cell = WriteOnlyCell(ws)
        cell.alignment = Alignment(vertical="top", wrap_text=i in (1, 4))
        cells.append(cell)
    cells[0].font = Font(bold=True)
    cells[2].number_format = "#,##0.00"
    cells[3].number_format = "yyyy-mm-dd hh:mm"
    link = WriteOnlyCell(ws)
    link.style = "link"
    return cells, link


def _workbook(path: Path, fast: bool) -> None:
    wb = Workbook(write_only=True)
    wb.add_named_style(NamedStyle(name="link", font=Font(underline="single", color="0563C1")))
    ws = wb.create_sheet("rows")
    if fast:
        fastrows.install(ws)
    ws.append(["a header row", "written by openpyxl"])
    cells, link = _styles(ws)
    writer = fastrows.RowWriter(ws, cells, KINDS, link_style=link)
    for n, (values, height, link_col) in enumerate(ROWS, start=2):
        values = [v if v != "" else None for v in values]
        target = (link_col, f"https://crm.example/deal/{n}") if link_col is not None else None
        if fast:
            writer.append(n, values, height=height, link=target)
            continue
        if height is not None:
            ws.row_dimensions[n].height = height
        out = []
        for col, (cell, value) in enumerate(zip(cells, values)):
            if value is None:
                out.append(None)
                continue
            if target is not None and target[0] == col:
                cell = WriteOnlyCell(ws)
                cell.style = "link"
                cell.hyperlink = target[1]
            cell = _copy(ws, cell)
            cell._value = value
            cell.data_type = {fastrows.NUMBER: "n", fastrows.DATE: "d"}.get(KINDS[col], "s")
            out.append(cell)
        ws.append(out)
    ws.append(["a row after them", 1])
    wb.save(path)


def _copy(ws, cell: WriteOnlyCell) -> WriteOnlyCell:
    fresh = WriteOnlyCell(ws)
    fresh._style = cell._style
    if cell.hyperlink is not None:
        fresh.hyperlink = cell.hyperlink.target
    return fresh


def _parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {name: z.read(name) for name in z.namelist() if name != "docProps/core.xml"}


def test_rows_as_text_are_the_bytes_openpyxl_writes(tmp_path):
    _workbook(tmp_path / "openpyxl.xlsx", fast=False)
    _workbook(tmp_path / "fast.xlsx", fast=True)
    mine, theirs = _parts(tmp_path / "fast.xlsx"), _parts(tmp_path / "openpyxl.xlsx")
    assert mine.keys() == theirs.keys()
    for name in theirs:
        assert mine[name] == theirs[name], name


def test_rows_as_text_read_back_as_written(tmp_path):
    _workbook(tmp_path / "fast.xlsx", fast=True)
    ws = load_workbook(tmp_path / "fast.xlsx")["rows"]
    assert ws["B2"].value == "Deal & <Co> \"quoted\"" and ws["B2"].data_type == "s"
    assert ws["E2"].value == "=HYPERLINK(\"x\")" and ws["E2"].data_type == "s"  # text, not a formula
    assert ws["B3"].value == "  padded  " and ws["E3"].value == "line one\nline two\r\nthree"
    assert ws["A3"].value == "Иванов Пётр" and ws["B4"].value == "emoji \U0001F600 ✓"
    assert ws["C2"].value == 1234.5 and ws["D2"].value == datetime(2026, 11, 20, 18, 4)
    assert ws["A2"].font.b and ws["C2"].number_format == "#,##0.00"
    assert ws.row_dimensions[3].height == 47.0 and ws.row_dimensions[5].height == 409.0
    assert ws["B3"].hyperlink.target == "https://crm.example/deal/3" and ws["B3"].style == "link"
    assert ws["A4"].value is None and ws["C4"].value is None
    assert [c.value for c in ws[7]][:2] == ["a row after them", 1]


def test_a_sheet_already_written_to_is_refused():
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("rows")
    ws.append(["first"])
    try:
        with pytest.raises(ValueError, match="already open"):
            fastrows.install(ws)
    finally:
        discard(wb)


@pytest.mark.parametrize("formats, openpyxl", [(["xlsx", "json"], True), (["json", "md"], False), ([], False)])
def test_load_writers_imports_the_writers_asked_for(formats, openpyxl):
    import subprocess
    import sys
    code = f"import sys; from reports import load_writers; load_writers({formats!r}); print('openpyxl' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == str(openpyxl)
