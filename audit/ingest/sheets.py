"""Workbooks (XLSX, XLS, ODS; every sheet a candidate table) and HTML tables (Bitrix24's
".xls" that is really HTML) as raw tables: the header row found under any title rows, footers
and a formatted report's group rows dropped."""

from __future__ import annotations

import io
import re
from pathlib import Path

import numpy as np
import pandas as pd

from audit.ingest.encodings import decode_text, detect_encoding
from audit.ingest.grouped import ungroup
from audit.ingest.rawtable import ROW_COLUMN, RawTable, drop_footer, header_index, unique_headers
from audit.model.errors import InputError


def read_workbook(path: Path, data: bytes, kind: str) -> list[RawTable]:
    try:
        sheets = pd.read_excel(io.BytesIO(data), sheet_name=None, header=None, engine="calamine",
                               dtype=object)
    except Exception as exc:  # calamine raises its own error types for corrupt files
        if kind == "xls" and b"<table" in data[:65536].lower():
            return read_html(path, data, None)
        raise InputError(f"corrupt or unsupported workbook: {type(exc).__name__}: "
                         f"{str(exc).splitlines()[0] if str(exc) else ''}".rstrip(": "),
                         path=path, hint="re-save it as .xlsx or export CSV") from None
    tables = []
    for sheet, grid in sheets.items():
        table = grid_to_table(path, grid, sheet=str(sheet))
        if table is not None:
            tables.append(table)
    if not tables:
        raise InputError("workbook has no sheet with a table", path=path)
    return tables


def grid_to_table(path: Path, grid: pd.DataFrame, *, sheet: str | None,
                   encoding: str | None = None) -> RawTable | None:
    """A sheet as a table: find the header row under any title rows, drop footers."""
    grid = grid.dropna(how="all").dropna(axis=1, how="all")
    if grid.shape[0] < 1 or grid.shape[1] < 1:
        return None
    top = grid.head(30)
    rows = [["" if pd.isna(v) else str(v) for v in r] for r in top.itertuples(index=False)]
    h = header_index(rows)
    header_pos = top.index[h]
    headers_raw = ["" if pd.isna(v) else str(v).strip() for v in grid.loc[header_pos].tolist()]
    body = grid.loc[grid.index > header_pos]
    # Columns with neither a header nor data (Salesforce reports indent with empty columns).
    keep = [i for i, hname in enumerate(headers_raw) if hname or body.iloc[:, i].notna().any()]
    body = body.iloc[:, keep]
    headers = [headers_raw[i] for i in keep]
    names = unique_headers(headers)
    body.columns = names
    body = body.reset_index()
    row_numbers = body.pop("index").to_numpy() + 1  # 0-based sheet row -> 1-based
    body.insert(0, ROW_COLUMN, row_numbers)
    body, dropped = drop_footer(body)
    body, totals = ungroup(body, ROW_COLUMN)
    dropped = sorted(totals + dropped)
    return RawTable(path=path, frame=body.reset_index(drop=True), headers=headers, sheet=sheet,
                    encoding=encoding, header_row=int(header_pos) + 1, dropped=dropped)


def read_html(path: Path, data: bytes, encoding: str | None) -> list[RawTable]:
    from lxml import html as lxml_html

    enc = encoding or _html_charset(data) or detect_encoding(data, path)
    text = decode_text(data, enc, path, forced=encoding is not None)
    try:
        doc = lxml_html.fromstring(text)
    except Exception as exc:  # lxml raises ParserError on empty/garbage documents
        raise InputError(f"not a readable HTML table: {exc}", path=path) from None
    tables = []
    for n, tbl in enumerate(doc.iter("table")):
        rows = []
        for tr in tbl.iter("tr"):
            cells = [" ".join(td.text_content().split()) for td in tr if td.tag in ("td", "th")]
            rows.append(cells)
        if not rows:
            continue
        width = max(len(r) for r in rows)
        grid = pd.DataFrame([r + [""] * (width - len(r)) for r in rows], dtype=object)
        grid = grid.replace("", np.nan)
        t = grid_to_table(path, grid, sheet=None if n == 0 else f"table {n + 1}", encoding=enc)
        if t is not None:
            tables.append(t)
    if not tables:
        raise InputError("HTML file has no table", path=path)
    return tables


def _html_charset(data: bytes) -> str | None:
    m = re.search(rb"charset\s*=\s*[\"']?([A-Za-z0-9_\-]+)", data[:4096], re.IGNORECASE)
    if not m:
        return None
    name = m.group(1).decode("ascii").lower()
    return {"windows-1251": "cp1251", "windows-1252": "cp1252", "utf-8": "utf-8"}.get(name, name)
