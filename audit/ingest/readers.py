"""Read export files into raw tables of text: CSV/TSV in any common encoding and
delimiter (audit.ingest.textfile), XLSX/XLS/ODS workbooks with every sheet a candidate, and
Bitrix24's ".xls" that is really an HTML table (audit.ingest.sheets). This module recognises
what a file is and sends it to its reader; mapping to canonical columns and parsing values
come later.
"""

from __future__ import annotations

import hashlib
import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from audit.ingest.csvtext import utf16_without_bom
from audit.ingest.jsonfile import looks_like_json, read_json
from audit.ingest.rawtable import ROW_COLUMN, RawTable, text_columns
from audit.ingest.sheets import read_html, read_workbook
from audit.ingest.textfile import LayoutOf, read_text
from audit.model.errors import InputError
from audit.model.limits import MIB, ReadLimits, lift_hint
from audit.model.reportmark import SKIP_NOTE, TOOL_NAME

__all__ = ["ROW_COLUMN", "RawTable", "NotAnExport", "SUPPORTED_SUFFIXES", "read_file", "sniff_kind",
           "text_columns"]

TEXT_SUFFIXES = {".csv", ".tsv", ".txt"}
SHEET_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".ods"}
SUPPORTED_SUFFIXES = TEXT_SUFFIXES | SHEET_SUFFIXES | {".htm", ".html"}

HEAD_BYTES = 1 << 20  # read to recognise a file and its encoding
# A report of ours named as input: its JSON header (`"tool": {"name": "crm-audit"`).
JSON_REPORT = re.compile(r'^\s*\{.{0,400}?"tool"\s*:\s*\{\s*"name"\s*:\s*"' + TOOL_NAME + '"', re.DOTALL)


class NotAnExport(Exception):
    """A file to pass over with a note (a crm-audit report): not an error, not an export."""

    def __init__(self, note: str):
        super().__init__(note)
        self.note = note


def read_file(path: Path, encoding: str | None = None, limits: ReadLimits = ReadLimits(), *,
              text_as_objects: bool = False, header: bool = True, layout: LayoutOf | None = None
              ) -> list[RawTable]:
    """All candidate tables in one file. Raises InputError for unreadable files (and files past
    `limits`), NotAnExport for a crm-audit report. A small CSV's columns are Python strings
    when `text_as_objects` (the caller turns them into Arrow text with `text_columns`, maybe
    after gathering many small files), else Arrow text like every CSV's. `header=False` reads a
    CSV file without a header row (Asterisk's Master.csv): every line is a record, and the
    columns are named "column 1", "column 2", ... for the caller to name, or by `layout`
    (audit.ingest.calllog.layout_of) from the first records, which also says the only columns
    to read.

    CSV files are parsed from disk by Arrow (transcoded on the fly when not UTF-8): a
    several-hundred-megabyte export is never held as bytes, then text, then a table.
    """
    try:
        with open(path, "rb") as fh:
            head = fh.read(HEAD_BYTES)
            more = bool(fh.read(1))
    except IsADirectoryError:
        raise InputError("is a folder", path=path) from None
    except PermissionError:
        raise InputError("permission denied", path=path) from None
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror}", path=path) from None
    if not head.strip() and not more:
        raise InputError("file is empty", path=path)
    kind = sniff_kind(head, path, encoding)
    if kind == "binary":
        raise InputError("not a CSV or Excel file (binary content)", path=path, hint="export as CSV or XLSX")
    if kind == "text" and JSON_REPORT.match(head[:4096].decode("utf-8", "replace")):
        raise NotAnExport(SKIP_NOTE)
    if kind == "text" and looks_like_json(head):
        kind = "json"  # an API response saved as it came
    if kind in ("xlsx", "ods"):
        from audit.ingest.workbook_bounds import scan_workbook
        if scan_workbook(path, limits, kind).is_report:
            raise NotAnExport(SKIP_NOTE)
    if kind == "json" and path.stat().st_size > limits.json_mb * MIB:
        raise InputError(f"{path.stat().st_size / MIB:,.0f} MiB of JSON is over the {limits.json_mb:g} MiB read "
                         f"whole", path=path, hint=lift_hint("json_mb") + ", or export it as CSV")
    if kind in ("xlsx", "xls", "ods", "html") and path.stat().st_size > limits.unzipped_mb * MIB:
        raise InputError(f"{path.stat().st_size / MIB:,.0f} MiB is over the {limits.unzipped_mb:g} MiB a workbook "
                         f"may hold", path=path, hint=lift_hint("unzipped_mb"))
    small = not more
    if small:  # one read and no thread: many small files are read at the pace of the disk
        tables = _read_kind(path, kind, head, encoding, limits, whole=header, header=header, layout=layout)
        digest = hashlib.sha256(head).hexdigest()
        for t in tables:
            t.sha256 = digest
    else:
        # hashlib releases the GIL on large buffers: the file is hashed on a thread of its own once
        # it is parsed (the parse keeps both cores busy), while its table is mapped (mostly on one
        # core), and the hash is waited for only when its source is recorded.
        tables = _read_kind(path, kind, head, encoding, limits, header=header, layout=layout)
        digesting = _HASHER.submit(_sha256, path)
        for t in tables:
            t.digesting = digesting
    for t in tables:
        if t.text_as_objects and not text_as_objects:
            text_columns(t)
    return tables


def _read_kind(path: Path, kind: str, head: bytes, encoding: str | None, limits: ReadLimits,
               whole: bool = False, header: bool = True, layout: LayoutOf | None = None) -> list[RawTable]:
    if kind in ("xlsx", "xls", "ods"):
        return read_workbook(path, path.read_bytes(), kind)
    if kind == "html":
        return read_html(path, path.read_bytes(), encoding)
    if kind == "json":
        return read_json(path, path.read_bytes())
    return [read_text(path, head, encoding, limits, whole=whole, header=header, layout=layout)]


_HASHER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sha256")


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    block = bytearray(8 << 20)  # one buffer read into again and again: no 8 MB allocation a block
    view = memoryview(block)
    with open(path, "rb", buffering=0) as fh:
        while size := fh.readinto(block):
            digest.update(view[:size])
    return digest.hexdigest()


def sniff_kind(data: bytes, path: Path, encoding: str | None = None) -> str:
    head = data[:4096]
    if head.startswith(b"PK\x03\x04"):
        return "ods" if b"opendocument.spreadsheet" in data[:200] else "xlsx"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return "xls"
    text = head.lstrip(b"\xef\xbb\xbf").lstrip().lower()
    if text.startswith((b"<!doctype html", b"<html", b"<table", b"<meta", b"<head", b"<?xml")) or (
            text.startswith(b"<") and b"<table" in data[:65536].lower()):
        return "html"
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "text"  # UTF-16 text (Excel's "Unicode text" export)
    if b"\x00" in head:
        # UTF-16 without a byte order mark (or a forced UTF-16/32 encoding) is text; zeros in
        # anything else are binary.
        if (encoding and encoding.replace("_", "-").lower().startswith(("utf-16", "utf16", "utf-32", "utf32"))) \
                or utf16_without_bom(head):
            return "text"
        return "binary"
    return "text"
