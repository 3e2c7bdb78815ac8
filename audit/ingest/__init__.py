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
from audit.ingest.mapping import read_table
from audit.ingest.profiles import CRM_CHOICES, PROFILES
from audit.ingest.readers import ROW_COLUMN, SUPPORTED_SUFFIXES, read_file
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
    sources: list[SourceFile] = []
    parts: dict[str, list[pd.DataFrame]] = {t: [] for t in TABLES}
    exported: dict[str, list[frozenset[str]]] = {t: [] for t in TABLES}
    origins: dict[str, list[tuple[str, int]]] = {t: [] for t in TABLES}
    lookups: dict[str, list[pd.DataFrame]] = {}
    issues: list[pd.DataFrame] = []
    warnings: list[InputWarning] = []
    deals_profiles: list[str] = []
    used: set[str] = set()
    for file in files:
        say(f"reading {file.name}")
        raws = read_file(file, encoding)
        for raw in raws:
            read = read_table(raw, cfg, crm, named_alone=file.resolve() in named and len(raws) == 1)
            sources.append(read.source)
            if read.profile is None:
                continue
            used.add(read.profile.name)
            for name, table in read.tables.items():
                parts[name].append(table)
                exported[name].append(read.exported.get(name, frozenset()))
                origins[name].append((read.origin, len(table)))
            for name, table in read.lookups.items():
                lookups.setdefault(name, []).append(table)
            issues.extend(read.issues)
            warnings.extend(read.warnings)
            if read.reads_deals:
                deals_profiles.append(read.profile.name)
    if not parts["deals"]:
        recognised = [s for s in sources if s.table]
        what = (f"found only {', '.join(sorted({s.table for s in recognised}))}" if recognised
                else "no file was recognised")
        target = paths[0] if len(paths) == 1 else ", ".join(str(p) for p in paths)
        raise InputError(f"no deals export found ({what})", path=target,
                         hint="deals need an id, a stage and a creation date; map other headers in "
                              "crm-audit.toml [columns.deals]")
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


__all__ = ["load", "discover", "Loaded", "ROW_COLUMN"]
