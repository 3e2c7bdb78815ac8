"""Many small files of one kind, mapped as one table.

Some CRMs and most scripts export one file per day, per manager or per deal: 5,000 files of
three rows took 246 s, 45 ms each, nearly all of it spent deciding each file's date formats and
number styles anew with pandas calls whose cost does not depend on the rows. Files that share
their headers (and so their profile and column mapping) are read one pass each, recognised from
their headers once, and mapped together: the formats are decided once, on more samples.

Each file keeps its own source entry (rows read, parse failures, lines not read) and each
unreadable value its own file and line. A group's rows stand together in the canonical table,
where its first file was read (sources stay in reading order). Only small files are gathered (a big file is mapped
alone, as before, and its text freed at once); a group whose profile turns one table into
several (amoCRM's events list) is mapped file by file, so its row counts mean what they mean
for a single file.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from audit.ingest.canonical import ID_COLUMN, Match, dropped_issues
from audit.ingest.mapping import TableRead
from audit.ingest.rawtable import ROW_COLUMN, RawTable
from audit.model import SourceFile

SMALL_ROWS = 5_000        # files with fewer records are gathered with their like
FLUSH_ROWS = 200_000      # a group is mapped once it holds this many records


@dataclass
class Pending:
    raw: RawTable
    match: Match
    slot: int                 # the file's place among the sources, kept in reading order
    rows: int                 # records read


@dataclass
class Group:
    items: list[Pending] = field(default_factory=list)
    rows: int = 0


def group_key(raw: RawTable, match: Match) -> tuple | None:
    """Files with the same key map identically; None for a file mapped on its own."""
    if len(raw.frame) >= SMALL_ROWS:
        return None
    if ID_COLUMN.get(match.spec.table) not in match.mapping.values():
        return None  # ids are made from the file name and line: one file at a time
    return (match.profile.name, id(match.spec), match.via_config, tuple(raw.headers),
            tuple(raw.frame.columns), raw.sheet, tuple(raw.file_headers or ()))


def merge(items: list[Pending]) -> RawTable:
    """One raw table of the group's records, each row remembering its file."""
    raws = [p.raw for p in items]
    first = raws[0]
    frame = pd.concat([r.frame for r in raws], ignore_index=True)
    if any(r.text_as_objects for r in raws):  # Python strings from small CSVs: Arrow text, once
        frame = frame.astype({c: "str" for c in frame.columns if c != ROW_COLUMN})
    files = np.concatenate([np.full(len(r.frame), r.label, dtype=object) for r in raws])
    more = len(raws) - 1
    label = f"{first.label} (and {more:,} more file{'s' if more != 1 else ''} with the same columns)"
    return replace(first, frame=frame, dropped=[], malformed=0, row_files=files, group_label=label,
                   text_as_objects=False)


def splits_cleanly(read: TableRead, items: list[Pending]) -> bool:
    """A group's reading stands for its files when it made one table of all their rows (in
    order), set nothing aside and noticed nothing: a note ("2 rows without an id (row 4, 9)") or
    a warning (rows left out) would mix the files, which are then read one by one."""
    return (len(read.tables) == 1 and not read.lookups and not read.notes and not read.warnings
            and len(next(iter(read.tables.values()))) == sum(item.rows for item in items))


def per_file(read: TableRead, item: Pending) -> tuple[SourceFile, pd.DataFrame | None]:
    """One file's share of its group's reading: its source entry (rows, parse failures, lines
    not read) and the parse issues of its lines that were not read."""
    raw = item.raw
    failures: dict[str, int] = {}
    for issues in read.issues:
        mine = issues["column"][issues["file"].eq(raw.label)].dropna()
        for column, count in mine.value_counts().items():
            failures[column] = failures.get(column, 0) + int(count)
    dropped, dropped_note = dropped_issues(raw, item.match.spec.table)
    note = read.source.note + (f"; {dropped_note}" if dropped_note else "")
    source = replace(read.source, path=str(raw.path), rows=item.rows, sha256=raw.digest(), sheet=raw.sheet,
                     encoding=raw.encoding, delimiter=raw.delimiter, header_row=raw.header_row,
                     parse_failures=failures, note=note)
    return source, dropped
