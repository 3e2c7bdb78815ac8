"""What a workbook will cost, judged from its zip before the sheet reader allocates anything.

calamine (the xlsx reader) builds each sheet as a dense grid from its first to its last cell,
about 60 bytes a cell once pandas holds it: a 2.4 KB file with one cell at XFD1048576 asked for
512 GiB and aborted the process; one cell at XFD5000 cost 4.7 GB. A zip inflates without
bound: 1.2 MB became a 1.26 GB cell. So, before calamine sees the file:

1. the zip directory: each member's and the total uncompressed size, and each large member's
   compression ratio (real sheets inflate 5-30x, bombs 1000x);
2. each worksheet, streamed through the zip reader in 4 MiB chunks (which also checks the
   member's CRC and true size, so a directory that lies is caught): the `<dimension>` it
   declares, and the first and last row and column of the cells it holds, as calamine will
   place them. Rows and columns beyond Excel's grid (or `[limits]`) are refused, and so is a
   grid too large for memory or mostly empty.

Every writer seen (Excel, LibreOffice, openpyxl, xlsxwriter, Google Sheets, the CRMs' own
exporters) writes each cell as `<c r="B7" ...>`; such chunks take one regex (about 0.4 s per
million cells). A chunk where some cell has no reference, or a prefixed element name, is
walked tag by tag the way calamine walks it (row counter, column counter); a chunk with no
reference at all is counted row by row. Like calamine, a cell without a value (`<c r="Z9"
s="3"/>`, formatting left on an empty cell, the classic inflated "used range") takes no place.

The same pass reads the custom document properties: a crm-audit report is recognised and not
read as an export (audit.model.reportmark).
"""

from __future__ import annotations

import re
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from audit.model.errors import InputError
from audit.model.limits import MIB, ReadLimits, lift_hint
from audit.model.reportmark import WORKBOOK_PROPERTY

CHUNK = 4 * MIB
RATIO_FLOOR = MIB  # members smaller than this may compress as well as they like
SPARSE_FLOOR = 1_000_000  # grids below this many cells are never "sparse" (cheap either way)

_FAST_CELL = re.compile(rb'<c r="([A-Z]{1,4})(\d{1,10})"')
_FAST_CELL_END = re.compile(rb'<c r="([A-Z]{1,4})(\d{1,10})"[^>]*?(/?)>')
_SELF_CLOSED_CELL = re.compile(rb'<c [^>]*/>')
_TAG = re.compile(rb'<(?:[A-Za-z_][\w.-]*:)?(row|c)(?=[\s/>])([^>]*)>')
_REF_ATTR = re.compile(rb'\sr="([A-Z]{0,4})(\d{0,10})"')
_DIMENSION = re.compile(rb'<(?:[A-Za-z_][\w.-]*:)?dimension\s+ref="([A-Z]{1,4})(\d{1,10})(?::([A-Z]{1,4})(\d{1,10}))?"')
_PREFIXED_ROOT = re.compile(rb'<[A-Za-z_][\w.-]*:worksheet[\s>]')
_SHEET_REL = re.compile(rb'<Relationship\b[^>]*>')


@dataclass
class Extent:
    """Where a sheet's cells lie (1-based), as calamine will place them."""

    cells: int = 0
    first_row: int = 0
    last_row: int = 0
    first_col: int = 0
    last_col: int = 0

    def add(self, row: int, col: int) -> None:
        self.cells += 1
        self.include(row, col, row, col)

    def include(self, r0: int, c0: int, r1: int, c1: int) -> None:
        self.first_row = r0 if not self.first_row else min(self.first_row, r0)
        self.first_col = c0 if not self.first_col else min(self.first_col, c0)
        self.last_row, self.last_col = max(self.last_row, r1), max(self.last_col, c1)

    @property
    def grid(self) -> int:
        if not self.cells:
            return 0
        return (self.last_row - self.first_row + 1) * (self.last_col - self.first_col + 1)


@dataclass(frozen=True)
class WorkbookScan:
    is_report: bool               # a crm-audit report: skip it
    cells: int                    # cells present, all sheets
    grid: int                     # cells the reader will allocate, all sheets


def column_number(letters: bytes | str) -> int:
    """'A' -> 1, 'XFD' -> 16384."""
    n = 0
    for ch in letters if isinstance(letters, str) else letters.decode("ascii"):
        n = n * 26 + ord(ch) - 64
    return n


def scan_workbook(path: Path, limits: ReadLimits, kind: str = "xlsx") -> WorkbookScan:
    """Raise InputError (naming the file, the member and the limit) for a workbook that would cost
    more than `limits`; otherwise say whether it is a crm-audit report and how big it is."""
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
            _check_directory(path, infos, limits)
            is_report = _is_report(zf)
            if is_report or kind != "xlsx":
                return WorkbookScan(is_report=is_report, cells=0, grid=0)
            if "xl/sharedStrings.xml" in zf.NameToInfo:
                _scan_text(path, zf, "xl/sharedStrings.xml", limits)
            cells = grid = 0
            for name in _worksheets(zf):
                extent = _sheet_extent(path, zf, name, limits)
                cells, grid = cells + extent.cells, grid + extent.grid
                _check_size(path, name, extent, grid, limits)
            return WorkbookScan(is_report=False, cells=cells, grid=grid)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, NotImplementedError, RuntimeError, zlib.error) as exc:
        raise InputError(f"corrupt or unsupported workbook: {exc}", path=path,
                         hint="re-save it as .xlsx or export CSV") from None


def _check_directory(path: Path, infos: list[zipfile.ZipInfo], limits: ReadLimits) -> None:
    total = 0
    for info in infos:
        size = info.file_size
        total += size
        if size > limits.unzipped_member_mb * MIB:
            raise InputError(f"workbook part {info.filename} inflates to {size / MIB:,.0f} MiB, over the "
                             f"{limits.unzipped_member_mb:g} MiB limit", path=path,
                             hint=lift_hint("unzipped_member_mb"))
        ratio = size / max(info.compress_size, 1)
        if size > RATIO_FLOOR and ratio > limits.compression_ratio:
            raise InputError(f"workbook part {info.filename} inflates {ratio:,.0f} times ({info.compress_size:,} "
                             f"to {size:,} bytes): a zip bomb, not an export (limit {limits.compression_ratio:g}x)",
                             path=path, hint=lift_hint("compression_ratio"))
    if total > limits.unzipped_mb * MIB:
        raise InputError(f"workbook inflates to {total / MIB:,.0f} MiB in all, over the {limits.unzipped_mb:g} MiB "
                         f"limit", path=path, hint=lift_hint("unzipped_mb"))


def _is_report(zf: zipfile.ZipFile) -> bool:
    try:
        info = zf.getinfo("docProps/custom.xml")
    except KeyError:
        return False
    if info.file_size > MIB:
        return False
    return f'name="{WORKBOOK_PROPERTY}"'.encode() in zf.read(info)


def _worksheets(zf: zipfile.ZipFile) -> list[str]:
    """The worksheet parts the workbook points to (its relationships), else every
    xl/worksheets/*.xml: what calamine will read."""
    names = set(zf.namelist())
    found: list[str] = []
    rels = "xl/_rels/workbook.xml.rels"
    if rels in names and zf.getinfo(rels).file_size <= 16 * MIB:
        for tag in _SHEET_REL.findall(zf.read(rels)):
            kind = re.search(rb'Type="([^"]*)"', tag)
            target = re.search(rb'Target="([^"]*)"', tag)
            if kind and target and kind.group(1).endswith(b"/worksheet"):
                text = target.group(1).decode("utf-8", "replace")
                member = text.lstrip("/") if text.startswith("/") else str(PurePosixPath("xl") / text)
                member = _normalize(member)
                if member in names and member not in found:
                    found.append(member)
    found += sorted(n for n in names if n.startswith("xl/worksheets/") and n.endswith(".xml") and n not in found)
    return found


def _normalize(member: str) -> str:
    parts: list[str] = []
    for part in member.split("/"):
        if part == "..":
            if parts:
                parts.pop()
        elif part not in ("", "."):
            parts.append(part)
    return "/".join(parts)


def _sheet_extent(path: Path, zf: zipfile.ZipFile, name: str, limits: ReadLimits) -> Extent:
    extent = Extent()
    walker = _Walker(extent)
    text_run = _TextRun()
    tail = b""
    first = True
    with zf.open(name) as stream:
        while True:
            chunk = stream.read(CHUNK)
            if not chunk:
                break
            _refuse_long_text(path, name, text_run.feed(chunk), limits)
            buf = tail + chunk
            cut = buf.rfind(b"<")
            buf, tail = (buf[:cut], buf[cut:]) if cut > 0 else (buf, b"")
            if first:
                first = False
                _check_dimension(path, name, buf, limits)
                walker.exact = walker.prefixed = bool(_PREFIXED_ROOT.search(buf[:4096]))
            walker.feed(buf)
            _check_size(path, name, extent, extent.grid, limits)
        walker.feed(tail)
    _check_size(path, name, extent, extent.grid, limits)
    _check_sparse(path, name, extent, limits)
    return extent


class _Walker:
    """Cells of one sheet, chunk by chunk: one regex when every cell starts `<c r="..."`,
    else tag by tag, keeping calamine's row and column counters across chunks."""

    def __init__(self, extent: Extent):
        self.extent = extent
        self.exact = False
        self.prefixed = False  # element names with a namespace prefix (`<x:row>`): always walked
        self.row = 0   # current row (1-based), as calamine counts it
        self.col = 0   # last column placed in the current row

    def feed(self, buf: bytes) -> None:
        if not buf:
            return
        if not self.exact:
            plain = buf.count(b"<c ") + buf.count(b"<c>") + buf.count(b"<c/>")
            if b"/>" in buf and _SELF_CLOSED_CELL.search(buf):
                # Cells with no value (`<c r="Z9" s="3"/>`, a formatted empty cell) hold no place
                # in calamine's grid: keep only the others (a slower pattern, for such chunks only).
                tagged = _FAST_CELL_END.findall(buf)
                found = [(col, row) for col, row, closed in tagged if not closed]
                matched = len(tagged)
            else:
                found = _FAST_CELL.findall(buf)
                matched = len(found)
            if matched == plain:
                self._fast(buf, found)
                return
            self.exact = True  # a cell without a leading reference: walk from here on
        if not self.prefixed and b' r="' not in buf:
            self._refless(buf)
        else:
            self._walk(buf)

    def _refless(self, buf: bytes) -> None:
        """A chunk with no reference at all: rows and cells are counted, not walked (each `<row`
        starts the next row, each cell takes the next column)."""
        segments = buf.split(b"<row")
        counts = [seg.count(b"<c ") + seg.count(b"<c>") + seg.count(b"<c/>") for seg in segments]
        if counts[0]:  # cells continuing the current row
            self.extent.cells += counts[0]
            self.extent.include(max(self.row, 1), self.col + 1, max(self.row, 1), self.col + counts[0])
            self.col += counts[0]
        rows = len(segments) - 1
        if not rows:
            return
        widest = max(counts[1:])
        first_row, self.row = self.row + 1, self.row + rows
        cells = sum(counts[1:])
        if cells:
            self.extent.cells += cells
            self.extent.include(first_row, 1, self.row, widest)
        self.col = counts[-1]

    def _fast(self, buf: bytes, found: list[tuple[bytes, bytes]]) -> None:
        if not found:
            return
        cols = sorted({c for c, _r in found}, key=lambda c: (len(c), c))
        rows = [int(r) for r in {r for _c, r in found}]
        self.extent.cells += len(found)
        self.extent.include(min(rows), column_number(cols[0]), max(rows), column_number(cols[-1]))
        # The counters a later walked chunk continues from: the last cell placed.
        self.row, self.col = int(found[-1][1]), column_number(found[-1][0])

    def _walk(self, buf: bytes) -> None:
        for m in _TAG.finditer(buf):
            self._tag(m)

    def _tag(self, m: re.Match) -> None:
        name, attrs = m.group(1), m.group(2)
        ref = _REF_ATTR.search(attrs)
        if name == b"row":
            self.row = int(ref.group(2)) if ref and ref.group(2) else self.row + 1
            self.col = 0
            return
        if ref and ref.group(1):
            self.col = column_number(ref.group(1))
            row = int(ref.group(2)) if ref.group(2) else self.row
        else:
            self.col += 1
            row = self.row
        if not attrs.endswith(b"/"):  # a cell with no value takes no place in the grid
            self.extent.add(max(row, 1), self.col)


class _TextRun:
    """The length of text between tags across chunks: a text that runs over chunk boundaries is
    measured whole (one inside a chunk is at most a chunk long, and passes)."""

    def __init__(self) -> None:
        self.run = 0

    def feed(self, chunk: bytes) -> int:
        """The longest run this chunk ends or extends."""
        first = chunk.find(b"<")
        if first < 0:
            self.run += len(chunk)
            return self.run
        ended = self.run + first
        self.run = len(chunk) - chunk.rfind(b"<") - 1
        return max(ended, self.run)


def _scan_text(path: Path, zf: zipfile.ZipFile, name: str, limits: ReadLimits) -> None:
    """Stream a part holding text (the shared strings) for a text far longer than a cell holds."""
    text_run = _TextRun()
    with zf.open(name) as stream:
        while True:
            chunk = stream.read(CHUNK)
            if not chunk:
                return
            _refuse_long_text(path, name, text_run.feed(chunk), limits)


def _refuse_long_text(path: Path, name: str, run: int, limits: ReadLimits) -> None:
    """Text with no tag for longer than a field may be (Excel's own cell limit is 32,767
    characters; the default limit is 1 MiB)."""
    if run > limits.field_bytes:
        raise InputError(f"workbook part {name} holds a text of more than {run / MIB:,.0f} MiB in one cell, over the "
                         f"{limits.field_mb:g} MiB a field may hold", path=path, hint=lift_hint("field_mb"))


def _check_dimension(path: Path, name: str, head: bytes, limits: ReadLimits) -> None:
    m = _DIMENSION.search(head[:8192])
    if not m:
        return
    last_col = column_number(m.group(3) or m.group(1))
    last_row = int(m.group(4) or m.group(2))
    if last_row > limits.sheet_rows or last_col > limits.sheet_columns:
        raise InputError(f"sheet {_sheet_name(name)} declares {last_row:,} rows x {last_col:,} columns, beyond the "
                         f"{limits.sheet_rows:,} x {limits.sheet_columns:,} a sheet may have", path=path,
                         hint=lift_hint("sheet_rows" if last_row > limits.sheet_rows else "sheet_columns"))


def _check_size(path: Path, name: str, extent: Extent, grid_so_far: int, limits: ReadLimits) -> None:
    """Limits that only grow as a sheet is read: judged after every chunk, so a bomb stops early."""
    sheet = _sheet_name(name)
    if extent.last_row > limits.sheet_rows:
        raise InputError(f"sheet {sheet} has a cell in row {extent.last_row:,}, beyond the {limits.sheet_rows:,} rows "
                         f"a sheet may have", path=path, hint=lift_hint("sheet_rows"))
    if extent.last_col > limits.sheet_columns:
        raise InputError(f"sheet {sheet} has a cell in column {extent.last_col:,}, beyond the "
                         f"{limits.sheet_columns:,} columns a sheet may have", path=path, hint=lift_hint("sheet_columns"))
    if grid_so_far > limits.workbook_cells:
        raise InputError(f"sheet {sheet} spans {extent.grid:,} cells ({extent.last_row - extent.first_row + 1:,} rows x "
                         f"{extent.last_col - extent.first_col + 1:,} columns), over the {limits.workbook_cells:,} "
                         f"cells a workbook may spread over", path=path, hint=lift_hint("workbook_cells"))


def _check_sparse(path: Path, name: str, extent: Extent, limits: ReadLimits) -> None:
    """Judged on the whole sheet: a grid mostly empty (a stray far cell) is refused even under
    the size limit, since the reader fills every empty cell of it."""
    sheet = _sheet_name(name)
    if extent.grid > SPARSE_FLOOR and extent.grid > limits.sparse_factor * extent.cells:
        raise InputError(f"sheet {sheet} spreads {extent.cells:,} cells over {extent.grid:,} "
                         f"({extent.last_row - extent.first_row + 1:,} rows x "
                         f"{extent.last_col - extent.first_col + 1:,} columns): a mostly empty grid the "
                         f"reader would have to fill", path=path,
                         hint="delete the stray far cells, or " + lift_hint("sparse_factor"))


def _sheet_name(member: str) -> str:
    return PurePosixPath(member).stem
