"""Recognise a raw table (which CRM, which table) and turn it into canonical ones, in one pass.

Detection compares the file's headers with every profile's table specs; the spec whose
identifying headers are all present and that maps the most columns wins (a CRM's own
profile before the generic one). `read_table` then maps it (audit.ingest.canonical) and
records what it saw for `inspect` and the reports: one call per raw table, or `recognise`
then `read_matched` when small files are gathered first (audit.ingest.batch).
"""

from __future__ import annotations

import fnmatch
import logging
import re
from dataclasses import dataclass, field

import pandas as pd

from audit.ingest.canonical import Match, Mapped, drop_helpers, map_table
from audit.ingest.profiles import BY_NAME, CALL_LOGS, PROFILES, Profile, TableSpec, norm_header
from audit.ingest.rawtable import ROW_COLUMN, RawTable, text_columns
from audit.ingest.unread import refuse_unread_deals
from audit.model import SCHEMA, SourceFile
from audit.model.config import Config
from audit.model.errors import InputError
from audit.model.warnings import InputWarning

log = logging.getLogger("crm_audit")
LOOKUP = "lookup"  # SourceFile.table of a file read only to resolve ids in others


@dataclass
class TableRead:
    """What one raw table became: the line `inspect` shows for it and, when it was recognised,
    its canonical tables, the lookup tables it set aside, and what could not be parsed."""

    source: SourceFile
    profile: Profile | None = None
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    lookups: dict[str, pd.DataFrame] = field(default_factory=dict)
    issues: list[pd.DataFrame] = field(default_factory=list)
    warnings: list[InputWarning] = field(default_factory=list)
    reads_deals: bool = False
    exported: dict[str, frozenset[str]] = field(default_factory=dict)  # see canonical.Mapped
    origin: str = ""  # the file (file[sheet]) the tables came from, for warnings per file
    notes: list[str] = field(default_factory=list)  # what mapping noticed (beyond the profile's name)


def read_table(raw: RawTable, cfg: Config, crm: str | None = None, *, named_alone: bool = False) -> TableRead:
    """Detect, map and record one raw table. `named_alone`: the user named this very file and it
    is the file's only table, so a file we cannot read deserves a word on stderr."""
    match, unread = recognise(raw, cfg, crm, named_alone=named_alone)
    return unread if match is None else read_matched(raw, match, cfg)


def recognise(raw: RawTable, cfg: Config, crm: str | None = None, *, named_alone: bool = False,
              seen: dict | None = None) -> tuple[Match | None, TableRead | None]:
    """(the match, None) for a table some profile reads, else (None, its entry for `inspect`).
    `seen` caches detection by header row: 5,000 files of one layout are recognised once. A
    deals export that cannot be read, or not quite (no stage column, another CRM than the one
    forced), raises InputError."""
    # A call log without a header row was named after its layout when it was read.
    forced = forced_table(cfg, raw) or ("calls" if raw.layout else None)
    if forced == "ignore":
        return None, TableRead(_unread(raw, "ignored ([files] in crm-audit.toml)"))
    key = (tuple(raw.headers), tuple(raw.frame.columns), forced)
    if seen is not None and key in seen:
        match = seen[key]
    else:
        match = detect(raw, cfg, crm, forced=forced)
        if seen is not None:
            seen[key] = match
    if match is None:
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
        return None, TableRead(_unread(raw, note))
    if match.spec.table == "deals":
        refuse_unread_deals(raw, len(raw.frame))
    return match, None


def read_matched(raw: RawTable, match: Match, cfg: Config) -> TableRead:
    """Map a recognised raw table and record it."""
    mapped = map_table(text_columns(raw), match, cfg)
    rows_read = len(raw.frame)
    raw.frame = raw.frame.iloc[:0]  # the text is in the canonical tables now: free it
    return TableRead(
        source=_source(raw, mapped, rows_read), profile=match.profile,
        tables={name: drop_helpers(t) for name, t in mapped.tables.items()}, lookups=mapped.lookups,
        issues=mapped.issues, warnings=[*mapped.warnings, *_left_out(raw, mapped, rows_read)],
        reads_deals=match.spec.table == "deals" or "deals" in mapped.tables, exported=mapped.exported,
        origin=raw.label, notes=list(mapped.notes))


def _left_out(raw: RawTable, mapped: Mapped, rows_read: int) -> list[InputWarning]:
    """Rows of a file the profile did not keep (rows of no deal, deleted, not done ...). A profile
    that says itself what it left out, and why, speaks for the file; otherwise the count is said
    here, so nothing is dropped without a word. Files that become several tables (an events log)
    keep only the events that mean something, by design, and are not counted."""
    if len(mapped.tables) != 1 or any(w.file == raw.label for w in mapped.warnings):
        return []
    (table, frame), = mapped.tables.items()
    kept = len(frame)
    if kept >= rows_read:
        return []
    n = rows_read - kept
    label = f"{mapped.match.profile.label} {mapped.match.spec.label or table}"
    return [InputWarning(
        "rows-left-out",
        f"{n:,} of {rows_read:,} rows were left out on reading ({label} keeps only the rows it can use as "
        f"{table.replace('_', ' ')}): the audit sees {kept:,}",
        f"при чтении отброшено строк: {n} из {rows_read} ({label}: используются только строки, пригодные как "
        f"{TABLE_AS_RU.get(table, table)}); в аудит попало {kept}",
        file=raw.label, numbers={"table": table, "rows_read": rows_read, "kept": kept, "left_out": n})]


TABLE_AS_RU = {"deals": "сделки", "activities": "активности", "stage_history": "история этапов", "leads": "лиды",
               "users": "пользователи", "pipelines": "воронки"}


def _unread(raw: RawTable, note: str) -> SourceFile:
    return SourceFile(path=str(raw.path), table=None, crm=None, rows=len(raw.frame), encoding=raw.encoding,
                      delimiter=raw.delimiter, sheet=raw.sheet, header_row=raw.header_row, sha256=raw.digest(),
                      unmapped=tuple(raw.file_headers or raw.headers), note=note)


def _source(raw: RawTable, mapped: Mapped, rows: int) -> SourceFile:
    match = mapped.match
    header_of = match.source_headers
    if mapped.tables:
        table = "+".join(mapped.tables)
        # Contact phones read beside the deals are not rows of the file.
        counted = [t for name, t in mapped.tables.items() if name != "contact_points"]
        rows = sum(len(t) for t in counted) if len(counted) > 1 else rows
    else:
        table = LOOKUP if mapped.lookups or match.spec.table == LOOKUP else match.spec.table
    label = match.spec.label or match.spec.table
    notes = [f"{match.profile.label} {label}"] + ([raw.layout] if raw.layout else []) + mapped.notes
    if match.via_config:
        notes.append("columns mapped by crm-audit.toml")
    # A lookup file's columns are all helpers, and so are most of a call log's: show what each one
    # is read as.
    shown = table in (LOOKUP, "calls")
    mapping = {header_of[c]: t.lstrip("_") for c, t in match.mapping.items() if shown or not t.startswith("_")}
    # A repeated header (amoCRM's second "Источник") is listed once: as mapped when one of its
    # columns is, else as unmapped.
    unmapped = tuple(dict.fromkeys(header_of[c] for c in match.unmapped if header_of[c] not in mapping))
    if raw.unread_headers:  # columns the reader left unread are unmapped too, in the file's order
        listed = set(unmapped) | set(raw.unread_headers)
        unmapped = tuple(dict.fromkeys(h for h in raw.file_headers or () if h in listed and h not in mapping))
    return SourceFile(
        path=str(raw.path), table=table, crm=match.profile.name, rows=rows,
        encoding=raw.encoding, delimiter=raw.delimiter, sheet=raw.sheet, header_row=raw.header_row,
        sha256=raw.digest(), mapping=mapping, unmapped=unmapped,
        parse_failures=dict(mapped.parse_failures), note="; ".join(notes),
    )


# -- detection -------------------------------------------------------------------------------------

def _config_aliases(cfg: Config, table: str) -> dict[str, str]:
    return {norm_header(h): c for h, c in cfg.columns.get(table, {}).items()}


def forced_table(cfg: Config, raw: RawTable) -> str | None:
    for pattern, kind in cfg.files.items():
        name = raw.path.name
        if fnmatch.fnmatch(name, pattern) or fnmatch.fnmatch(str(raw.path), pattern) or (
                raw.sheet and fnmatch.fnmatch(f"{name}:{raw.sheet}", pattern)):
            return kind
    return None


def detect(raw: RawTable, cfg: Config, crm: str | None = None, *, forced: str | None = None) -> Match | None:
    """The best (profile, table spec) for the raw table, or None. `forced`: the table kind
    `[files]` in crm-audit.toml names for it (see `forced_table`)."""
    crm = (crm or cfg.crm or "auto").lower()
    profiles = (*(PROFILES if crm == "auto" else (BY_NAME[crm], BY_NAME["generic"])), *CALL_LOGS)
    columns = [c for c in raw.frame.columns if c != ROW_COLUMN]
    headers = dict(zip(columns, raw.headers))
    normalized = {c: norm_header(h) for c, h in headers.items()}
    present = set(normalized.values())
    best: tuple | None = None
    for rank, profile in enumerate(profiles):
        for spec in profile.tables:
            if forced and spec.table != forced:
                continue
            aliases = _config_aliases(cfg, spec.table)
            groups = spec.key_groups()
            key_hits = sum(1 for g in groups if g & present)
            via_config = bool(aliases) and bool(set(aliases) & present)
            full = key_hits == len(groups)
            # A file recognised only through the config's mapping is read as canonical columns:
            # no CRM's conventions (system stages, flags) apply to it.
            if not full and (not (via_config or forced) or profile.name != "generic"):
                continue
            if any(norm_header(x) in present for x in spec.exclude) and not via_config:
                continue
            mapping, unmapped = _map_columns(columns, normalized, spec, aliases)
            if via_config or forced:
                canonical = set(mapping.values())
                required = {c.name for c in SCHEMA.get(spec.table, ()) if c.required}
                # Without the CRM's identifying headers the config must cover the essentials.
                if key_hits < len(groups) and not (required - {"deal_id", "lead_id"}) <= canonical:
                    continue
            score = (full or via_config, len(mapping), key_hits, -rank)
            if best is None or score > best[0]:
                best = (score, Match(profile, spec, mapping, headers, unmapped, via_config))
    return best[1] if best else None


def _map_columns(columns: list[str], normalized: dict[str, str], spec: TableSpec,
                 aliases: dict[str, str]) -> tuple[dict[str, str], list[str]]:
    spec_columns = spec.normalized_columns()
    mapping: dict[str, str] = {}
    taken: set[str] = set()
    unmapped: list[str] = []
    patterns = [(re.compile(p, re.IGNORECASE), kind) for p, kind in spec.helper_patterns]
    # Config aliases first (the user knows best), then the profile's own names in its order.
    for source in (aliases, spec_columns):
        for col in columns:
            if col in mapping:
                continue
            target = source.get(normalized[col])
            if target and target not in taken:
                mapping[col] = target
                taken.add(target)
    for col in columns:
        if col in mapping:
            continue
        if any(p.search(normalized[col]) for p, _k in patterns):
            mapping[col] = "_" + col
            continue
        unmapped.append(col)
    return mapping, unmapped


def near_miss_deals(raw: RawTable, crm: str | None = None) -> str | None:
    """A file that looks like a deals export but lacks the stage column: name what is missing.
    With a forced CRM only that CRM's deals export is considered (never another CRM's name)."""
    present = {norm_header(h) for h in raw.headers}
    forced = (crm or "auto").lower()
    for profile in (PROFILES if forced == "auto" else (BY_NAME[forced],)):
        for spec in profile.tables:
            if spec.table != "deals":
                continue
            groups = spec.key_groups()
            stage_names = {h for h, c in spec.normalized_columns().items() if c == "stage"}
            missing = [g for g in groups if not g & present]
            if len(missing) == 1 and missing[0] & stage_names and len(groups) >= 2:
                wanted = [h for h, c in spec.columns.items() if c == "stage"][:3]
                return (f"looks like a deals export ({profile.label}) but has no stage column "
                        f"(expected one of: {', '.join(wanted)}; or map it in crm-audit.toml [columns.deals])")
    return None


def not_the_forced_crm(raw: RawTable, cfg: Config, crm: str | None) -> tuple[str, str | None] | None:
    """When a CRM is forced (--crm X, [input] crm) and the file is not X's: (a sentence saying it
    is not an X export and what it reads as without the forcing, that table or None)."""
    forced = (crm or cfg.crm or "auto").lower()
    if forced in ("auto", "generic"):
        return None
    label = BY_NAME[forced].label
    other = detect(raw, cfg, "auto", forced=forced_table(cfg, raw))
    if other is None:
        return f"not an export of {label}: its headers match none of its tables", None
    what = other.spec.label or other.spec.table
    return (f"not an export of {label} (the CRM was forced to {forced}): it reads as {other.profile.label} "
            f"{what}; leave the CRM out to detect it"), other.spec.table
