"""Small tables on a sheet: column widths, rows of values, runs of cells for a colour scale."""

from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np
import pandas as pd
from openpyxl.styles import Alignment
from openpyxl.utils import get_column_letter

from reports.i18n import t
from reports.xlsx.sheet import Sheet, missing
from reports.xlsx.styles import FMT_2, FMT_INT


def header_width(label: str, lo: int = 11) -> int:
    """Wide enough that no word of the header breaks (headers wrap at spaces)."""
    return max(lo, max((len(w) for w in label.split()), default=0) + 3)


def width(values: pd.Series, lo: int = 10, hi: int = 40) -> int:
    """A column width fitting the longest value, between `lo` and `hi`."""
    if values is None or not len(values):
        return lo
    longest = int(values.map(lambda v: 0 if missing(v) else len(str(v))).max())
    return max(lo, min(hi, longest + 2))


def table_rows(s: Sheet, frame: pd.DataFrame, formats: Mapping[str, str], lang: str,
               wrap: Sequence[str] = ()) -> None:
    """Rows of a small table: booleans as yes/no, numbers formatted, text safe."""
    yes, no = t("yes", lang), t("no", lang)
    wrap_align = Alignment(vertical="top", wrap_text=True)
    top = Alignment(vertical="top")  # a row as tall as its wrapped cell reads from the top
    columns = list(frame.columns)
    for values in frame.itertuples(index=False, name=None):  # small tables only (owners, stages)
        row = []
        for name, value in zip(columns, values):
            if isinstance(value, (bool, np.bool_)):
                value = yes if value else no
            fmt = formats.get(name)
            if fmt is None and isinstance(value, (float, np.floating)) and not missing(value):
                fmt = FMT_2 if abs(value) < 100 and not float(value).is_integer() else FMT_INT
            row.append(s.cell(value, fmt=fmt, align=wrap_align if name in wrap else top if wrap else None))
        s.append(row)


def row_ranges(flags: Sequence[bool], first_col: int, row: int) -> str:
    """'B7:D7 F7' for the runs of True in `flags` (columns from `first_col`)."""
    parts, start = [], None
    for i, flag in enumerate([*flags, False]):
        if flag and start is None:
            start = i
        elif not flag and start is not None:
            a, b = get_column_letter(first_col + start), get_column_letter(first_col + i - 1)
            parts.append(f"{a}{row}" if a == b else f"{a}{row}:{b}{row}")
            start = None
    return " ".join(parts)


def column_ref(letter: Mapping[str, str], name: str, first: int, last: int) -> str:
    """'D3:D40': the cells of column `name` from row `first` to `last`."""
    return f"{letter[name]}{first}:{letter[name]}{last}"
