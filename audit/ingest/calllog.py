"""Call logs without a header row: recognise them and name their columns.

Two documented layouts have no header:

- Asterisk's Master.csv. cdr_csv (cdr/cdr_csv.c) writes accountcode, src, dst, dcontext,
  clid, channel, dstchannel, lastapp, lastdata, start, answer, end, duration, billsec,
  disposition, amaflags, then uniqueid when `loguniqueid=yes`, userfield when
  `loguserfield=yes`, and peeraccount, linkedid, sequence when `newcdrcolumns=yes` (16 to 21
  fields; the sample cdr.conf turns the first two on). cdr_custom writes what its mapping
  says; the sample mapping (configs/samples/cdr_custom.conf.sample) starts with clid and ends
  with accountcode, uniqueid, userfield, sequence (19 fields). The two are told apart by
  where the disposition (ANSWERED, NO ANSWER, BUSY, FAILED, CONGESTION) stands.
- Mango Office's stats/result (VPBX API 3.4.1): ';'-separated, the fields `stats/request`
  asked for, by default records, start, finish, answer, from_extension, from_number,
  to_extension, to_number, disconnect_reason, line_number, location; times are unix times.

Any other order is declared in crm-audit.toml: `[calls] columns = ["clid", "src", ...]`.
"""

from __future__ import annotations

import csv
import fnmatch
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from audit.ingest.profiles.base import norm_header
from audit.ingest.rawtable import ROW_COLUMN, RawTable
from audit.model.config import Config
from audit.model.errors import InputError

DISPOSITIONS = ("ANSWERED", "NO ANSWER", "BUSY", "FAILED", "CONGESTION")
CDR_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$")
EPOCH = re.compile(r"^\d{9,10}$")

CDR_CSV = ("accountcode", "src", "dst", "dcontext", "clid", "channel", "dstchannel", "lastapp", "lastdata",
           "start", "answer", "end", "duration", "billsec", "disposition", "amaflags")
NEW_CDR_COLUMNS = ("peeraccount", "linkedid", "sequence")
CDR_CUSTOM_SAMPLE = ("clid", "src", "dst", "dcontext", "channel", "dstchannel", "lastapp", "lastdata", "start",
                     "answer", "end", "duration", "billsec", "disposition", "amaflags", "accountcode", "uniqueid",
                     "userfield", "sequence")
MANGO_STATS = ("records", "start", "finish", "answer", "from_extension", "from_number", "to_extension",
               "to_number", "disconnect_reason", "line_number", "location")
PEEK_BYTES = 64 * 1024
SAMPLE_ROWS = 200  # the first records a layout is told by


def declared_calls(path: Path, cfg: Config) -> bool:
    """`[files]` in crm-audit.toml names this file a call log."""
    return any(kind == "calls" and (fnmatch.fnmatch(path.name, pattern) or fnmatch.fnmatch(str(path), pattern))
               for pattern, kind in cfg.files.items())


def headerless(path: Path, cfg: Config) -> bool:
    """Whether the file is a call log whose first line is already a record: Asterisk's name for
    it, a call log declared with its columns in crm-audit.toml, or a first line that holds a
    call's disposition and time (no header says "ANSWERED")."""
    if path.suffix.lower() not in (".csv", ".txt"):
        return False
    if declared_calls(path, cfg) and cfg.calls.columns:
        return True
    first = _first_record(path)
    if first is None:
        return False
    cells = [c.strip() for c in first]
    asterisk = any(c in DISPOSITIONS for c in cells) and any(CDR_DATETIME.match(c) for c in cells)
    mango = len(cells) >= 4 and all(EPOCH.match(c) or c == "0" for c in cells[1:4]) and EPOCH.match(cells[1] or "")
    if asterisk or mango:
        return True
    if path.name.lower() == "master.csv":
        raise InputError("named like Asterisk's call log but its first line is not a call record",
                         path=path, hint="declare its columns in crm-audit.toml: [calls] columns = [...]")
    return False


def _first_record(path: Path) -> list[str] | None:
    try:
        with open(path, "rb") as fh:
            head = fh.read(PEEK_BYTES)
    except OSError:
        return None
    text = head.decode("utf-8", errors="replace").lstrip("\ufeff")
    lines = [line for line in text.splitlines() if line.strip()][:2]
    if not lines:
        return None
    delimiter = ";" if lines[0].count(";") > lines[0].count(",") else ","
    return next(csv.reader([lines[0]], delimiter=delimiter), None)


@dataclass(frozen=True)
class Layout:
    """A headerless call log's column names, how they were told, and the positions of the
    columns its reader maps (None: every column): a Master.csv has 16 to 21 fields of which
    the Asterisk reader uses 10, and each column left unread is a million strings not made."""

    names: tuple[str, ...]
    label: str
    keep: tuple[int, ...] | None = None
    # (column, kind) of the kept columns the layout writes in one fixed format, which the reader
    # may convert while parsing: "datetime" (ISO "YYYY-MM-DD HH:MM:SS") or "float" (plain numbers).
    types: tuple[tuple[str, str], ...] = ()


def layout_of(rows: list[list[str]], n: int, cfg: Config, label: str) -> Layout:
    """The layout of a headerless call log of `n` fields a line from its first records (lines of
    another width are left out, as the reader leaves them): see the module docstring.
    InputError naming the file when it is none of them."""
    sample = pd.DataFrame([r for r in rows if len(r) == n][:SAMPLE_ROWS],
                          columns=[f"column {i + 1}" for i in range(n)], dtype="str")
    names, how = _layout(sample, list(sample.columns), cfg, label)
    if len(names) != n:
        raise InputError(f"call log has {n} fields per line but [calls] columns names {len(names)}",
                         path=label, hint="list one name per field, in order")
    keep = _kept(names, how, cfg)
    return Layout(names=tuple(names), label=how, keep=keep, types=_fixed_types(names, how, keep))


def _kept(names: tuple[str, ...], how: str, cfg: Config) -> tuple[int, ...] | None:
    """The positions of the columns the layout's reader maps; None (all) for declared columns and
    when crm-audit.toml maps call-log headers of its own."""
    from audit.ingest.profiles.telephony import ASTERISK, MANGO
    spec = ASTERISK if how.startswith("Asterisk") else MANGO if how.startswith("Mango") else None
    if spec is None or cfg.columns.get("calls") or spec.helper_patterns:
        return None
    mapped = spec.normalized_columns()
    keep = tuple(i for i, name in enumerate(names) if norm_header(name) in mapped)
    return keep if 0 < len(keep) < len(names) else None


# cdr_csv writes its times with DATE_FORMAT "%Y-%m-%d %T" and duration and billsec as integers
# (cdr/cdr_csv.c); cdr_custom's sample mapping takes the same ${CDR(start)} ... ${CDR(billsec)}.
ASTERISK_FIXED = {"start": "datetime", "answer": "datetime", "end": "datetime", "duration": "float",
                  "billsec": "float"}


def _fixed_types(names: tuple[str, ...], how: str, keep: tuple[int, ...] | None) -> tuple[tuple[str, str], ...]:
    """The kept columns of an Asterisk layout in a fixed format, whose kind is the one the Asterisk
    reader parses them as: only where the layout's own reader maps the file (`keep`), never for
    declared columns or a mapping of crm-audit.toml, which may take them as anything. Mango's unix
    times stay text (their zeros are "did not happen", read by the Mango reader)."""
    from audit.ingest.profiles.telephony import ASTERISK
    from audit.model import SCHEMA
    if keep is None or not how.startswith("Asterisk"):
        return ()
    targets = ASTERISK.normalized_columns()
    schema = {c.name: c.kind for c in SCHEMA.get(ASTERISK.table, ())}
    typed = []
    for i in keep:
        kind, target = ASTERISK_FIXED.get(names[i]), targets.get(norm_header(names[i]))
        if kind is not None and target is not None and kind == ASTERISK.helper_kinds.get(target, schema.get(target)):
            typed.append((names[i], kind))
    return tuple(typed)


def name_columns(raw: RawTable, cfg: Config) -> RawTable:
    """The headerless table with its columns named after the layout it has (see the module
    docstring); InputError naming the file when the layout is none of them. A table its reader
    named already (read_file's `layout`) is returned as it is."""
    if raw.layout:
        return raw
    columns = [c for c in raw.frame.columns if c != ROW_COLUMN]
    n = len(columns)
    names, layout = _layout(raw.frame[columns].head(SAMPLE_ROWS), columns, cfg, raw.label)
    if len(names) != n:
        raise InputError(f"call log has {n} fields per line but [calls] columns names {len(names)}",
                         path=raw.label, hint="list one name per field, in order")
    raw.frame = raw.frame.rename(columns=dict(zip(columns, names)))
    raw.headers = list(names)
    raw.layout = layout
    return raw


def _layout(sample: pd.DataFrame, columns: list[str], cfg: Config, label: str) -> tuple[tuple[str, ...], str]:
    n = len(columns)
    if cfg.calls.columns:
        return tuple(cfg.calls.columns), "columns declared in crm-audit.toml"
    sample = sample[columns].astype("str")
    disposition = _column_where(sample, lambda s: s.str.strip().isin(DISPOSITIONS))
    if disposition == 14 and 16 <= n <= 21:
        return _cdr_csv(sample, n), f"Asterisk cdr_csv, {n} fields"
    if disposition == 13 and 15 <= n <= 19:
        return CDR_CUSTOM_SAMPLE[:n], f"Asterisk cdr_custom (sample mapping), {n} fields"
    epochs = _column_where(sample, lambda s: s.str.fullmatch(r"\d{9,10}"))
    if disposition is None and epochs == 1 and n == len(MANGO_STATS):
        return MANGO_STATS, "Mango Office stats/result, default fields"
    where = f"disposition in field {disposition + 1}" if disposition is not None else "no disposition field"
    raise InputError(f"call log layout not recognised ({n} fields per line, {where})", path=label,
                     hint="declare the field order in crm-audit.toml: [calls] columns = [\"clid\", \"src\", ...]")


def _column_where(sample: pd.DataFrame, test) -> int | None:
    """Position of the first column where most filled values pass `test`."""
    for i, col in enumerate(sample.columns):
        values = sample[col]
        filled = values[values.str.strip().ne("") & values.notna()]
        if len(filled) and test(filled).fillna(False).mean() >= 0.9:
            return i
    return None


def _cdr_csv(sample: pd.DataFrame, n: int) -> tuple[str, ...]:
    extra = n - len(CDR_CSV)
    if extra >= 3 and _looks_like_sequence(sample.iloc[:, -1]):
        tail, extra = NEW_CDR_COLUMNS, extra - 3
    else:
        tail = ()
    if extra == 2:
        middle: tuple[str, ...] = ("uniqueid", "userfield")
    elif extra == 1:
        # One of the two: a uniqueid is the channel's creation time with a sequence, "1700000000.42".
        uniq = sample.iloc[:, len(CDR_CSV)].str.fullmatch(r"\d{9,10}\.\d+").fillna(False).mean() >= 0.9
        middle = ("uniqueid",) if uniq else ("userfield",)
    elif extra == 0:
        middle = ()
    else:
        middle = tuple(f"field {i + 1}" for i in range(len(CDR_CSV), len(CDR_CSV) + extra))
    return CDR_CSV + middle + tail


def _looks_like_sequence(values: pd.Series) -> bool:
    filled = values[values.str.strip().ne("")]
    return bool(len(filled)) and bool(filled.str.fullmatch(r"\d{1,9}").fillna(False).mean() >= 0.9)
