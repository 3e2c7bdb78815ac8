"""Hostile inputs, built in a few milliseconds to a couple of seconds each, never committed.

Workbooks are written member by member; a huge member is one deflate stream made of the same
compressed block repeated (after a full flush zlib's output for the same input is the same
bytes), so a gigabyte inflates from a megabyte without ever being built.
"""

from __future__ import annotations

import os
import struct
import zlib
from pathlib import Path

MIB = 1 << 20

CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>')
ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
    'relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>')
WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/'
    'main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>'
    '<sheet name="Deals" sheetId="1" r:id="rId1"/></sheets></workbook>')
WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
    'relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>')
SHEET_HEAD = ('<?xml version="1.0" encoding="UTF-8"?><worksheet '
              'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">{dimension}<sheetData>')
SHEET_TAIL = "</sheetData></worksheet>"


def text_cell(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


# A small, valid deals table in the first rows, so that only the hostile part is wrong.
DEALS_ROWS = ('<row r="1">' + text_cell("A1", "deal_id") + text_cell("B1", "stage") + text_cell("C1", "created_at")
              + '</row><row r="2">' + text_cell("A2", "1") + text_cell("B2", "New") + text_cell("C2", "2026-01-01")
              + "</row>")


class Member:
    """One zip member: its name, deflated bytes, CRC and sizes."""

    def __init__(self, name: str, parts: list[bytes] | None = None, *, repeat: bytes = b"", times: int = 0,
                 tail: bytes = b""):
        """`parts` then `repeat` x `times` then `tail`, as one deflate stream."""
        co = zlib.compressobj(6, zlib.DEFLATED, -15)
        out, crc, size = [], 0, 0
        for part in parts or []:
            out.append(co.compress(part) + co.flush(zlib.Z_FULL_FLUSH))
            crc, size = zlib.crc32(part, crc), size + len(part)
        if times:
            block = co.compress(repeat) + co.flush(zlib.Z_FULL_FLUSH)
            out.append(block * times)
            for _ in range(times):
                crc = zlib.crc32(repeat, crc)
            size += len(repeat) * times
        out.append(co.compress(tail) + co.flush(zlib.Z_FINISH))
        crc, size = zlib.crc32(tail, crc), size + len(tail)
        self.name, self.data, self.crc, self.size = name.encode(), b"".join(out), crc, size
        self.declared_size = size


def write_zip(path: Path, members: list[Member]) -> Path:
    """A zip with deflated members (sizes under 4 GiB), written by hand."""
    blob, directory = bytearray(), bytearray()
    for m in members:
        offset = len(blob)
        header = struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0, m.crc, len(m.data),
                             m.declared_size, len(m.name), 0)
        blob += header + m.name + m.data
        directory += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, 8, 0, 0, m.crc, len(m.data),
                                 m.declared_size, len(m.name), 0, 0, 0, 0, 0, offset) + m.name
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(members), len(members), len(directory), len(blob), 0)
    path.write_bytes(bytes(blob + directory + end))
    return path


def workbook(path: Path, sheet: Member) -> Path:
    return write_zip(path, [Member("[Content_Types].xml", [CONTENT_TYPES.encode()]),
                            Member("_rels/.rels", [ROOT_RELS.encode()]),
                            Member("xl/workbook.xml", [WORKBOOK.encode()]),
                            Member("xl/_rels/workbook.xml.rels", [WORKBOOK_RELS.encode()]), sheet])


def sheet_member(rows: str = DEALS_ROWS, dimension: str = "", *, repeat: str = "", times: int = 0,
                 after: str = "") -> Member:
    head = SHEET_HEAD.format(dimension=f'<dimension ref="{dimension}"/>' if dimension else "") + rows
    return Member("xl/worksheets/sheet1.xml", [head.encode()], repeat=repeat.encode(), times=times,
                  tail=(after + SHEET_TAIL).encode())


# -- the bombs ----------------------------------------------------------------------------------

def far_cell(path: Path, ref: str = "XFD1048576") -> Path:
    """One cell at the far corner: the reader would fill 17 billion cells (it asked for 512 GiB)."""
    row = "".join(ch for ch in ref if ch.isdigit())
    return workbook(path, sheet_member(DEALS_ROWS + f'<row r="{row}"><c r="{ref}"><v>1</v></c></row>'))


def declared_beyond_excel(path: Path) -> Path:
    return workbook(path, sheet_member(dimension="A1:XFE1048577"))


def sparse(path: Path) -> Path:
    """Two far-apart cells under the size limit: a 50,000 x 26 grid of nothing."""
    return workbook(path, sheet_member(DEALS_ROWS + '<row r="50000"><c r="Z50000"><v>1</v></c></row>'))


def one_huge_cell(path: Path, mib: int = 1200) -> Path:
    """A 1.2 GB text cell in a 1.2 MB file (inflates about 1000 times)."""
    head = DEALS_ROWS + '<row r="3"><c r="A3" t="inlineStr"><is><t>'
    return workbook(path, sheet_member(head, repeat="A" * MIB, times=mib, after="</t></is></c></row>"))


def identical_rows(path: Path, rows: int = 10_000_000) -> Path:
    """Ten million rows without references (each the same bytes): 4.8 MB, nothing but rows."""
    return workbook(path, sheet_member(repeat='<row><c t="n"><v>1</v></c></row>' * 64, times=rows // 64))


def tall_sheet(path: Path, rows: int = 1_100_000) -> Path:
    """One referenced cell a row past Excel's last row: streamed, refused at row 1,048,577."""
    body = "".join(f'<row r="{r}"><c r="A{r}"><v>{r}</v></c></row>' for r in range(3, rows + 1))
    return workbook(path, sheet_member(DEALS_ROWS + body))


def lying_directory(path: Path) -> Path:
    """A member whose directory says 1 KB while it inflates to 64 MB."""
    sheet = sheet_member(DEALS_ROWS, repeat="<row><c><v>1</v></c></row>" * 32, times=80_000)
    sheet.declared_size = 1024
    return workbook(path, sheet)


def long_field_csv(path: Path, mib: int = 2) -> Path:
    text = "deal_id,title,stage,created_at\n1,ok,New,2026-01-01\n2," + "x" * (mib * MIB) + ",New,2026-01-02\n"
    path.write_text(text, encoding="utf-8")
    return path


def wide_header_csv(path: Path, columns: int = 1_000_000) -> Path:
    path.write_text(",".join(f"c{i}" for i in range(columns)) + "\n" + "1," * (columns - 1) + "1\n",
                    encoding="utf-8")
    return path


def unterminated_quote_csv(path: Path, rows: int = 100) -> Path:
    lines = ["deal_id,title,stage,status,owner,created_at"]
    quote = '"'
    lines += [f"{i},{quote if i == 1 else ''}Deal {i},Won,won,Anna,2026-01-{1 + i % 28:02d}" for i in range(1, rows + 1)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def header_only_csv(path: Path) -> Path:
    path.write_text("deal_id,title,stage,status,owner,created_at\n", encoding="utf-8")
    return path


def small_files(folder: Path, count: int = 5000) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    header = "deal_id,title,stage,status,owner,amount,created_at,closed_at\n"
    for i in range(count):
        rows = [f"{i * 3},Deal a,New,open,Owner{i % 7},100,2026-01-01 10:00,",
                f"{i * 3 + 1},Deal b,Won,won,Owner{i % 7},100,2026-01-02 10:00,2026-02-01 10:00",
                f"{i * 3 + 2},Deal c,Lost,lost,Owner{i % 7},100,2026-01-03 10:00,2026-02-01 10:00"]
        (folder / f"deals_{i:05d}.csv").write_text(header + "\n".join(rows) + "\n", encoding="utf-8")
    return folder


def cp1251_named_csv(folder: Path) -> Path:
    """A deals export named "Сделки.csv" in cp1251 bytes, as `unzip` leaves a zip made on Windows:
    the name reaches Python with surrogates, which pyarrow, the reports and the terminal refused
    (an internal error)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / os.fsdecode("Сделки.csv".encode("cp1251"))
    path.write_text("deal_id,title,stage,status,owner,created_at\n1,Deal,Won,won,Anna,2026-01-02\n", encoding="utf-8")
    return path
