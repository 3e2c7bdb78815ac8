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
from pathlib import Path
from typing import Callable, Iterable, Sequence

import pandas as pd

from audit.ingest.assemble import assemble
from audit.ingest.canonical import empty_issues
from audit.ingest.batch import FLUSH_ROWS, Group, Pending, group_key, merge, per_file, splits_cleanly
from audit.ingest.mapping import TableRead, read_matched, recognise
from audit.ingest.unread import refuse_empty_deals
from audit.ingest.profiles import CRM_CHOICES, PROFILES
from audit.ingest.readers import ROW_COLUMN, SUPPORTED_SUFFIXES, NotAnExport, read_file
from audit.model import TABLES, CrmData, SourceFile
from audit.model.config import Config
from audit.model.errors import AuditError, ConfigError, InputError
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
            raws = read_file(file, encoding, cfg.limits, text_as_objects=True)
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
    sources, parts, lookups = out.ordered_sources(), out.ordered(out.parts), out.ordered(out.lookups)
    issues, warnings, deals_profiles, used = out.issues, out.warnings, out.deals_profiles(), out.used
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
    warnings.extend(assembled)
    parse_issues = pd.concat(issues, ignore_index=True) if issues else empty_issues()
    stages_all_open = all(p.stages_all_open for p in PROFILES if p.name in set(deals_profiles))
    data = CrmData.build(parse_issues=parse_issues, clean_text=False, stages_all_open=stages_all_open, **tables)
    crm_name = deals_profiles[0] if deals_profiles else None
    return Loaded(crm=data, sources=tuple(sources), crm_name=crm_name, warnings=tuple(warnings))


class _Gathered:
    """What the files gave, kept in reading order although small files are read in groups."""

    def __init__(self) -> None:
        self.sources: list[SourceFile | None] = []
        self.parts: dict[str, list[tuple[int, pd.DataFrame]]] = {t: [] for t in TABLES}
        self.lookups: dict[str, list[tuple[int, pd.DataFrame]]] = {}
        self.issues: list[pd.DataFrame] = []
        self.warnings: list[InputWarning] = []
        self.used: set[str] = set()
        self._deals: list[tuple[int, str]] = []   # (slot, profile) of the files that gave deals

    def reserve(self) -> int:
        self.sources.append(None)
        return len(self.sources) - 1

    def add(self, read: TableRead, slot: int, *, source: SourceFile | None = None, data: bool = True) -> None:
        """A reading at its file's slot: its source entry (or `source`, a file's share of a
        group's reading) and, unless `data` is False (the group's data is added once), its data."""
        self.sources[slot] = source or read.source
        if read.profile is None:
            return
        self.used.add(read.profile.name)
        if read.reads_deals:
            self._deals.append((slot, read.profile.name))
        if not data:
            return
        for name, table in read.tables.items():
            self.parts[name].append((slot, table))
        for name, table in read.lookups.items():
            self.lookups.setdefault(name, []).append((slot, table))
        self.issues.extend(read.issues)
        self.warnings.extend(read.warnings)

    def ordered_sources(self) -> list[SourceFile]:
        return [s for s in self.sources if s is not None]

    @staticmethod
    def ordered(pieces: dict[str, list[tuple[int, pd.DataFrame]]]) -> dict[str, list[pd.DataFrame]]:
        """Each table's pieces in the order their files were read (a group at its first file)."""
        return {name: [frame for _slot, frame in sorted(found, key=lambda p: p[0])] for name, found in pieces.items()}

    def deals_profiles(self) -> list[str]:
        return [name for _slot, name in sorted(self._deals)]


def _read_group(group: Group, cfg: Config, out: _Gathered) -> None:
    """Read a group of small files with the same headers as one table (audit.ingest.batch)."""
    items = group.items
    if len(items) > 1:
        read = read_matched(merge(items), items[0].match, cfg)
        if splits_cleanly(read):
            out.add(read, items[0].slot)
            for n, item in enumerate(items):
                source, dropped = per_file(read, item)
                if dropped is not None:
                    out.issues.append(dropped)
                if n:
                    out.add(read, item.slot, source=source, data=False)
                else:
                    out.sources[item.slot] = source
                item.raw.frame = item.raw.frame.iloc[:0]
            return
    for item in items:  # one file, or a reading that does not split by file: file by file
        out.add(read_matched(item.raw, item.match, cfg), item.slot)


__all__ = ["load", "discover", "Loaded", "ROW_COLUMN"]
