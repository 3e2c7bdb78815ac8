"""Turn a recognised raw table into canonical ones: rename, parse values by canonical kind
(recording what failed), run the profile's finish step, then normalise enumerations.
"""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace

import pandas as pd

from audit.ingest.profiles import FinishContext, Profile, TableSpec, norm_header
from audit.ingest.rawtable import ROW_COLUMN, RawTable
from audit.ingest.values import (
    clean_text,
    map_labels,
    parse_activity_type,
    parse_amount,
    parse_bool,
)
from audit.ingest.dates import file_day_order, parse_datetime
from audit.model import ACTIVITY_TYPES, PARSE_ISSUE_COLUMNS, SCHEMA
from audit.model.tables import LABEL_COLUMNS, as_labels, take
from audit.model.config import Config
from audit.model.warnings import InputWarning

FILE_HELPER = "_file"  # each row's file when several small files are mapped as one (audit.ingest.batch)
ID_COLUMN = {"deals": "deal_id", "activities": "activity_id", "leads": "lead_id",
             "stage_history": "deal_id", "users": "user_id", "pipelines": "pipeline", "calls": "call_id",
             "contact_points": "deal_id"}

# Labels of an exported status column (stage names are read by profiles.status).
DEAL_STATUS_RULES = [
    (r"^(closed\s*)?won$|^выигр|^успешн|сделка успешна|^success|^win$|^won\b|(?<!не )реализовано$", "won"),
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
    lookups: dict[str, pd.DataFrame] = field(default_factory=dict)  # set aside for the assemble step
    # Per output table, the canonical columns that came straight from an export header: they
    # count as provided even when empty. Columns a profile made up count only with a value.
    exported: dict[str, frozenset[str]] = field(default_factory=dict)


# -- mapping and parsing ---------------------------------------------------------------------------

def map_table(raw: RawTable, match: Match, cfg: Config) -> Mapped:
    spec, profile = match.spec, match.profile
    kinds = {c.name: c.kind for c in SCHEMA.get(spec.table, ())}
    dayfirst = spec.dayfirst if spec.dayfirst is not None else profile.dayfirst
    frame = pd.DataFrame({ROW_COLUMN: raw.frame[ROW_COLUMN].to_numpy()}, index=raw.frame.index)
    if raw.row_files is not None:  # several files mapped as one: each row keeps its file (a helper)
        frame[FILE_HELPER] = raw.row_files
    issues: list[pd.DataFrame] = []
    failures: dict[str, int] = {}
    id_source = next((c for c, t in match.mapping.items() if t == ID_COLUMN.get(spec.table)), None)
    ids = raw.frame[id_source].astype("str").str.strip() if id_source else None
    pattern_kinds = [(re.compile(p, re.IGNORECASE), k) for p, k in spec.helper_patterns]
    column_kinds = {col: kinds.get(target) if not target.startswith("_") else spec.helper_kinds.get(target) or next(
        (k for p, k in pattern_kinds if p.search(norm_header(match.source_headers[col]))), "text")
        for col, target in match.mapping.items()}
    # The file's own unambiguous dates decide its ambiguous ones, before the profile's convention.
    evidence = file_day_order([raw.frame[c] for c, k in column_kinds.items() if k == "datetime"])
    dayfirst = dayfirst if evidence is None else evidence
    columns = list(match.mapping.items())
    labels = early_labels(spec, profile)
    parsed_columns = _parse_columns([raw.frame[c] for c, _t in columns],
                                    ["label" if t in labels else column_kinds[c] for c, t in columns], dayfirst)
    for (col, target), (parsed, failed, currency) in zip(columns, parsed_columns):
        values = raw.frame[col]
        if currency is not None and target == "amount" and currency.notna().any() \
                and "currency" not in match.mapping.values():
            frame["currency"] = currency
        frame[target] = parsed
        if failed is not None and failed.any():
            failures[target] = int(failed.sum())
            issues.append(_issue_rows(raw, spec.table, target, match.source_headers[col], values, failed,
                                      ids, frame))
    if "closed_at" in frame.columns and "created_at" in frame.columns:
        frame["closed_at"] = end_of_period(frame["closed_at"], frame["created_at"])
    # Every value is parsed: the file's text (dates, amounts, the columns no profile maps) is
    # let go before the finish step copies rows, not after (amoCRM's events list: 9M rows, 2.8 GB
    # of text at a million deals). Text columns that were clean are shared with `frame` and stay.
    raw.frame = raw.frame[[ROW_COLUMN]]
    finish_ctx = finish_context(cfg, profile)
    tables = (spec.finish(frame, finish_ctx) if spec.finish else {spec.table: frame})
    warnings = [w if w.file else replace(w, file=raw.label) for w in finish_ctx.warnings]
    notes: list[str] = list(finish_ctx.notes)
    for name, table in list(tables.items()):
        if name == "deals" and ("deal_id" not in table.columns or table["deal_id"].isna().all()):
            warnings.append(_no_deal_ids(raw.label, len(table)))
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
    from_headers = {t for t in match.mapping.values() if not t.startswith("_")}
    exported = {name: frozenset(from_headers & set(table.columns)) if name == spec.table else frozenset()
                for name, table in tables.items()}
    return Mapped(match=match, tables=tables, issues=issues, notes=notes, parse_failures=failures,
                  warnings=warnings, lookups={k: v.assign(_file=raw.label) for k, v in finish_ctx.lookups.items()},
                  exported=exported)


def early_labels(spec: TableSpec, profile: Profile) -> frozenset[str]:
    """The label columns (audit.model.tables.LABEL_COLUMNS) of this table encoded as it is
    parsed, each column's text dropped as soon as it is read: at a million deals the activities'
    five labels are 750 MB of Arrow text, held until the canonical tables were built and the
    encoding done there. Only where no finish or assemble step of the profile edits the table
    (they fill and compare these columns as text); the others are encoded at the build."""
    if spec.finish is not None or profile.assemble is not None:
        return frozenset()
    return frozenset(LABEL_COLUMNS.get(spec.table, ()))


PARALLEL_ROWS = 100_000  # tables this long have their columns parsed on two threads


def _parse_columns(columns: list[pd.Series], kinds: list[str], dayfirst: bool | None) -> list[tuple]:
    """(parsed, failed or None, currency or None) per column. The parsers run Arrow's kernels,
    which release the GIL: a long table's columns are parsed two at a time (the results, and
    everything done with them, keep the columns' order)."""
    def parse(job: tuple[pd.Series, str]) -> tuple:
        values, kind = job
        if kind == "datetime":
            return (*parse_datetime(values, dayfirst=dayfirst), None)
        if kind == "float":
            return parse_amount(values)
        if kind == "bool":
            return (*parse_bool(values), None)
        if kind == "label":
            return as_labels(clean_text(values)), None, None
        if kind == "raw":  # text the profile's finish step cleans itself (per distinct value)
            return values, None, None
        return clean_text(values), None, None
    jobs = list(zip(columns, kinds))
    if len(jobs) > 1 and len(columns[0]) >= PARALLEL_ROWS:
        with ThreadPoolExecutor(max_workers=2) as pool:
            return list(pool.map(parse, jobs))
    return [parse(job) for job in jobs]


def _no_deal_ids(label: str, rows: int) -> InputWarning:
    """A deals export without its ids (a saved view, Zoho's Potentials without POTENTIALID): the
    deals are numbered by row, so nothing exported beside them can name one."""
    return InputWarning(
        "deal-ids-missing",
        "the deals export has no deal id column: its deals are numbered by row, so no activity or stage-history "
        "row can link to them; export the deals with their record id (ID, Record ID, POTENTIALID ...)",
        "в выгрузке сделок нет колонки с id сделки: сделки пронумерованы по строкам, и ни одна активность или "
        "запись истории этапов не может на них сослаться; выгрузите сделки с их id (ID, Record ID, POTENTIALID ...)",
        file=label, numbers={"rows": rows})


def _dropped_text(table: str, dropped: list[tuple[int, str]]) -> list[str]:
    """The text of lines not read as records, for HY08; a call log's lines hold clients' numbers,
    which are starred (audit.ingest.contacts.mask_digit_runs)."""
    text = [t[:500] for _r, t in dropped]
    if table == "calls":
        from audit.ingest.contacts import mask_digit_runs
        return mask_digit_runs(pd.Series(text, dtype="str")).tolist()
    return text


def finish_context(cfg: Config, profile: Profile) -> FinishContext:
    """The stage names `[status]` declares and the profile's own final stages, normalized once."""
    def names(stages) -> frozenset[str]:
        return frozenset(norm_header(s) for s in stages)
    return FinishContext(declared_won=names(cfg.won_stages), declared_lost=names(cfg.lost_stages),
                         system_won=names(profile.won_stages), system_lost=names(profile.lost_stages),
                         calls=cfg.calls)


def end_of_period(closed: pd.Series, created: pd.Series) -> pd.Series:
    """A close time coarser than the creation times beside it means "some time in that period":
    read it as the period's last second, so a deal created and closed within one period is not
    closed before it was created. A close date without a time (Salesforce CloseDate beside
    CreatedDate) is the day's last second; a close time truncated to the minute (amoCRM's
    "22.03.2022 13:32:00" beside "13:32:57") the minute's. Exports whose times all have the
    same precision keep them as they are."""
    if not pd.api.types.is_datetime64_any_dtype(closed.dtype) or not pd.api.types.is_datetime64_any_dtype(created.dtype):
        return closed
    known, made = closed.dropna(), created.dropna()
    if known.empty or made.empty:
        return closed
    for unit, length in (("D", pd.Timedelta(days=1)), ("min", pd.Timedelta(minutes=1))):
        if (known == known.dt.floor(unit)).all():
            return closed + length - pd.Timedelta(seconds=1) if (made != made.dt.floor(unit)).any() else closed
    return closed


def dropped_issues(raw: RawTable, table: str) -> tuple[pd.DataFrame | None, str | None]:
    """The lines of a file not read as records, as parse issues (HY08), and the source's note."""
    if not raw.dropped:
        return None, None
    note = f"{len(raw.dropped)} line(s) not read as records (wrong number of fields or report totals)"
    return pd.DataFrame({
        "table": table, "file": raw.label, "row": [r for r, _t in raw.dropped],
        "column": None, "source_column": None, "raw": _dropped_text(table, raw.dropped), "entity_id": None,
    }), note


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
    if name == "activities" and "type" in table.columns:
        table["type"] = _activity_types(table["type"])
    if name == "deals" and ("deal_id" not in table.columns or table["deal_id"].isna().all()):
        table["deal_id"] = raw.path.stem + ":" + table[ROW_COLUMN].astype(str)
        note = "no deal id column: ids made from file name and row number"
    elif id_col in table.columns and name in ("deals", "activities", "leads") and table[id_col].isna().any():
        rows = table.loc[table[id_col].isna(), ROW_COLUMN].astype(int).tolist()
        where = ", ".join(str(r) for r in rows[:5]) + (", ..." if len(rows) > 5 else "")
        note = f"{len(rows)} row(s) without an id (row {where})"
    return table, issues, note


def _activity_types(types: pd.Series) -> pd.Series:
    """The CRM's activity types as canonical ones; labels (a categorical) have their distinct
    values mapped, as text, and stay labels."""
    if isinstance(types.dtype, pd.CategoricalDtype):
        distinct = pd.Series(types.cat.categories.astype("str"))
        mapped = _activity_types(distinct)
        return as_labels(take(mapped, types.cat.codes.to_numpy()).set_axis(types.index))
    known = types.isin(ACTIVITY_TYPES)
    if known.all():
        return types
    mapped, _ = parse_activity_type(types.where(~known))
    return types.where(known, mapped)


def _allowed(table: str, col: str) -> tuple[str, ...]:
    from audit.model import DEAL_STATUSES, LEAD_STATUSES, STAGE_KINDS
    return {("deals", "status"): DEAL_STATUSES, ("leads", "status"): LEAD_STATUSES,
            ("pipelines", "kind"): STAGE_KINDS}[(table, col)]


def empty_issues() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object) for c in PARSE_ISSUE_COLUMNS})


def drop_helpers(frame: pd.DataFrame) -> pd.DataFrame:
    return frame[[c for c in frame.columns if not c.startswith("_") or c == ROW_COLUMN]]

