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

import numpy as np
import pandas as pd

from audit.model.config import Config
from audit.model.errors import InputError
from audit.ingest.batch import FLUSH_ROWS, Group, Pending, group_key, merge, per_file
from audit.ingest.mapping import (
    Mapped,
    Match,
    _forced_table,
    detect,
    drop_helpers,
    dropped_issues,
    empty_issues,
    map_table,
    near_miss_deals,
    not_the_forced_crm,
)
from audit.ingest.unread import refuse_empty_deals, refuse_unread_deals
from audit.ingest.readers import ROW_COLUMN, SUPPORTED_SUFFIXES, NotAnExport, RawTable, read_file, text_columns
from audit.model import TABLES, CrmData, SourceFile
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
    cfg = cfg or Config()
    say = progress or (lambda _m: None)
    encoding = encoding or cfg.encoding
    files = discover(paths)
    named = {Path(p).resolve() for p in paths if Path(p).is_file()}
    out = _Gathered()
    groups: dict[tuple, Group] = {}
    detected: dict[tuple, Match | None] = {}  # a header row is recognised once, however many files have it
    for file in files:
        say(f"reading {file.name}")
        try:
            raws = read_file(file, encoding, cfg.limits, text_as_objects=True)
        except NotAnExport as skipped:  # a crm-audit report left in the export folder
            log.info("%s: %s", file, skipped.note)
            out.sources.append(SourceFile(path=str(file), table=None, note=skipped.note))
            continue
        for raw in raws:
            key = (tuple(raw.headers), tuple(raw.frame.columns), _forced_table(cfg, raw))
            if key not in detected:
                detected[key] = detect(raw, cfg, crm)
            match = detected[key]
            if match is None:
                out.sources.append(_unrecognised(raw, cfg, crm, named_alone=file.resolve() in named and len(raws) == 1))
                continue
            rows_read = len(raw.frame)
            if match.spec.table == "deals":
                refuse_unread_deals(raw, rows_read)
            pending = Pending(raw, match, out.reserve(), rows_read)
            gkey = group_key(raw, match)
            if gkey is None:
                out.take(map_table(text_columns(raw), match, cfg), pending)
                continue
            group = groups.setdefault(gkey, Group())
            group.items.append(pending)
            group.rows += rows_read
            if group.rows >= FLUSH_ROWS:
                _map_group(groups.pop(gkey), cfg, out)
    for group in groups.values():
        _map_group(group, cfg, out)
    sources, parts, issues, warnings = out.ordered_sources(), out.ordered_parts(), out.issues, out.warnings
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
    tables = {name: _concat(frames) for name, frames in parts.items() if frames}
    tables = _resolve_users(tables)
    if "stage_history" in tables:
        tables["stage_history"] = _fill_from_stage(tables["stage_history"])
    if cfg.pipelines and "pipelines" not in tables:
        tables["pipelines"] = _declared_pipelines(cfg)
    parse_issues = pd.concat(issues, ignore_index=True) if issues else empty_issues()
    data = CrmData.build(parse_issues=parse_issues, clean_text=False, **tables)
    crm_name = deals_profiles[0] if deals_profiles else None
    return Loaded(crm=data, sources=tuple(sources), crm_name=crm_name, warnings=tuple(warnings))


class _Gathered:
    """What the files gave, kept in reading order although small files are mapped in groups."""

    def __init__(self) -> None:
        self.sources: list[SourceFile | None] = []
        self.parts: dict[str, list[tuple[int, pd.DataFrame]]] = {t: [] for t in TABLES}
        self.issues: list[pd.DataFrame] = []
        self.warnings: list[InputWarning] = []
        self._deals: list[tuple[int, str]] = []   # (slot, profile) of the files that gave deals

    def reserve(self) -> int:
        self.sources.append(None)
        return len(self.sources) - 1

    def take(self, mapped: Mapped, item: Pending) -> None:
        """One file's mapping: its tables, issues, warnings and source entry."""
        self.add_tables(mapped, item.slot)
        self.add_source(mapped, item)
        item.raw.frame = item.raw.frame.iloc[:0]  # the text is in the canonical tables now: free it

    def add_tables(self, mapped: Mapped, slot: int) -> None:
        for name, table in mapped.tables.items():
            self.parts[name].append((slot, drop_helpers(table)))
        self.issues.extend(mapped.issues)
        self.warnings.extend(mapped.warnings)

    def add_source(self, mapped: Mapped, item: Pending) -> None:
        if item.match.spec.table == "deals" or "deals" in mapped.tables:
            self._deals.append((item.slot, item.match.profile.name))
        self.sources[item.slot] = _source(item.raw, mapped, rows=item.rows)

    def ordered_sources(self) -> list[SourceFile]:
        return [s for s in self.sources if s is not None]

    def ordered_parts(self) -> dict[str, list[pd.DataFrame]]:
        """Each table's pieces in the order their files were read (a group at its first file)."""
        return {name: [frame for _slot, frame in sorted(pieces, key=lambda p: p[0])]
                for name, pieces in self.parts.items()}

    def deals_profiles(self) -> list[str]:
        return [name for _slot, name in sorted(self._deals)]


def _map_group(group: Group, cfg: Config, out: _Gathered) -> None:
    """Map a group of small files with the same headers as one table (audit.ingest.batch)."""
    items = group.items
    if len(items) > 1:
        mapped = map_table(merge(items), items[0].match, cfg)
        if len(mapped.tables) == 1:
            out.add_tables(mapped, items[0].slot)
            for item in items:
                dropped, note = dropped_issues(item.raw, item.match.spec.table)
                if dropped is not None:
                    out.issues.append(dropped)
                out.add_source(per_file(mapped, item, dropped, note), item)
                item.raw.frame = item.raw.frame.iloc[:0]
            return
    for item in items:  # one file, or a profile that makes several tables of one: file by file
        out.take(map_table(text_columns(item.raw), item.match, cfg), item)


def _unrecognised(raw: RawTable, cfg: Config, crm: str | None, *, named_alone: bool) -> SourceFile:
    """The source entry of a file no profile reads; an error when it is a deals export that is
    not quite right (no stage column) or belongs to another CRM than the one forced."""
    if _ignored(cfg, raw):
        return _source(raw, None, note="ignored ([files] in crm-audit.toml)")
    miss = near_miss_deals(raw, crm or cfg.crm)
    if miss:
        raise InputError(miss, path=raw.label)
    not_forced, reads_as = not_the_forced_crm(raw, cfg, crm) or (None, None)
    if reads_as == "deals":  # the run would end in "no deals export found" otherwise
        raise InputError(not_forced, path=raw.label)
    note = not_forced or "not recognised as a CRM table (headers: " + ", ".join(raw.headers[:6]) + (
        ", ..." if len(raw.headers) > 6 else "") + ")"
    if named_alone:
        log.warning("%s: %s", raw.label, note)
    return _source(raw, None, None, note=note)


def _ignored(cfg: Config, raw: RawTable) -> bool:
    return _forced_table(cfg, raw) == "ignore"


def _concat(frames: list[pd.DataFrame]) -> pd.DataFrame:
    return frames[0] if len(frames) == 1 else pd.concat(frames, ignore_index=True)


def _source(raw: RawTable, mapped: Mapped | None, table: str | None = None, note: str | None = None,
            rows: int | None = None) -> SourceFile:
    if mapped is None:
        return SourceFile(path=str(raw.path), table=table, crm=None, rows=len(raw.frame),
                          encoding=raw.encoding, delimiter=raw.delimiter, sheet=raw.sheet,
                          header_row=raw.header_row, sha256=raw.sha256, unmapped=tuple(raw.headers), note=note)
    match = mapped.match
    header_of = match.source_headers
    tables = "+".join(mapped.tables) if len(mapped.tables) > 1 else next(iter(mapped.tables), match.spec.table)
    label = match.spec.label or match.spec.table
    notes = [f"{match.profile.label} {label}"] + mapped.notes
    if match.via_config:
        notes.append("columns mapped by crm-audit.toml")
    return SourceFile(
        path=str(raw.path), table=tables, crm=match.profile.name,
        rows=sum(len(t) for t in mapped.tables.values()) if len(mapped.tables) > 1 else rows,
        encoding=raw.encoding, delimiter=raw.delimiter, sheet=raw.sheet, header_row=raw.header_row,
        sha256=raw.sha256,
        mapping={header_of[c]: t for c, t in match.mapping.items() if not t.startswith("_")},
        unmapped=tuple(header_of[c] for c in match.unmapped),
        parse_failures=dict(mapped.parse_failures), note="; ".join(notes),
    )


def _resolve_users(tables: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """Exports that carry user ids (Salesforce OwnerId) get names from the users table."""
    users = tables.get("users")
    if users is None or "user_id" not in users.columns:
        return tables
    names = users.dropna(subset=["user_id", "owner"]).drop_duplicates("user_id").set_index("user_id")["owner"]
    if names.empty:
        return tables
    for name, cols in {"deals": ("owner", "created_by"), "activities": ("owner",), "leads": ("owner",),
                       "stage_history": ("changed_by",)}.items():
        table = tables.get(name)
        if table is None:
            continue
        for col in cols:
            if col in table.columns:
                table[col] = table[col].map(names).fillna(table[col]) if table[col].isin(names.index).any() \
                    else table[col]
    return tables


def _fill_from_stage(history: pd.DataFrame) -> pd.DataFrame:
    """Exports that store only the stage moved to get from_stage from the deal's previous row
    (previous in time; the table keeps its file order)."""
    if "from_stage" in history.columns and history["from_stage"].notna().all():
        return history
    # Order by integer codes, not id strings (many times faster), and move one column only.
    import pyarrow as pa
    import pyarrow.compute  # noqa: F401 (pa.compute)
    deal_codes, _ = pd.factorize(history["deal_id"])
    times = history["changed_at"].to_numpy(dtype="datetime64[us]").astype("int64")
    order = np.lexsort((times, deal_codes))
    sorted_codes = deal_codes[order]
    same_deal = np.r_[False, sorted_codes[1:] == sorted_codes[:-1]]
    stages = pa.array(history["to_stage"].astype(object).where(history["to_stage"].notna(), None).tolist()
                      if getattr(history["to_stage"].array, "_pa_array", None) is None
                      else history["to_stage"].array._pa_array.combine_chunks())
    shifted = pa.concat_arrays([pa.nulls(1, stages.type), stages.take(order[:-1])]) if len(order) else stages
    previous_sorted = pa.compute.if_else(pa.array(same_deal), shifted, pa.nulls(len(order), stages.type))
    inverse = np.empty_like(order)
    inverse[order] = np.arange(len(order))
    previous = pd.Series(pd.array(previous_sorted.take(inverse), dtype="str"), index=history.index)
    history = history.copy()
    if "from_stage" in history.columns:
        history["from_stage"] = history["from_stage"].fillna(previous)
    else:
        history["from_stage"] = previous
    return history


def _declared_pipelines(cfg: Config) -> pd.DataFrame:
    rows = [{"pipeline": name, "stage": stage, "order": i + 1, "kind": "open"}
            for name, stages in cfg.pipelines.items() for i, stage in enumerate(stages)]
    return pd.DataFrame(rows, columns=["pipeline", "stage", "order", "kind"])


__all__ = ["load", "discover", "Loaded", "ROW_COLUMN"]
