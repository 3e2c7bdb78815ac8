"""Recognise a raw table (which CRM, which table) and turn it into a canonical one.

Detection compares the file's headers with every profile's table specs; the spec whose
identifying headers are all present and that maps the most columns wins (a CRM's own
profile before the generic one). Mapping renames, parses values by canonical kind
(recording what failed), runs the profile's finish step, then normalises enumerations.
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass, field, replace

import pandas as pd

from audit.model.config import Config
from audit.ingest.profiles import (
    BY_NAME,
    PROFILES,
    FinishContext,
    Profile,
    TableSpec,
    norm_header,
)
from audit.ingest.readers import ROW_COLUMN, RawTable
from audit.ingest.values import (
    clean_text,
    map_labels,
    parse_activity_type,
    parse_amount,
    parse_bool,
    parse_datetime,
)
from audit.model import PARSE_ISSUE_COLUMNS, SCHEMA
from audit.model.warnings import InputWarning

FILE_HELPER = "_file"  # each row's file when several small files are mapped as one (audit.ingest.batch)
ID_COLUMN = {"deals": "deal_id", "activities": "activity_id", "leads": "lead_id",
             "stage_history": "deal_id", "users": "user_id", "pipelines": "pipeline"}

DEAL_STATUS_RULES = [
    (r"^(closed\s*)?won$|^выигр|^успешн|сделка успешна|^success|^win$|^won\b|реализовано$", "won"),
    (r"^(closed\s*)?lost$|^проигр|^провал|не реализовано|^fail|^отказ|^lost\b|^lose", "lost"),
    (r"^open$|^открыт|в работе|in progress|^active|^process|^new$|^нов", "open"),
]
LEAD_STATUS_RULES = [
    (r"^converted$|сконверт|convert", "converted"),
    (r"^disqualified$|disqual|некачеств|junk|unqualif|not qualified|отказ|lost|spam", "disqualified"),
    (r"^qualified$|качеств|qualif", "qualified"),
    (r"^new$|^нов|not contacted|не обработан", "new"),
    (r"^working$|работ|contact|progress|attempt", "working"),
]
STAGE_KIND_RULES = [(r"won|успе|выигр", "won"), (r"lost|провал|проигр|отказ", "lost"), (r"open|открыт", "open")]


@dataclass
class Match:
    profile: Profile
    spec: TableSpec
    mapping: dict[str, str]            # frame column -> canonical (or helper) column
    source_headers: dict[str, str]     # frame column -> header as written
    unmapped: list[str]
    via_config: bool = False


@dataclass
class Mapped:
    """One raw table turned canonical (possibly several tables: amoCRM events)."""

    match: Match
    tables: dict[str, pd.DataFrame]
    issues: list[pd.DataFrame] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    warnings: list[InputWarning] = field(default_factory=list)
    parse_failures: dict[str, int] = field(default_factory=dict)


# -- detection -------------------------------------------------------------------------------------

def _config_aliases(cfg: Config, table: str) -> dict[str, str]:
    return {norm_header(h): c for h, c in cfg.columns.get(table, {}).items()}


def _forced_table(cfg: Config, raw: RawTable) -> str | None:
    for pattern, kind in cfg.files.items():
        name = raw.path.name
        if fnmatch.fnmatch(name, pattern) or fnmatch.fnmatch(str(raw.path), pattern) or (
                raw.sheet and fnmatch.fnmatch(f"{name}:{raw.sheet}", pattern)):
            return kind
    return None


def detect(raw: RawTable, cfg: Config, crm: str | None = None) -> Match | None:
    """The best (profile, table spec) for the raw table, or None."""
    forced = _forced_table(cfg, raw)
    if forced == "ignore":
        return None
    crm = (crm or cfg.crm or "auto").lower()
    profiles = PROFILES if crm == "auto" else (BY_NAME[crm], BY_NAME["generic"])
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
                required = {c.name for c in SCHEMA[spec.table] if c.required}
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
    other = detect(raw, cfg, "auto")
    if other is None:
        return f"not an export of {label}: its headers match none of its tables", None
    what = other.spec.label or other.spec.table
    return (f"not an export of {label} (the CRM was forced to {forced}): it reads as {other.profile.label} "
            f"{what}; leave the CRM out to detect it"), other.spec.table


# -- mapping and parsing ---------------------------------------------------------------------------

def map_table(raw: RawTable, match: Match, cfg: Config) -> Mapped:
    spec, profile = match.spec, match.profile
    kinds = {c.name: c.kind for c in SCHEMA[spec.table]}
    dayfirst = spec.dayfirst if spec.dayfirst is not None else profile.dayfirst
    frame = pd.DataFrame({ROW_COLUMN: raw.frame[ROW_COLUMN].to_numpy()}, index=raw.frame.index)
    if raw.row_files is not None:  # several files mapped as one: each row keeps its file (a helper)
        frame[FILE_HELPER] = raw.row_files
    issues: list[pd.DataFrame] = []
    failures: dict[str, int] = {}
    id_source = next((c for c, t in match.mapping.items() if t == ID_COLUMN.get(spec.table)), None)
    ids = raw.frame[id_source].astype("str").str.strip() if id_source else None
    pattern_kinds = [(re.compile(p, re.IGNORECASE), k) for p, k in spec.helper_patterns]
    for col, target in match.mapping.items():
        values = raw.frame[col]
        kind = kinds.get(target) if not target.startswith("_") else spec.helper_kinds.get(target) or next(
            (k for p, k in pattern_kinds if p.search(norm_header(match.source_headers[col]))), "text")
        if kind == "datetime":
            parsed, failed = parse_datetime(values, dayfirst=dayfirst)
        elif kind == "float":
            parsed, failed, currency = parse_amount(values)
            if target == "amount" and currency.notna().any() and "currency" not in match.mapping.values():
                frame["currency"] = currency
        elif kind == "bool":
            parsed, failed = parse_bool(values)
        else:
            parsed = clean_text(values)
            failed = None
        frame[target] = parsed
        if failed is not None and failed.any():
            failures[target] = int(failed.sum())
            issues.append(_issue_rows(raw, spec.table, target, match.source_headers[col], values, failed,
                                      ids, frame))
    if "closed_at" in frame.columns and "created_at" in frame.columns:
        frame["closed_at"] = _end_of_day_if_date_only(frame["closed_at"], frame["created_at"])
    won = frozenset(norm_header(s) for s in cfg.won_stages)
    lost = frozenset(norm_header(s) for s in cfg.lost_stages)
    finish_ctx = FinishContext(won, lost)
    tables = (spec.finish(frame, finish_ctx) if spec.finish else {spec.table: frame})
    warnings = [w if w.file else replace(w, file=raw.label) for w in finish_ctx.warnings]
    notes: list[str] = []
    for name, table in list(tables.items()):
        table, enum_issues, note = _normalize(name, table, raw, cfg)
        issues.extend(enum_issues)
        for issue in enum_issues:
            col = issue["column"].iloc[0]
            failures[col] = failures.get(col, 0) + len(issue)
        if note:
            notes.append(note)
        tables[name] = table
    dropped, dropped_note = dropped_issues(raw, spec.table)
    if dropped is not None:
        notes.append(dropped_note)
        issues.append(dropped)
    return Mapped(match=match, tables=tables, issues=issues, notes=notes, parse_failures=failures,
                  warnings=warnings)


def dropped_issues(raw: RawTable, table: str) -> tuple[pd.DataFrame | None, str | None]:
    """The lines of a file not read as records, as parse issues (HY08), and the source's note."""
    if not raw.dropped:
        return None, None
    note = f"{len(raw.dropped)} line(s) not read as records (wrong number of fields or report totals)"
    return pd.DataFrame({
        "table": table, "file": raw.label, "row": [r for r, _t in raw.dropped],
        "column": None, "source_column": None, "raw": [t[:500] for _r, t in raw.dropped], "entity_id": None,
    }), note


def _end_of_day_if_date_only(closed: pd.Series, created: pd.Series) -> pd.Series:
    """A close date without a time beside creation dates with times (Salesforce CloseDate and
    CreatedDate) means "that day": read it as the day's last second, so a deal created at 10:00
    and closed that day is not closed before it was created. Exports whose dates are all
    date-only keep them as they are."""
    if not pd.api.types.is_datetime64_any_dtype(closed.dtype) or not pd.api.types.is_datetime64_any_dtype(created.dtype):
        return closed
    known, made = closed.dropna(), created.dropna()
    if known.empty or (known != known.dt.normalize()).any() or not (made != made.dt.normalize()).any():
        return closed
    return closed + pd.Timedelta(days=1) - pd.Timedelta(seconds=1)


def _issue_rows(raw: RawTable, table: str, column: str, source_column: str | None, values: pd.Series,
                failed: pd.Series, ids: pd.Series | None, frame: pd.DataFrame) -> pd.DataFrame:
    idx = failed[failed].index
    # Rows of several files mapped as one carry their own file (audit.ingest.batch).
    files = frame.loc[idx, FILE_HELPER].to_numpy() if FILE_HELPER in frame.columns else raw.label
    return pd.DataFrame({
        "table": table, "file": files, "row": frame.loc[idx, ROW_COLUMN].to_numpy(), "column": column,
        "source_column": source_column, "raw": values.loc[idx].astype("str").to_numpy(),
        "entity_id": ids.loc[idx].to_numpy() if ids is not None else None,
    })[list(PARSE_ISSUE_COLUMNS)]


def _normalize(name: str, table: pd.DataFrame, raw: RawTable, cfg: Config
               ) -> tuple[pd.DataFrame, list[pd.DataFrame], str | None]:
    """Enumerations to canonical values, missing ids synthesised, helpers dropped."""
    table = table.copy()
    issues = []
    note = None
    id_col = ID_COLUMN.get(name)
    ids = table[id_col].astype("str") if id_col in table.columns else None
    rules = {("deals", "status"): (DEAL_STATUS_RULES, None), ("leads", "status"): (LEAD_STATUS_RULES, None),
             ("pipelines", "kind"): (STAGE_KIND_RULES, "open")}
    for (tname, col), (rule, default) in rules.items():
        if tname == name and col in table.columns:
            canonical = set(_allowed(tname, col))
            current = table[col]
            already = current.isin(canonical)
            if already.all():
                continue
            mapped, failed = map_labels(current.where(~already), rule, default=default)
            table[col] = current.where(already, mapped)
            if failed.any():
                issues.append(_issue_rows(raw, name, col, col, current, failed, ids, table))
    if name == "deals" and "stage" in table.columns and (
            "status" not in table.columns or table["status"].isna().all()):
        # No status column: final stages by name (config's won/lost stages first).
        won = {norm_header(x) for x in cfg.won_stages}
        lost = {norm_header(x) for x in cfg.lost_stages}
        from audit.ingest.profiles.base import stage_status
        by_config = stage_status(table["stage"], frozenset(won), frozenset(lost))
        by_name, _ = map_labels(table["stage"], DEAL_STATUS_RULES[:2], default="open")
        table["status"] = by_config.fillna(by_name)
    if name == "activities" and "type" in table.columns:
        known = table["type"].isin(["call", "email", "meeting", "message", "task", "note", "other"])
        if not known.all():
            mapped, _ = parse_activity_type(table["type"].where(~known))
            table["type"] = table["type"].where(known, mapped)
    if name == "deals" and ("deal_id" not in table.columns or table["deal_id"].isna().all()):
        table["deal_id"] = raw.path.stem + ":" + table[ROW_COLUMN].astype(str)
        note = "no deal id column: ids made from file name and row number"
    return table, issues, note


def _allowed(table: str, col: str) -> tuple[str, ...]:
    from audit.model import DEAL_STATUSES, LEAD_STATUSES, STAGE_KINDS
    return {("deals", "status"): DEAL_STATUSES, ("leads", "status"): LEAD_STATUSES,
            ("pipelines", "kind"): STAGE_KINDS}[(table, col)]


def empty_issues() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object) for c in PARSE_ISSUE_COLUMNS})


def drop_helpers(frame: pd.DataFrame) -> pd.DataFrame:
    return frame[[c for c in frame.columns if not c.startswith("_") or c == ROW_COLUMN]]

