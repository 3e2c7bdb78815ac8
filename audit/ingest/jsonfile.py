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

from audit.ingest.sheets import grid_to_table
from audit.model.errors import InputError

# `{"` or `[{` at the start of a text file: JSON, not a CSV.
JSON_START = re.compile(rb"^\s*(\{\s*\"|\[\s*[\{\]])")
HINT = ("save the records as a list (amoCRM: _embedded.leads; Bitrix24: result), or export the list as "
        "CSV or XLSX from the CRM")


def looks_like_json(head: bytes) -> bool:
    return bool(JSON_START.match(head.lstrip(b"\xef\xbb\xbf")[:64]))


def read_json(path: Path, data: bytes):
    try:
        doc = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise InputError(f"not readable JSON ({exc})", path=path, hint=HINT) from None
    except RecursionError:  # objects nested thousands deep: no API response looks like that
        raise InputError("JSON nested too deep to be an API response", path=path, hint=HINT) from None
    records = _records(doc)
    if not records:
        raise InputError("a JSON file with no list of records", path=path, hint=HINT)
    frame = pd.json_normalize(records)
    frame = frame.apply(_as_text)  # value by value, as json.loads itself: API dumps are page-sized
    grid = pd.DataFrame([list(frame.columns), *frame.itertuples(index=False, name=None)], dtype=object)
    table = grid_to_table(path, grid, sheet=None, encoding="utf-8")
    if table is None:
        raise InputError("a JSON file with no list of records", path=path, hint=HINT)
    return [table]


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
