"""The workbook pre-scan: it places cells where calamine does, and refuses before calamine
allocates. Workbooks are built in the test (tests/hostile/bombs.py)."""

from __future__ import annotations

import zipfile

import pytest
from python_calamine import CalamineWorkbook

from audit.ingest.workbook_bounds import column_number, scan_workbook
from audit.model.errors import InputError
from audit.model.limits import ReadLimits
from tests.hostile import bombs


def _book(tmp_path, rows: str, name: str = "book.xlsx", *, prefixed: bool = False):
    member = bombs.sheet_member(rows)
    if prefixed:  # the same sheet with namespace-prefixed element names (some .NET writers)
        xml = (bombs.SHEET_HEAD.format(dimension="") + rows + bombs.SHEET_TAIL)
        xml = (xml.replace("<worksheet xmlns=", "<x:worksheet xmlns:x=").replace("</worksheet>", "</x:worksheet>")
               .replace("<sheetData>", "<x:sheetData>").replace("</sheetData>", "</x:sheetData>")
               .replace("<row", "<x:row").replace("</row>", "</x:row>").replace("<c ", "<x:c ")
               .replace("<c>", "<x:c>").replace("</c>", "</x:c>").replace("<v>", "<x:v>").replace("</v>", "</x:v>"))
        member = bombs.Member("xl/worksheets/sheet1.xml", [xml.encode()])
    return bombs.workbook(tmp_path / name, member)


@pytest.mark.parametrize("rows", [
    pytest.param('<row r="2"><c r="B2"><v>1</v></c><c r="D2"><v>2</v></c></row><row r="7"><c r="C7"><v>3</v></c></row>',
                 id="references-first"),
    pytest.param('<row r="3"><c s="0" r="E3"><v>1</v></c></row><row r="4"><c t="n" r="B4"><v>1</v></c></row>',
                 id="reference-not-first"),
    pytest.param('<row><c><v>1</v></c><c><v>2</v></c><c><v>3</v></c></row><row><c><v>1</v></c></row>',
                 id="no-references"),
    pytest.param('<row r="5"><c><v>1</v></c><c r="F5"><v>2</v></c><c><v>3</v></c></row><row><c><v>4</v></c></row>',
                 id="mixed"),
    pytest.param('<row r="2"><c r="B2"><v>1</v></c><c r="XFD2" s="1"/></row><row r="900000"><c r="A900000" s="2"/></row>',
                 id="formatted-empty-cells-take-no-place"),
    pytest.param('<row r="2"><c><v>1</v></c><c s="1"/><c s="1"/></row><row r="3"><c><v>1</v></c></row>',
                 id="walked-empty-cells"),
    pytest.param('<row r="2"><c r="B2"><v>1</v></c></row>' * 3 + '<row r="40"><c r="AA40"><v>1</v></c></row>',
                 id="two-letter-column"),
])
@pytest.mark.parametrize("prefixed", [False, True], ids=["plain", "prefixed"])
def test_cells_are_placed_where_calamine_places_them(rows, prefixed, tmp_path):
    path = _book(tmp_path, rows, prefixed=prefixed)
    limits = ReadLimits()
    scan = scan_workbook(path, limits)
    sheet = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0)
    (r0, c0), (r1, c1) = sheet.start, sheet.end
    assert scan.grid == (r1 - r0 + 1) * (c1 - c0 + 1)


def test_column_numbers():
    assert [column_number(c) for c in ("A", "Z", "AA", "XFD")] == [1, 26, 27, 16384]


@pytest.mark.parametrize("build, needle", [
    pytest.param(bombs.far_cell, "17,179,869,184 cells", id="cell-at-XFD1048576"),
    pytest.param(lambda p: bombs.far_cell(p, "XFD5000"), "81,920,000 cells", id="cell-at-XFD5000"),
    pytest.param(bombs.declared_beyond_excel, "declares 1,048,577 rows", id="declared-beyond-excel"),
    pytest.param(bombs.sparse, "a mostly empty grid", id="sparse"),
    pytest.param(bombs.one_huge_cell, "inflates to 1,200 MiB", id="one-huge-cell"),
    pytest.param(bombs.lying_directory, "Bad CRC-32", id="directory-lies-about-size"),
])
def test_bombs_are_refused(build, needle, tmp_path):
    path = build(tmp_path / "bomb.xlsx")
    with pytest.raises(InputError, match=needle.replace("(", r"\(")) as err:
        scan_workbook(path, ReadLimits())
    assert str(err.value).startswith(str(path))


def test_compression_ratio_is_judged_on_big_members_only(tmp_path):
    path = bombs.one_huge_cell(tmp_path / "bomb.xlsx", mib=8)  # 8 MiB inflating ~1000 times
    with pytest.raises(InputError, match=r"inflates \d{3,} times .*zip bomb.*compression_ratio"):
        scan_workbook(path, ReadLimits())
    with pytest.raises(InputError, match="holds a text of more than 4 MiB in one cell"):
        scan_workbook(path, ReadLimits(compression_ratio=5000))  # the ratio lifted, the field still too long
    scan_workbook(path, ReadLimits(compression_ratio=5000, field_mb=16))  # both lifted: read


def test_limits_can_be_lifted_and_lowered(tmp_path):
    path = bombs.sparse(tmp_path / "sparse.xlsx")
    assert scan_workbook(path, ReadLimits(sparse_factor=1e6)).grid == 50_000 * 26
    with pytest.raises(InputError, match="beyond the 1,000 rows"):
        scan_workbook(path, ReadLimits(sheet_rows=1000, sparse_factor=1e6))


def test_a_real_workbook_passes_and_is_measured(tmp_path):
    from openpyxl import Workbook
    wb = Workbook()
    ws = wb.active
    for r in range(1, 201):
        ws.append([f"d{r}", "New", "2026-01-01", r * 10])
    wb.save(tmp_path / "real.xlsx")
    scan = scan_workbook(tmp_path / "real.xlsx", ReadLimits())
    assert (scan.cells, scan.grid, scan.is_report) == (800, 800, False)


def test_a_crm_audit_workbook_is_recognised(tmp_path):
    from tests.reports.sample import sample_result
    from reports import xlsx
    xlsx.write(sample_result(findings=20), tmp_path / "report.xlsx")
    assert scan_workbook(tmp_path / "report.xlsx", ReadLimits()).is_report
    with zipfile.ZipFile(tmp_path / "report.xlsx") as zf:
        assert b"crm-audit-report" in zf.read("docProps/custom.xml")
