"""CSV/TSV/TXT exports as raw tables: dialect and header row sniffed from the first lines,
then parsed from disk by Arrow (transcoded on the fly when not UTF-8), or in memory by the csv
module when the file is small. Rows with a wrong number of fields are kept aside with their text."""

from __future__ import annotations

import codecs
import csv
from pathlib import Path
from typing import TYPE_CHECKING, Callable

import numpy as np
import pandas as pd

from audit.ingest.csvtext import encoding_hint, parse_small_csv, refuse_endless_first_line, refuse_long_fields
from audit.ingest.encodings import SNIFF_BYTES, detect_encoding, detect_encoding_in
from audit.ingest.rawtable import (ROW_COLUMN, RawTable, drop_empty_unnamed, drop_footer, header_index,
                                   is_footer_row, unique_headers)
from audit.model.errors import InputError
from audit.model.limits import ReadLimits, lift_hint

if TYPE_CHECKING:
    from audit.ingest.calllog import Layout

DELIMITERS = [",", ";", "\t", "|"]
# A headerless file's layout from its first records and width (audit.ingest.calllog.layout_of).
LayoutOf = Callable[[list[list[str]], int], "Layout"]
SMALL_TEXT_BYTES = 64 * 1024  # a text file this small is parsed in memory (audit.ingest.batch)
LAYOUT_LINES = 400  # a headerless file's layout is told from its first lines (200 records of them)
# The sample of a CSV's first lines is parsed with the csv module: let it hold any field the
# sample can hold (the limit on a field is judged on the whole file, with its line and column).
csv.field_size_limit(max(csv.field_size_limit(), 4 * SNIFF_BYTES))


def read_text(path: Path, head: bytes, encoding: str | None, limits: ReadLimits = ReadLimits(),
               whole: bool = False, header: bool = True, layout: LayoutOf | None = None) -> RawTable:
    enc = encoding or detect_encoding(head, path)
    try:
        return _read_text_as(path, head, enc, forced=encoding is not None, limits=limits,
                             whole=whole and len(head) <= SMALL_TEXT_BYTES, header=header, layout=layout)
    except NotUtf8:
        # Valid UTF-8 at the start, not further on: detect from the whole file. If that reading
        # fails too, the file mixes encodings: say so, and where UTF-8 stopped.
        full = detect_encoding_in(path.read_bytes(), sample_only=False)
        try:
            return _read_text_as(path, head, full, forced=False, limits=limits, header=header, layout=layout)
        except InputError as second:
            if "decode" not in second.problem:
                raise
            raise InputError(f"mixes encodings: it starts as UTF-8 but is not UTF-8 throughout, and {full} "
                             f"does not read it either", path=path,
                             hint="re-export the file in one encoding, UTF-8 if the CRM offers it") from None


class NotUtf8(Exception):
    pass


def _sample_text(head: bytes, enc: str, path: Path, forced: bool) -> str:
    """The first part of the file as text. An incremental decoder keeps back a character cut
    by the sample's end instead of calling it an error."""
    try:
        return codecs.getincrementaldecoder(enc)().decode(head, final=False)
    except UnicodeDecodeError as exc:
        raise InputError(f"cannot decode as {enc} at byte {exc.start}", path=path,
                         hint=encoding_hint(enc)) from None
    except LookupError:
        raise InputError(f"unknown encoding {enc!r}", path=path, hint=encoding_hint(enc)) from None


def _read_text_as(path: Path, head: bytes, enc: str, *, forced: bool, limits: ReadLimits = ReadLimits(),
                  whole: bool = False, header: bool = True, layout: LayoutOf | None = None) -> RawTable:
    """`whole`: `head` is the whole (small) file, parsed here with the csv module; otherwise
    Arrow parses the file from disk."""
    if whole:
        try:
            sample = head.decode(enc).lstrip("\ufeff")
        except UnicodeDecodeError as exc:
            if enc.replace("_", "-").lower() in ("utf-8", "utf8") and not forced:
                raise NotUtf8() from None
            raise InputError(f"cannot decode as {enc} at byte {exc.start}", path=path,
                             hint=encoding_hint(enc)) from None
        except LookupError:
            raise InputError(f"unknown encoding {enc!r}", path=path, hint=encoding_hint(enc)) from None
    else:
        sample = _sample_text(head[:SNIFF_BYTES + 4], enc, path, forced).lstrip("\ufeff")
    if not sample.strip():
        raise InputError("file is empty", path=path)
    if len(head) > SNIFF_BYTES and not any(ch in sample for ch in "\r\n"):
        refuse_endless_first_line(path, sample, limits, DELIMITERS, SNIFF_BYTES)
    sample_lines = sample.splitlines()[:60]
    delim = "\t" if path.suffix.lower() == ".tsv" else sniff_delimiter(sample_lines)
    head_rows = list(csv.reader(sample_lines[:30], delimiter=delim))
    if not header:
        first = list(csv.reader(sample.splitlines()[:LAYOUT_LINES], delimiter=delim)) if layout else head_rows
        return _read_headerless(path, enc, delim, head_rows, forced, limits, first, layout)
    h = header_index(head_rows)
    if h >= len(head_rows) or not any(c.strip() for c in head_rows[h]):
        raise InputError("no header row found", path=path)
    headers = [c.strip().strip("\ufeff") for c in head_rows[h]]
    if len(headers) > limits.columns:
        raise InputError(f"line {h + 1} has {len(headers):,} columns, over the {limits.columns:,} a table may have",
                         path=path, hint=lift_hint("columns"))
    if whole:
        frame, dropped, last = parse_small_csv(path, sample, delim, h, headers, unique_headers(headers), limits)
        # Only a trailing block is a footer: when the last record is plainly one (judged on its
        # Python values), the vectorized pass is spared; unnamed columns change the width it uses.
        may_end_in_footer = last is not None and (is_footer_row([v.strip() for v in last])
                                                  or not all(x.strip() for x in headers))
    else:
        frame, dropped = _parse_csv(path, enc, delim, h, headers, forced, limits)
        may_end_in_footer = True
    frame, headers = drop_empty_unnamed(frame, headers)
    frame, footer = drop_footer(frame) if may_end_in_footer else (frame, [])
    dropped, short_footer = _split_short_footer(frame, dropped, delim, len(headers))
    return RawTable(path=path, frame=frame, headers=headers, encoding=enc, delimiter=delim,
                    header_row=h + 1, dropped=dropped + footer + short_footer, malformed=len(dropped),
                    text_as_objects=whole)


def _split_short_footer(frame: pd.DataFrame, dropped: list[tuple[int, str]], delim: str,
                        width: int) -> tuple[list[tuple[int, str]], list[tuple[int, str]]]:
    """(malformed lines, footer lines): a Salesforce report exported as CSV ends, under its last
    record, in lines of one or a few fields - blank lines, "Total", the report's title,
    "Copyright (c) 2000-2024 salesforce.com, inc. All rights reserved.", "Confidential
    Information - Do Not Distribute", "Generated By: ...", the company's name. Such a trailing
    block is a footer, not records the export lost, when one of its lines is plainly a footer
    (blank or a footer word) and none has more than a quarter of the header's fields."""
    if not dropped:
        return dropped, []
    last = int(frame[ROW_COLUMN].max()) if len(frame) else 0
    tail = [(r, t) for r, t in dropped if r > last]
    if not tail:
        return dropped, []
    rows = [[v.strip() for v in next(csv.reader([t], delimiter=delim), [])] for _r, t in tail]
    sparse = all(sum(1 for v in vals if v) <= max(1, width // 4) or is_footer_row(vals) for vals in rows)
    if not (sparse and any(is_footer_row(vals) for vals in rows)):
        return dropped, []
    return [(r, t) for r, t in dropped if r <= last], [(r, t) for (r, t), vals in zip(tail, rows) if any(vals)]


def _read_headerless(path: Path, enc: str, delim: str, head_rows: list[list[str]], forced: bool,
                     limits: ReadLimits, first: list[list[str]], layout: LayoutOf | None) -> RawTable:
    """Every line a record, the columns named by position (Arrow parses the file from disk); or,
    with `layout`, named by what it makes of the first records (`first`), and only the columns
    it keeps read."""
    widths = [len(r) for r in head_rows if any(c.strip() for c in r)]
    width = max(set(widths), key=widths.count) if widths else 0
    if width > limits.columns:
        raise InputError(f"lines have {width:,} fields, over the {limits.columns:,} a table may have",
                         path=path, hint=lift_hint("columns"))
    headers = [f"column {i + 1}" for i in range(width)]
    named = layout(first, width) if layout is not None else None
    if named is not None and named.keep is not None and not named.keep:
        named = None  # nothing to keep cannot be asked of Arrow (an empty list reads every column)
    if named is None:
        frame, dropped = _parse_csv(path, enc, delim, -1, headers, forced, limits)
        return RawTable(path=path, frame=frame, headers=headers, encoding=enc, delimiter=delim, header_row=0,
                        dropped=dropped, malformed=len(dropped))
    names = list(named.names)
    frame, dropped = _parse_csv(path, enc, delim, -1, names, forced, limits,
                                keep=list(named.keep) if named.keep is not None else None,
                                types=dict(named.types))
    read = [c for c in frame.columns if c != ROW_COLUMN]
    unread = [n for n in unique_headers(names) if n not in set(read)]
    return RawTable(path=path, frame=frame, headers=read, encoding=enc, delimiter=delim, header_row=0,
                    dropped=dropped, malformed=len(dropped), layout=named.label, unread_headers=unread,
                    file_headers=unique_headers(names) if unread else None)


def sniff_delimiter(lines: list[str]) -> str:
    """The delimiter that splits the first lines into the most consistent, widest rows.

    A trailing run of one-field lines is left out of the judgement: a small report's footer
    (title, copyright, "Confidential Information", who ran it) can outnumber its records."""
    best, best_score = ",", (-1, -1)
    for delim in DELIMITERS:
        counts = [len(row) for row in csv.reader(lines, delimiter=delim) if any(c.strip() for c in row)]
        body = len(counts)
        while body and counts[body - 1] <= 1:
            body -= 1
        counts = counts[:body] or counts
        if not counts:
            continue
        mode = max(set(counts), key=counts.count)
        consistency = counts.count(mode) / len(counts)
        score = (mode > 1 and consistency >= 0.6, mode * consistency)
        if score > best_score:
            best, best_score = delim, score
    return best


def _arrow_types(types: dict[str, str] | None, kept: list[str]) -> dict:
    """Arrow's types for the fixed-format columns that are read. Times by Arrow's ISO 8601 parser,
    not a strptime format: strptime rolls "2024-02-30" over to March 1st and "23:59:60" to the next
    day, where ISO 8601 refuses them (and zoned times); every value it reads, the text path reads
    to the same time (tests/ingest/test_typed_call_log.py)."""
    import pyarrow as pa
    arrow = {"datetime": pa.timestamp("s"), "float": pa.float64()}
    return {name: arrow[kind] for name, kind in (types or {}).items() if name in kept and kind in arrow}


def _read_typed(read, typed: dict, dropped: list):
    """The fast read with the `typed` columns converted by Arrow, or None when there are none or a
    value does not convert (the file is then read as text). A blank converts to missing."""
    import pyarrow as pa
    if not typed:
        return None
    try:
        return read(threads=True, newlines=False, typed=typed)
    except pa.ArrowInvalid as exc:
        if "CSV conversion error" not in str(exc):
            raise  # not the types' doing: the text read would fail alike
        dropped.clear()
        return None


def _parse_csv(path: Path, enc: str, delim: str, header_index: int, headers: list[str],
               forced: bool, limits: ReadLimits = ReadLimits(), keep: list[int] | None = None,
               types: dict[str, str] | None = None) -> tuple[pd.DataFrame, list[tuple[int, str]]]:
    """pyarrow's CSV reader on the file, every column as text, transcoding non-UTF-8 on the fly.
    Rows with a wrong number of fields are kept aside with their text (reported, never lost).
    `keep`: the positions of the only columns to convert (every line is still split whole),
    when every line reads cleanly; a file with broken lines is read whole. `types`: columns
    (by name) in a format fixed by the file's layout, converted while parsing ("datetime",
    "float") when every line reads cleanly and every value converts; otherwise the file is read
    as text, so each value that is not a date or a number is reported as the text path reports
    it. The frame's columns say which were read."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    names = unique_headers(headers)
    kept = names if keep is None else [names[i] for i in keep]
    first_line = header_index + 2  # 1-based line of the first record
    dropped: list[tuple[int | None, str]] = []
    utf8 = enc.replace("_", "-").lower() in ("utf-8", "utf-8-sig", "utf8")

    def on_invalid(row) -> str:
        dropped.append((row.number, row.text))
        return "skip"

    def read(threads: bool, newlines: bool, columns: list[str] = kept, typed: dict | None = None):
        return pacsv.read_csv(
            path,
            read_options=pacsv.ReadOptions(column_names=names, skip_rows=header_index + 1,
                                           block_size=16 << 20, use_threads=threads,
                                           encoding="utf8" if utf8 else enc),
            parse_options=pacsv.ParseOptions(delimiter=delim, newlines_in_values=newlines,
                                             invalid_row_handler=on_invalid),
            # Text is never missing (strings_can_be_null); a typed value left blank, bare or
            # quoted (cdr_csv writes an unanswered call's answer time as ""), is missing.
            convert_options=pacsv.ConvertOptions(column_types={n: pa.large_string() for n in names} | (typed or {}),
                                                 include_columns=columns, strings_can_be_null=False,
                                                 quoted_strings_can_be_null=bool(typed),
                                                 null_values=[""] if typed else None),
        )

    try:
        # Quoted line breaks (multi-line notes) need the slower reader; most exports have none,
        # and when one does, the fast reader's rows come out broken and we read again.
        table = _read_typed(read, _arrow_types(types, kept), dropped)
        if table is None:
            table = read(threads=True, newlines=False)
        if dropped:
            # Every column from here on: a quote left open shows as a long field wherever it is.
            kept = names
            dropped.clear()
            table = read(threads=True, newlines=True, columns=kept)
        if any(number is None for number, _text in dropped):
            # Only the single-threaded reader knows line numbers; bad rows are rare, so pay it then.
            dropped.clear()
            table = read(threads=False, newlines=True, columns=kept)
    except UnicodeDecodeError as exc:
        raise InputError(f"cannot decode as {enc}: {exc.reason}", path=path,
                         hint=encoding_hint(enc)) from None
    except pa.ArrowInvalid as exc:
        if utf8 and ("utf8" in str(exc).lower() or "utf-8" in str(exc).lower()):
            if forced:
                raise InputError("cannot decode as utf-8", path=path, hint=encoding_hint("utf-8")) from None
            raise NotUtf8() from None
        if "straddling" in str(exc).lower():
            raise InputError("a record runs over 16 MiB (a field far over the limit, or a quote never "
                             "closed)", path=path) from None
        raise InputError(f"not a readable CSV: {str(exc).splitlines()[0]}", path=path) from None
    # Line numbers assume one line per record (exact for ordinary exports; multi-line notes shift
    # later rows, still enough to find the record).
    lines = np.arange(first_line, first_line + table.num_rows + len(dropped))
    if dropped:
        lines = lines[~np.isin(lines, [n for n, _t in dropped])][:table.num_rows]
    refuse_long_fields(path, table, headers, lines, limits,
                       positions=None if kept is names else [names.index(n) for n in kept])
    # Converting a few rows on a thread pool costs more than the rows (1.7 ms against 0.3 ms a
    # small file): threads only where there is work to share.
    frame = table.to_pandas(use_threads=table.num_rows > 10_000)
    del table
    frame.columns = kept
    frame.insert(0, ROW_COLUMN, lines)
    return frame, [(int(n or 0), t) for n, t in dropped]
