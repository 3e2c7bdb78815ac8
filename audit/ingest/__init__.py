"""Files -> canonical CrmData. The only door data comes in by.

    loaded = load([Path("exports/")], cfg)
    loaded.crm       # CrmData
    loaded.sources   # one SourceFile per table read (what inspect and the reports show)

Ingestion never judges quality: what it could not parse is recorded in
`crm.parse_issues` for HY08, and files it did not recognise are listed with a note.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Callable, Iterable, Sequence

import pandas as pd

from audit.ingest import calllog
from audit.ingest.assemble import assemble
from audit.ingest.canonical import empty_issues
from audit.ingest.batch import FLUSH_ROWS, Group, Pending, group_key, merge, per_file, splits_cleanly
from audit.ingest.mapping import TableRead, read_matched, recognise
from audit.ingest.unread import refuse_empty_deals
from audit.ingest.profiles import CRM_CHOICES, PROFILES
from audit.ingest.readers import ROW_COLUMN, SUPPORTED_SUFFIXES, NotAnExport, read_file
from audit.model import TABLES, CrmData, SourceFile
from audit.model.config import Config
from audit.model.errors import AuditError, ConfigError, InputError, printable_path
from audit.model.warnings import InputWarning

log = logging.getLogger("crm_audit")


@dataclass(frozen=True)
class Loaded:
    crm: CrmData
    sources: tuple[SourceFile, ...]
    crm_name: str | None
    warnings: tuple[InputWarning, ...] = ()  # what suggests the export was misread (input.warnings)


def discover(paths: Iterable[Path]) -> list[Path]:
    """Files named, plus every supported file in folders named (not recursive, sorted)."""
    files: list[Path] = []
    for path in paths:
        path = Path(path)
        if not path.exists():
            raise InputError("no such file or folder", path=path)
        if path.is_dir():
            found = sorted(p for p in path.iterdir()
                           if p.is_file() and p.suffix.lower() in SUPPORTED_SUFFIXES and not p.name.startswith((".", "~$")))
            if not found:
                raise InputError("folder has no CSV, XLSX or XLS file", path=path,
                                 hint=f"supported: {', '.join(sorted(SUPPORTED_SUFFIXES))}")
            files.extend(found)
        else:
            files.append(path)
    # The same file named twice is read once.
    unique: dict[Path, Path] = {}
    for f in files:
        unique.setdefault(f.resolve(), f)
    for f in unique.values():
        if printable_path(f) != str(f):  # the reports name every file they read
            raise InputError("the file's name is not UTF-8 text, so the reports cannot name it", path=f,
                             hint="rename it; a zip made on Windows keeps Russian names when unpacked "
                                  "with `unzip -O cp866`")
    return list(unique.values())


def load(paths: Sequence[Path], cfg: Config | None = None, *, crm: str | None = None,
         encoding: str | None = None, progress: Callable[[str], None] | None = None) -> Loaded:
    """Read every export in `paths` (files or folders) into one CrmData.

    Each table is detected (which CRM, which table) unless `crm` or the config's
    `[input] crm` names the profile; `encoding` forces the encoding of CSV files.
    An unknown CRM name raises ConfigError (AuditError for `crm`); a file that cannot be
    read, or no deals export at all, raises InputError. `progress` gets a line per file.
    """
    cfg = cfg or Config()
    known = ", ".join(CRM_CHOICES)
    if cfg.crm not in CRM_CHOICES:
        raise ConfigError(f"[input] crm = {cfg.crm!r} is not one of {known}", path=cfg.path)
    if crm is not None and crm.lower() not in CRM_CHOICES:
        raise AuditError(f"crm = {crm!r} is not one of {known}")
    say = progress or (lambda _m: None)
    encoding = encoding or cfg.encoding
    files = discover(paths)
    named = {Path(p).resolve() for p in paths if Path(p).is_file()}
    out = _Gathered()
    groups: dict[tuple, Group] = {}
    seen: dict = {}  # detection by header row: a layout is recognised once, however many files have it
    for file in files:
        say(f"reading {file.name}")
        try:
            headerless = calllog.headerless(file, cfg)
            # A headerless call log is named from its first records before the read, so that only
            # the columns its reader maps are read.
            layout = partial(calllog.layout_of, cfg=cfg, label=str(file)) if headerless else None
            raws = read_file(file, encoding, cfg.limits, text_as_objects=True, header=not headerless, layout=layout)
        except NotAnExport as skipped:  # a crm-audit report left in the export folder
            log.info("%s: %s", file, skipped.note)
            out.add(TableRead(SourceFile(path=str(file), table=None, note=skipped.note)), out.reserve())
            continue
        for raw in raws:
            match, unread = recognise(raw, cfg, crm, named_alone=file.resolve() in named and len(raws) == 1,
                                      seen=seen)
            slot = out.reserve()
            if match is None:
                out.add(unread, slot)
                continue
            item = Pending(raw, match, slot, len(raw.frame))
            key = group_key(raw, match)
            if key is None:
                out.add(read_matched(raw, match, cfg), slot)
                continue
            group = groups.setdefault(key, Group())
            group.items.append(item)
            group.rows += item.rows
            if group.rows >= FLUSH_ROWS:
                _read_group(groups.pop(key), cfg, out)
    for group in groups.values():
        _read_group(group, cfg, out)
    sources, issues, warnings, used = out.ordered_sources(), out.issues, out.warnings, out.used
    parts, exported, origins, lookups = out.ordered()
    deals_profiles = out.deals_profiles()
    if not parts["deals"]:
        recognised = [s for s in sources if s.table]
        what = (f"found only {', '.join(sorted({s.table for s in recognised}))}" if recognised
                else "no file was recognised")
        target = paths[0] if len(paths) == 1 else ", ".join(str(p) for p in paths)
        raise InputError(f"no deals export found ({what})", path=target,
                         hint="deals need an id, a stage and a creation date; map other headers in "
                              "crm-audit.toml [columns.deals]")
    refuse_empty_deals([s.path for s in sources if s.table and "deals" in s.table.split("+")],
                       sum(len(f) for f in parts["deals"]))
    tables, assembled = assemble(parts, lookups, [p for p in PROFILES if p.name in used], cfg)
    warnings = _profiles_speak_first([*warnings, *assembled])
    parse_issues = pd.concat(issues, ignore_index=True) if issues else empty_issues()
    stages_all_open = all(p.stages_all_open for p in PROFILES if p.name in set(deals_profiles))
    # A column counts as exported when every file of its table had it: rows of a file without it
    # hold no answer, and must not read as "left empty".
    exported_columns = {name: frozenset.intersection(*sets) for name, sets in exported.items() if sets}
    data = CrmData.build(parse_issues=parse_issues, clean_text=False, stages_all_open=stages_all_open,
                         exported=exported_columns, **tables,
                         origins={name: tuple(spans) for name, spans in origins.items() if spans})
    crm_name = deals_profiles[0] if deals_profiles else None
    return Loaded(crm=data, sources=tuple(sources), crm_name=crm_name, warnings=tuple(warnings))


def _profiles_speak_first(warnings: list[InputWarning]) -> list[InputWarning]:
    """A profile that said something about a file (tasks on accounts it linked or left out, plans
    that are not contacts) knows why rows went missing: the bare count of rows left out of that
    file is then dropped."""
    spoken = {w.file for w in warnings if w.code != "rows-left-out"}
    return [w for w in warnings if w.code != "rows-left-out" or w.file not in spoken]


class _Gathered:
    """What the files gave, kept in reading order although small files are read in groups."""

    def __init__(self) -> None:
        self.sources: list[SourceFile | None] = []
        # table -> (slot, frame, columns exported, (file, rows) spans of the frame's rows)
        self.parts: dict[str, list[tuple[int, pd.DataFrame, frozenset[str], list[tuple[str, int]]]]] = {
            t: [] for t in TABLES}
        self.lookups: dict[str, list[tuple[int, pd.DataFrame]]] = {}
        self.issues: list[pd.DataFrame] = []
        self.warnings: list[InputWarning] = []
        self.used: set[str] = set()
        self._deals: list[tuple[int, str]] = []   # (slot, profile) of the files that gave deals

    def reserve(self) -> int:
        self.sources.append(None)
        return len(self.sources) - 1

    def add(self, read: TableRead, slot: int, *, spans: list[tuple[str, int]] | None = None) -> None:
        """A reading at its file's slot: its source entry and its data. `spans`: the files the
        rows of a group's one table came from, in order."""
        self.sources[slot] = read.source
        if read.profile is None:
            return
        self.note_profile(read, slot)
        for name, table in read.tables.items():
            self.parts[name].append((slot, table, read.exported.get(name, frozenset()),
                                     spans or [(read.origin, len(table))]))
        for name, table in read.lookups.items():
            self.lookups.setdefault(name, []).append((slot, table))
        self.issues.extend(read.issues)
        self.warnings.extend(read.warnings)

    def note_profile(self, read: TableRead, slot: int) -> None:
        self.used.add(read.profile.name)
        if read.reads_deals:
            self._deals.append((slot, read.profile.name))

    def ordered_sources(self) -> list[SourceFile]:
        return [s for s in self.sources if s is not None]

    def ordered(self) -> tuple[dict, dict, dict, dict]:
        """parts, exported column sets, origins and lookups, each table's pieces in the order their
        files were read (a group's at its first file)."""
        parts, exported, origins = {}, {}, {}
        for name, pieces in self.parts.items():
            pieces = sorted(pieces, key=lambda p: p[0])
            parts[name] = [frame for _s, frame, _e, _o in pieces]
            exported[name] = [columns for _s, _f, columns, _o in pieces]
            origins[name] = [span for _s, _f, _e, spans in pieces for span in spans]
        lookups = {name: [frame for _s, frame in sorted(found, key=lambda p: p[0])]
                   for name, found in self.lookups.items()}
        return parts, exported, origins, lookups

    def deals_profiles(self) -> list[str]:
        return [name for _slot, name in sorted(self._deals)]


def _read_group(group: Group, cfg: Config, out: _Gathered) -> None:
    """Read a group of small files with the same headers as one table (audit.ingest.batch)."""
    items = group.items
    if len(items) > 1:
        read = read_matched(merge(items), items[0].match, cfg)
        if splits_cleanly(read, items):
            out.add(read, items[0].slot, spans=[(item.raw.label, item.rows) for item in items])
            for item in items:
                source, dropped = per_file(read, item)
                if dropped is not None:
                    out.issues.append(dropped)
                out.sources[item.slot] = source
                out.note_profile(read, item.slot)
                item.raw.frame = item.raw.frame.iloc[:0]
            return
    for item in items:  # one file, or a reading that does not split by file: file by file
        out.add(read_matched(item.raw, item.match, cfg), item.slot)


__all__ = ["load", "discover", "Loaded", "ROW_COLUMN"]
