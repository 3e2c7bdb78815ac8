"""API responses saved as JSON, read as tables: what a consultant gets from an integrator who
"exported through the API". One record per row, nested objects flattened to dotted names
(`_links.self.href`), lists kept as JSON text.

Where the records are: a top-level list; amoCRM / Kommo API v4 `{"_embedded": {"leads": [...]}}`;
Bitrix24 REST `{"result": [...], "total": n}`; else the first top-level list of objects. Anything
else is a one-line error that says what to export.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd

from audit.ingest.rawtable import ROW_COLUMN, RawTable, unique_headers
from audit.ingest.sheets import grid_to_table
from audit.model.errors import InputError

# `{"` or `[{` at the start of a text file: JSON, not a CSV.
JSON_START = re.compile(rb"^\s*(\{\s*\"|\[\s*[\{\]])")
HINT = ("save the records as a list (amoCRM: _embedded.leads; Bitrix24: result), or export the list as "
        "CSV or XLSX from the CRM")


# `\ud83d\ude00` is an emoji escaped as JSON allows; half of such a pair alone (`"\ud800"`, from a
# cut string or a broken integrator script) decodes to a lone surrogate that no UTF-8 output can
# hold: the reports crashed writing it. Only a file with such escapes pays for the walk.
SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")
LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def _without_lone_surrogates(value):
    """`value` with every lone surrogate in its texts (keys too) replaced by U+FFFD, as an
    undecodable byte of a CSV is read."""
    if isinstance(value, str):
        return LONE_SURROGATE.sub("\ufffd", value)
    if isinstance(value, list):
        return [_without_lone_surrogates(v) for v in value]
    if isinstance(value, dict):
        return {_without_lone_surrogates(k): _without_lone_surrogates(v) for k, v in value.items()}
    return value


def looks_like_json(head: bytes) -> bool:
    return bool(JSON_START.match(head.lstrip(b"\xef\xbb\xbf")[:64]))


def read_json(path: Path, data: bytes):
    try:
        doc = json.loads(data.decode("utf-8-sig"))
        if SURROGATE_ESCAPE.search(data):
            doc = _without_lone_surrogates(doc)
    except (UnicodeDecodeError, ValueError) as exc:
        raise InputError(f"not readable JSON ({exc})", path=path, hint=HINT) from None
    except RecursionError:  # objects nested thousands deep: no API response looks like that
        raise InputError("JSON nested too deep to be an API response", path=path, hint=HINT) from None
    records = _records(doc)
    if not records:
        raise InputError("a JSON file with no list of records", path=path, hint=HINT)
    columns = _arrow_columns(records)
    if columns is not None:
        return [_raw_table(path, columns)]
    # Records whose fields change type from one to the next: pandas, value by value (slower).
    frame = pd.json_normalize(records)
    frame = frame.apply(_as_text)
    grid = pd.DataFrame([list(frame.columns), *frame.itertuples(index=False, name=None)], dtype=object)
    table = grid_to_table(path, grid, sheet=None, encoding="utf-8")
    if table is None:
        raise InputError("a JSON file with no list of records", path=path, hint=HINT)
    return [table]


def _arrow_columns(records: list[dict]) -> dict[str, pd.Series] | None:
    """The records as text columns by Arrow (nested objects flattened to dotted names, lists as
    JSON text): about ten times faster than pandas' json_normalize and a map per value. None when
    a field's type changes between records (Arrow cannot type it)."""
    import pyarrow as pa
    import pyarrow.compute as pc
    try:
        array = pa.array(records)
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError, OverflowError):
        return None
    if not pa.types.is_struct(array.type):
        return None
    table = pa.Table.from_struct_array(array)
    while any(pa.types.is_struct(f.type) for f in table.schema):
        table = table.flatten()
    out: dict[str, pd.Series] = {}
    for name, column in zip(table.column_names, table.columns):
        kind = column.type
        if pa.types.is_null(kind) or column.null_count == len(column):
            continue  # a field no record fills, as an empty column of a sheet
        if pa.types.is_boolean(kind):
            text = pc.if_else(column, "true", "false")
        elif pa.types.is_floating(kind) and pc.all(pc.equal(pc.floor(column), column)).as_py():
            text = pc.cast(pc.cast(column, pa.int64()), pa.string())  # 142.0 in a column with nulls is 142
        elif pa.types.is_list(kind) or pa.types.is_large_list(kind) or pa.types.is_map(kind):
            text = pa.array([json.dumps(v, ensure_ascii=False) if v else None for v in column.to_pylist()],
                            pa.string())
        else:
            text = pc.cast(column, pa.string())
        out[name] = pd.Series(pd.array(text, dtype="str"))
    return out


def _raw_table(path: Path, columns: dict[str, pd.Series]) -> RawTable:
    headers = list(columns)
    n = len(next(iter(columns.values()))) if columns else 0
    frame = pd.DataFrame({ROW_COLUMN: np.arange(2, n + 2), **dict(zip(unique_headers(headers), columns.values()))})
    return RawTable(path=path, frame=frame, headers=headers, encoding="utf-8", header_row=1)


def _records(doc) -> list[dict] | None:
    def objects(value) -> bool:
        return isinstance(value, list) and bool(value) and all(isinstance(v, dict) for v in value[:100])

    if objects(doc):
        return doc
    if not isinstance(doc, dict):
        return None
    for holder in (doc.get("_embedded"), doc):
        if isinstance(holder, dict):
            for key in ("result", *holder):
                if objects(holder.get(key)):
                    return holder[key]
    return None


def _as_text(column: pd.Series) -> pd.Series:
    """Values as the text a CSV would hold: whole floats without ".0" (an id or a unix time in a
    column with nulls), lists and objects as JSON, nulls missing."""
    def one(v):
        if v is None or (isinstance(v, float) and np.isnan(v)):
            return np.nan
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, float) and v.is_integer():
            return str(int(v))
        if isinstance(v, (list, dict)):
            return json.dumps(v, ensure_ascii=False) if v else np.nan
        return str(v)
    return column.map(one).astype(object)
