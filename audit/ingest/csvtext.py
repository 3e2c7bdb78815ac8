"""CSV text as it can go wrong: encodings without a mark or that failed, fields and header rows
far beyond an export's, and small files read without Arrow's fixed costs.

Called by audit.ingest.textfile and audit.ingest.encodings: `encoding_hint` (never the encoding that
just failed), `utf16_without_bom`, `parse_small_csv` (the csv module for a file already in
memory: 5,000 three-row files went from 246 s to about 10), and the refusals that name the
file, line and column: `refuse_long_fields`, `refuse_endless_first_line`.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np
import pandas as pd

from audit.ingest.rawtable import ROW_COLUMN
from audit.model.errors import InputError
from audit.model.limits import MIB, ReadLimits, lift_hint


def encoding_hint(failed: str | None = None) -> str:
    """An --encoding suggestion that is never the encoding that just failed."""
    tried = (failed or "").replace("_", "-").lower()
    for candidate in ("cp1251", "utf-8", "cp1252", "utf-16"):
        if not tried.startswith(candidate) and not (candidate == "utf-8" and tried in ("utf8", "utf-8-sig")):
            return f"use --encoding, e.g. --encoding {candidate}"
    return "use --encoding"  # pragma: no cover - every candidate cannot have failed at once


def utf16_without_bom(head: bytes) -> str | None:
    """'utf-16-le' or 'utf-16-be' when the bytes read as UTF-16 text with no byte order mark.

    A CSV has delimiters, digits and line breaks, all ASCII: in UTF-16 every other byte of them
    is zero. Random binary decoded as UTF-16 is mostly CJK and unassigned code points; so the
    text must be at least a third ASCII and almost all printable."""
    sample = head[:4096]
    sample = sample[:len(sample) // 2 * 2]
    if len(sample) < 8:
        return None
    for name in ("utf-16-le", "utf-16-be"):
        try:
            text = sample.decode(name)
        except UnicodeDecodeError:
            text = sample[:-2].decode(name, errors="ignore") if len(sample) > 2 else ""
        if not text:
            continue
        ascii_share = sum(ch < "\x80" for ch in text) / len(text)
        printable = sum(ch.isprintable() or ch in "\r\n\t" for ch in text) / len(text)
        if ascii_share >= 0.3 and printable >= 0.97 and "\x00" not in text:
            return name
    return None


# -- text (CSV / TSV) ----------------------------------------------------------------------------

def parse_small_csv(path: Path, text: str, delim: str, header_index: int, headers: list[str],
                    names: list[str], limits: ReadLimits) -> tuple[pd.DataFrame, list[tuple[int, str]], list[str] | None]:
    """A small file, already in memory, parsed with the csv module: for a few rows Arrow's reader
    and its conversion to pandas cost several times the rows (what made 5,000 small files slow).
    Same rules as `_parse_csv`: every value text, empty lines skipped, a record with a wrong
    number of fields set aside with its raw text; line numbers exact (a record's first line).
    Also returns the last record (None when there is none)."""
    width = len(names)
    physical = io.StringIO(text, newline="").readlines()
    reader = csv.reader(physical, delimiter=delim)
    records: list[list[str]] = []
    numbers: list[int] = []
    dropped: list[tuple[int, str]] = []
    previous = 0
    for record in reader:
        start, previous = previous + 1, reader.line_num
        if start <= header_index + 1 or not record:
            continue
        if len(record) != width:
            dropped.append((start, "".join(physical[start - 1:previous]).rstrip("\r\n")))
            continue
        records.append(record)
        numbers.append(start)
    columns = list(zip(*records)) if records else [() for _ in names]
    # One block of Python strings (0.2 ms): the caller makes the columns Arrow text (`text_columns`)
    # once per file, or once per group of small files (audit.ingest.batch).
    grid = np.empty((len(records), width + 1), dtype=object)
    grid[:, 0] = numbers
    if records:
        grid[:, 1:] = records
    frame = pd.DataFrame(grid, columns=[ROW_COLUMN, *names], dtype=object)  # no inference per column
    frame[ROW_COLUMN] = frame[ROW_COLUMN].astype(np.int64)
    limit = limits.field_bytes
    for i, values in enumerate(columns):
        for row, value in enumerate(values):
            if len(value) * 4 > limit and len(value.encode("utf-8")) > limit:
                raise InputError(f"line {numbers[row]}, column {i + 1} ({headers[i]!r}): a field of "
                                 f"{len(value.encode('utf-8')) / MIB:,.1f} MiB, over the {limits.field_mb:g} MiB "
                                 f"a field may hold", path=path, hint=lift_hint("field_mb"))
    return frame, dropped, (records[-1] if records else None)


def refuse_endless_first_line(path: Path, sample: str, limits: ReadLimits, delimiters: list[str],
                               sniff_bytes: int) -> None:
    """The first 256 KiB hold no line break: a header of more columns than allowed (a million
    columns once made the reader allocate for each), or one field longer than a header's."""
    widest = max(sample.count(d) for d in delimiters) + 1
    if widest > limits.columns:
        raise InputError(f"line 1 has more than {limits.columns:,} columns (at least {widest:,} in its first "
                         f"{sniff_bytes // 1024} KiB)", path=path, hint=lift_hint("columns"))
    raise InputError(f"line 1 runs past {sniff_bytes // 1024} KiB without a line break: not the header row of "
                     f"an export", path=path)


def refuse_long_fields(path: Path, table, headers: list[str], lines: np.ndarray, limits: ReadLimits,
                       positions: list[int] | None = None) -> None:
    """A field over `[limits] field_mb`, with its line and column (one vectorized pass a column).
    `positions`: the file's column of each of the table's, when only some were read."""
    import pyarrow as pa
    import pyarrow.compute as pc
    limit = limits.field_bytes
    for at, column in enumerate(table.columns):
        i = positions[at] if positions is not None else at
        if not len(column) or not (pa.types.is_string(column.type) or pa.types.is_large_string(column.type)):
            continue  # a column converted while read (a call log's times) held only dates or numbers
        lengths = pc.binary_length(column)
        longest = pc.max(lengths).as_py()
        if longest is None or longest <= limit:
            continue
        row = pc.index(pc.greater(lengths, limit), True).as_py()
        line = int(lines[row]) if row < len(lines) else row + 2
        header = headers[i] if i < len(headers) else f"column {i + 1}"
        raise InputError(f"line {line}, column {i + 1} ({header!r}): a field of {longest / MIB:,.1f} MiB, over the "
                         f"{limits.field_mb:g} MiB a field may hold", path=path, hint=lift_hint("field_mb"))
