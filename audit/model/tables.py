"""Canonical tables: the one shape every check reads, whatever CRM the data came from.

Ingestion maps export headers onto these columns and parses values; `CrmData.build`
then adds every canonical column a table lacks (all missing, right dtype) so checks
can index any column safely, and remembers which columns the export really provided,
so the runner can skip a check whose inputs are absent instead of judging empty data.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Mapping

import numpy as np
import pandas as pd

from audit.model.keys import positions

# Column kinds and their pandas dtypes. Text is pandas' string dtype (Arrow-backed
# when pyarrow is present), except the LABEL_COLUMNS below, categoricals of that text;
# datetimes are naive, in microseconds as pandas 3 parses them.
TEXT = "str"
DATETIME = "datetime64[us]"
FLOAT = "float64"
BOOL = "boolean"
DTYPES = {"text": TEXT, "datetime": DATETIME, "float": FLOAT, "bool": BOOL}


@dataclass(frozen=True)
class Column:
    name: str
    kind: str = "text"  # text | datetime | float | bool
    required: bool = False

    @property
    def dtype(self) -> str:
        return DTYPES[self.kind]


def _cols(*spec: str) -> tuple[Column, ...]:
    """'deal_id!' is required text, 'created_at:datetime!' a required datetime."""
    out = []
    for item in spec:
        required = item.endswith("!")
        name, _, kind = item.rstrip("!").partition(":")
        out.append(Column(name, kind or "text", required))
    return tuple(out)


SCHEMA: Mapping[str, tuple[Column, ...]] = MappingProxyType({
    "deals": _cols(
        "deal_id!", "title", "pipeline", "stage!", "status", "owner", "amount:float", "currency",
        "created_at:datetime!", "created_by", "closed_at:datetime", "expected_close_at:datetime",
        "lost_reason", "source", "company", "contact", "last_activity_at:datetime",
    ),
    "stage_history": _cols(
        "deal_id!", "from_stage", "to_stage!", "changed_at:datetime!", "changed_by", "pipeline",
    ),
    "activities": _cols(
        "activity_id", "deal_id!", "type!", "owner", "at:datetime!", "direction",
        "duration_s:float", "subject", "result", "created_at:datetime",
    ),
    "leads": _cols(
        "lead_id!", "status", "disqualify_reason", "source", "owner", "created_at:datetime",
        "converted_deal_id",
    ),
    "users": _cols("owner!", "user_id", "team", "active:bool"),
    "pipelines": _cols("pipeline!", "stage!", "order:float", "kind"),
    # The phone system's call log: one row per call leg. direction is in/out, or internal for a
    # call between two extensions; duration_s is the talk time (billed seconds where the log has
    # them); their_number is E.164 (audit.model.phones); owner is the manager behind our_party.
    "calls": _cols(
        "call_id", "started_at:datetime!", "direction", "duration_s:float", "answered:bool", "our_party",
        "their_number!", "owner",
    ),
    # The phones and e-mails of a deal's or a lead's contacts: kind phone (value E.164) or email
    # (value lower-case), so the call log can be matched to deals.
    "contact_points": _cols("deal_id", "lead_id", "kind!", "value!"),
})

TABLES = tuple(SCHEMA)

# Text columns held as pandas categoricals (integer codes and one copy of each distinct label):
# a few thousand distinct values repeated over millions of rows, 870 MB as Arrow strings at a
# million deals (5.4M activities, 3.4M stage changes) and some 40 MB as codes. Only columns no
# check compares with another column or fills with a new value: a categorical refuses both
# (the stages and pipelines of the history are, so they stay text).
# The call log's parties and directions are labels too: a million calls hold a few hundred thousand
# numbers and a few dozen extensions, judged (made E.164, resolved to managers, matched to deals)
# once per distinct value (audit.ingest.contacts, audit.derived.calls).
LABEL_COLUMNS: Mapping[str, tuple[str, ...]] = MappingProxyType({
    "activities": ("type", "owner", "direction", "subject", "result"),
    "stage_history": ("changed_by",),
    "calls": ("direction", "our_party", "their_number", "owner"),
})

# Allowed values of the enumerated columns (ingestion maps CRM labels onto these).
DEAL_STATUSES = ("open", "won", "lost")
ACTIVITY_TYPES = ("call", "email", "meeting", "message", "task", "note", "other")
LEAD_STATUSES = ("new", "working", "qualified", "disqualified", "converted")
STAGE_KINDS = ("open", "won", "lost")
CALL_DIRECTIONS = ("in", "out", "internal")
CONTACT_KINDS = ("phone", "email")

# What to export to get a table: the runner quotes this when it skips a check.
EXPORT_HINTS: Mapping[str, str] = MappingProxyType({
    "deals": "export deals (amoCRM 'Сделки', Bitrix24 'Сделки', HubSpot deals, Salesforce Opportunity, "
             "Pipedrive deals)",
    "stage_history": "export OpportunityHistory (Salesforce), amoCRM lead status events, Bitrix24 stage "
                     "history, or HubSpot 'Date entered <stage>' properties",
    "activities": "export calls, e-mails, meetings and tasks linked to deals (Salesforce Task/Event, "
                  "Pipedrive activities, Bitrix24 'Дела', HubSpot activities)",
    "leads": "export leads (Salesforce Lead, Bitrix24 'Лиды', Zoho Leads)",
    "users": "export users (owner names and ids)",
    "pipelines": "declare stage order in crm-audit.toml ([pipelines]) or export the pipeline settings",
    "calls": "export the phone system's call log (Asterisk Master.csv, Mango Office, Sipuni, UIS/CoMagic, "
             "Zadarma or Twilio call statistics) for the audited period",
    "contact_points": "export deals with their contacts' phones and e-mails (amoCRM 'Рабочий телефон', Bitrix24 "
                      "'Контакт: Телефон', HubSpot 'Phone Number', Pipedrive 'Person - Phone', Salesforce "
                      "Contact with OpportunityContactRole)",
})
EXPORT_HINTS_RU: Mapping[str, str] = MappingProxyType({
    "deals": "выгрузите сделки (amoCRM «Сделки», Bitrix24 «Сделки», HubSpot deals, Salesforce Opportunity, "
             "Pipedrive deals)",
    "stage_history": "выгрузите OpportunityHistory (Salesforce), события смены статусов сделок amoCRM, историю "
                     "стадий Bitrix24 или свойства HubSpot «Date entered <stage>»",
    "activities": "выгрузите звонки, письма, встречи и задачи, привязанные к сделкам (Salesforce Task/Event, "
                  "Pipedrive activities, Bitrix24 «Дела», HubSpot activities)",
    "leads": "выгрузите лиды (Salesforce Lead, Bitrix24 «Лиды», Zoho Leads)",
    "users": "выгрузите пользователей (имена и id ответственных)",
    "pipelines": "задайте порядок этапов в crm-audit.toml ([pipelines]) или выгрузите настройки воронок",
    "calls": "выгрузите журнал звонков АТС (Asterisk Master.csv, статистику вызовов Mango Office, Sipuni, "
             "UIS/CoMagic, Zadarma или Twilio) за проверяемый период",
    "contact_points": "выгрузите сделки с телефонами и e-mail контактов (amoCRM «Рабочий телефон», Bitrix24 "
                      "«Контакт: Телефон», HubSpot «Phone Number», Pipedrive «Person - Phone», Salesforce "
                      "Contact вместе с OpportunityContactRole)",
})

# Deals with no pipeline (CRMs with a single sales process) are grouped under this label,
# so groupbys never drop them; `provided` still says whether the export had pipelines.
NO_PIPELINE = "(no pipeline)"

# A parse issue: a value ingestion could not read (HY08 reports them).
PARSE_ISSUE_COLUMNS = ("table", "file", "row", "column", "source_column", "raw", "entity_id")


def empty_table(name: str) -> pd.DataFrame:
    return pd.DataFrame({c.name: pd.Series(dtype=c.dtype) for c in SCHEMA[name]})


def conform(name: str, frame: pd.DataFrame, *, clean_text: bool = True,
            exported: frozenset[str] | set[str] = frozenset()) -> tuple[pd.DataFrame, frozenset[str]]:
    """Return the table with exactly the canonical columns in order, and the provided ones.

    A column counts as provided when at least one value is set, or when it is in `exported`:
    the export had the column, empty or not. An exported column that is empty is data (every
    lost deal in it has no loss reason), while a column ingestion had to make up is not:
    ingestion names the columns that came from export headers, and nothing else counts
    unless it holds a value. Extra columns are kept after the canonical ones (ingestion may carry helpers such as
    `_row`, the source line number, for HY08 and the reports). Text is trimmed and blanks
    made missing unless the caller already did (`clean_text=False`, as ingestion does).
    """
    schema = SCHEMA[name]
    n = len(frame)
    provided = set()
    out: dict[str, pd.Series] = {}
    for col in schema:
        is_label = col.name in LABEL_COLUMNS.get(name, ())
        if col.name in frame.columns:
            values = frame[col.name]
            # Labels ingestion encoded already (audit.ingest.canonical.early_labels) are clean.
            encoded = is_label and not clean_text and isinstance(values.dtype, pd.CategoricalDtype)
            if not encoded and ((col.kind == "text" and clean_text) or str(values.dtype) != col.dtype):
                values = _cast(values, col)
            if col.name in exported or values.notna().any():
                provided.add(col.name)
        else:
            values = pd.Series(missing_values(n, col), index=frame.index)
        if is_label:
            values = as_labels(values)
        out[col.name] = values
    extra = [c for c in frame.columns if c not in out]
    for c in extra:
        out[c] = frame[c]
    table = pd.DataFrame(out, index=frame.index).reset_index(drop=True)
    return table, frozenset(provided)


def as_labels(values: pd.Series) -> pd.Series:
    """Text as a categorical over its distinct values (str categories), missing kept missing;
    Arrow's dictionary encoding where the text is Arrow's (no Python string per row)."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        return values
    import pyarrow as pa
    import pyarrow.compute as pc
    arr = getattr(values.array, "_pa_array", None)
    if arr is None or not (pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type)):
        return values.astype(TEXT).astype("category")
    # The hash table and the int32 indices are transient (the codes are narrowed by pandas) and are
    # made on ingestion's threads: taken from the system allocator, which hands them back when they
    # are freed, not from Arrow's pool, whose pages a finished thread leaves behind.
    pool = pa.system_memory_pool()
    encoded = pc.dictionary_encode(arr, memory_pool=pool)
    if isinstance(encoded, pa.ChunkedArray):
        encoded = encoded.combine_chunks(memory_pool=pool)
    codes = pc.coalesce(encoded.indices, pa.scalar(-1, encoded.indices.type), memory_pool=pool).to_numpy(
        zero_copy_only=False)
    labels = pd.Index(pd.array(encoded.dictionary, dtype=TEXT))
    return pd.Series(pd.Categorical.from_codes(codes, dtype=pd.CategoricalDtype(labels)), index=values.index)


def labels_from_codes(codes: np.ndarray, dictionary, index: pd.Index | None = None) -> pd.Series:
    """Labels (a categorical, str categories) from a code per row into `dictionary`, Arrow text
    that may repeat a value or hold nulls; a code of -1 is missing. The categories are the
    distinct values the rows use (a value no row uses is left out, as `as_labels` leaves it):
    no string is made per row."""
    import pyarrow as pa
    import pyarrow.compute as pc
    if not isinstance(dictionary, (pa.Array, pa.ChunkedArray)):
        dictionary = pa.array(dictionary, type=pa.large_string())
    encoded = pc.dictionary_encode(dictionary)
    if isinstance(encoded, pa.ChunkedArray):
        encoded = encoded.combine_chunks()
    distinct = encoded.dictionary.cast(pa.large_string())
    remap = np.append(encoded.indices.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64), -1)
    codes = np.asarray(codes, dtype=np.int64)
    at = remap[np.where((codes >= 0) & (codes < len(remap) - 1), codes, len(remap) - 1)]
    present = at >= 0
    used = np.bincount(at[present], minlength=len(distinct)) > 0
    if not used.all():
        at = np.where(present, (np.cumsum(used) - 1)[np.where(present, at, 0)], -1)
        distinct = distinct.filter(pa.array(used))
    labels = pd.Index(pd.array(distinct, dtype=TEXT))
    # The codes are in range by construction: pandas' check of a million of them is spared.
    return pd.Series(pd.Categorical.from_codes(at, dtype=pd.CategoricalDtype(labels), validate=False), index=index)


def relabel(labels: pd.Series, compute) -> pd.Series:
    """Labels with `compute` run once per category: it gets the categories (Arrow large
    strings) and returns Arrow text as long (null: missing); rows keep their codes' answers."""
    import pyarrow as pa
    categories = labels.cat.categories
    text = pa.array(pd.array(categories, dtype=TEXT)) if len(categories) else pa.array([], pa.large_string())
    if text.type != pa.large_string():
        text = text.cast(pa.large_string())
    return labels_from_codes(labels.cat.codes.to_numpy(), compute(text), labels.index)


def take(values: pd.Series, pos: np.ndarray) -> pd.Series:
    """values at positions `pos` (-1 gives missing), as a Series aligned with `pos`."""
    out = values.iloc[np.where(pos >= 0, pos, 0)].reset_index(drop=True) if len(values) else \
        pd.Series(missing_values(len(pos), Column("x", "text")))
    return out.where(pd.Series(pos >= 0), None) if (pos < 0).any() else out


def missing_values(n: int, col: Column):
    """An all-missing array of the column's dtype, without building n Python objects."""
    if col.kind == "text":
        import pyarrow as pa
        return pd.array(pa.nulls(n, pa.large_string()), dtype=TEXT)
    if col.kind == "datetime":
        return np.full(n, np.datetime64("NaT"), dtype=DATETIME)
    if col.kind == "float":
        return np.full(n, np.nan)
    return pd.arrays.BooleanArray(np.zeros(n, dtype=bool), np.ones(n, dtype=bool))


def _cast(values: pd.Series, col: Column) -> pd.Series:
    if col.kind == "datetime":
        if isinstance(values.dtype, pd.DatetimeTZDtype):
            values = values.dt.tz_convert("UTC").dt.tz_localize(None)
        return pd.to_datetime(values, errors="coerce").astype(DATETIME)
    if col.kind == "float":
        return pd.to_numeric(values, errors="coerce").astype(FLOAT)
    if col.kind == "bool":
        return values.astype(BOOL)
    # Text: keep missing as missing, not the string "nan"; strip the noise exports add.
    text = values.astype(TEXT).str.strip()
    return text.where(text != "", None)


@dataclass(frozen=True, eq=False)
class CrmData:
    """The canonical tables of one audit. Only `deals` is mandatory.

    Build it with `CrmData.build(deals=..., activities=...)`; tables that were not
    exported stay None and checks that need them are skipped.
    """

    deals: pd.DataFrame
    stage_history: pd.DataFrame | None = None
    activities: pd.DataFrame | None = None
    leads: pd.DataFrame | None = None
    users: pd.DataFrame | None = None
    pipelines: pd.DataFrame | None = None
    calls: pd.DataFrame | None = None
    contact_points: pd.DataFrame | None = None
    parse_issues: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=PARSE_ISSUE_COLUMNS))
    provided: Mapping[str, frozenset[str]] = field(default_factory=dict)
    # Where the rows came from: per table, (file label, rows) in table order, as ingestion read
    # them; input warnings name the file of rows that link to nothing. Empty for tables built
    # in memory.
    origins: Mapping[str, tuple[tuple[str, int], ...]] = field(default_factory=dict)
    # True when the CRM keeps a won or lost deal in its last open stage and records the outcome
    # in its status only (Pipedrive): every stage of the deals export is then an open stage.
    stages_all_open: bool = False

    @classmethod
    def build(cls, *, deals: pd.DataFrame | None = None, parse_issues: pd.DataFrame | None = None,
              clean_text: bool = True, stages_all_open: bool = False,
              exported: Mapping[str, Any] | None = None,
              origins: Mapping[str, tuple[tuple[str, int], ...]] | None = None,
              **tables: pd.DataFrame | None) -> "CrmData":
        """`exported` names, per table, the canonical columns the export had even when empty
        (see `conform`); `origins` the files the rows came from (see the field)."""
        unknown = set(tables) - set(TABLES)
        if unknown:
            raise ValueError(f"unknown canonical tables: {sorted(unknown)}")
        tables["deals"] = deals if deals is not None else empty_table("deals").iloc[:0]
        conformed: dict[str, pd.DataFrame | None] = {}
        provided: dict[str, frozenset[str]] = {}
        for name in TABLES:
            frame = tables.get(name)
            if frame is None:
                conformed[name] = None
                continue
            conformed[name], provided[name] = conform(name, frame, clean_text=clean_text,
                                                      exported=frozenset((exported or {}).get(name, ())))
        if deals is None:
            provided.pop("deals", None)
        deals_table = conformed["deals"]
        deals_table["pipeline"] = deals_table["pipeline"].fillna(NO_PIPELINE)
        history = conformed["stage_history"]
        if history is not None and history["pipeline"].isna().any():
            # History rows inherit the deal's pipeline when the export does not repeat it.
            pipelines = deals_table["pipeline"].unique()
            if len(pipelines) == 1:
                history["pipeline"] = history["pipeline"].fillna(pipelines[0])
            else:
                inherited = take(deals_table["pipeline"], positions(history["deal_id"], deals_table["deal_id"]))
                inherited.index = history.index
                history["pipeline"] = history["pipeline"].fillna(inherited)
            history["pipeline"] = history["pipeline"].fillna(NO_PIPELINE)
        issues = parse_issues if parse_issues is not None else pd.DataFrame(columns=PARSE_ISSUE_COLUMNS)
        return cls(parse_issues=issues, provided=MappingProxyType(provided), stages_all_open=stages_all_open,
                   origins=MappingProxyType(dict(origins or {})), **conformed)

    def table(self, name: str) -> pd.DataFrame | None:
        return getattr(self, name)

    def missing(self, needs: Mapping[str, tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
        """Tables/columns of `needs` the export did not provide: {table: (missing columns,)}.

        A missing table maps to an empty tuple.
        """
        out: dict[str, tuple[str, ...]] = {}
        for name, cols in needs.items():
            if self.table(name) is None or name not in self.provided:
                out[name] = ()
                continue
            lacking = tuple(c for c in cols if c not in self.provided[name])
            if lacking:
                out[name] = lacking
        return out

    def exported_empty(self, name: str) -> tuple[str, ...]:
        """Columns of a table the export had but left empty in every row (`inspect` lists them:
        an empty column that was exported is judged, e.g. every lost deal lacks a reason)."""
        frame = self.table(name)
        if frame is None:
            return ()
        return tuple(c.name for c in SCHEMA[name]
                     if c.name in self.provided.get(name, ()) and len(frame) and not frame[c.name].notna().any())

    def timestamps(self) -> list[pd.Series]:
        """Event timestamps that define the data's 'now' (planned dates such as expected_close_at
        are excluded: they may lie ahead). The call log is excluded too: it is usually exported
        later than the CRM, and calls after the CRM's moment could not have been logged in it."""
        series = [self.deals["created_at"], self.deals["closed_at"], self.deals["last_activity_at"]]
        if self.stage_history is not None:
            series.append(self.stage_history["changed_at"])
        if self.activities is not None:
            series.append(self.activities["at"])
        if self.leads is not None:
            series.append(self.leads["created_at"])
        return series

    def latest_timestamp(self) -> pd.Timestamp | None:
        maxima = [s.max() for s in self.timestamps() if len(s)]
        maxima = [m for m in maxima if pd.notna(m)]
        return max(maxima) if maxima else None


@dataclass(frozen=True)
class SourceFile:
    """One table read from one file (a workbook sheet is its own source)."""

    path: str
    table: str | None            # canonical table, None when the file was not recognised
    crm: str | None = None       # profile that mapped it: amocrm, bitrix24, ..., generic
    rows: int = 0
    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | None = None
    header_row: int | None = None  # 1-based line/row of the header in the file
    sha256: str | None = None
    mapping: Mapping[str, str] = field(default_factory=dict)  # export header -> canonical column
    unmapped: tuple[str, ...] = ()
    parse_failures: Mapping[str, int] = field(default_factory=dict)  # canonical column -> count
    note: str | None = None      # why a file was skipped, or what was assumed

    def as_json(self) -> dict:
        out = {"path": self.path, "table": self.table, "rows": self.rows, "encoding": self.encoding,
               "delimiter": self.delimiter, "sha256": self.sha256, "crm": self.crm}
        if self.sheet is not None:
            out["sheet"] = self.sheet
        if self.header_row is not None:
            out["header_row"] = self.header_row
        out["mapping"] = dict(self.mapping)
        out["unmapped"] = list(self.unmapped)
        out["parse_failures"] = dict(self.parse_failures)
        if self.note:
            out["note"] = self.note
        return out
