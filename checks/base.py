"""What every check is and returns.

A check is a class with plain metadata attributes and a `run(crm, ctx)` that reads
canonical tables and the run's derived tables (`ctx.derived`) only. It returns a `CheckResult`; its findings are one DataFrame
(one row per finding, columns `FINDING_COLUMNS`) built with `Check.findings`, so a
check that flags a million deals does it in a few vectorized operations.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import repeat
from typing import Any, ClassVar, Mapping

import numpy as np
import pandas as pd

from audit.model.findings import (
    ENTITY_TYPES,
    FAMILY_PREFIX,
    FINDING_COLUMNS,
    MESSAGE_RU,
    RELATED_DEAL,
    CheckInfo,
    CheckResult,
    Family,
    Severity,
    Status,
    empty_findings,
)
from audit.derived.tables import Derived
from audit.model import CrmData
from audit.model.gauge import Gauge
from audit.model.params import Rule
from audit.model.text import num, sentence
from audit.model.verdicts import KEYS, Verdicts, scope_of

__all__ = ["Check", "CheckResult", "Derived", "Family", "RunContext", "Severity", "Status", "FINDING_COLUMNS",
           "MESSAGE_RU", "ENTITY_TYPES", "FAMILY_PREFIX", "CheckInfo", "empty_findings", "evidence_records",
           "PER_STAGE_COUNT", "RELATED_DEAL"]

# A verdict column's value in `Check.verdict_table`: how many rows of the frame name the stage.
PER_STAGE_COUNT = object()


@dataclass(frozen=True)
class RunContext:
    """What a check may know besides the data: the reference time, the tables derived from the
    data once per run, and its settings."""

    as_of: pd.Timestamp
    derived: Derived
    params: Mapping[str, Any] = field(default_factory=dict)
    vocab: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # config additions, by list name
    # Full phone numbers may appear in findings (--show-numbers without --mask-pii); else masked.
    show_numbers: bool = False

    def __getitem__(self, key: str) -> Any:
        return self.params[key]


class Check:
    """Base class. Subclasses set the metadata and implement `run`."""

    code: ClassVar[str]
    name: ClassVar[str]              # kebab-case, states the problem: "lost-without-reason"
    family: ClassVar[Family]
    severity: ClassVar[Severity]
    needs: ClassVar[Mapping[str, tuple[str, ...]]] = {"deals": ()}
    params: ClassVar[Mapping[str, Any]] = {}  # default thresholds; crm-audit.toml [checks.CODE] overrides
    # What each setting may hold (audit.model.params), one rule per key of `params`: the config is
    # checked against these before any data is read.
    param_rules: ClassVar[Mapping[str, Rule]] = {}
    gauge: ClassVar[Gauge]           # what `metric` measures, its unit, the side of `threshold` that fails
    evidence_keys: ClassVar[tuple[str, ...]] = ()  # every key its findings' evidence may hold (`explain`)
    verdicts: ClassVar[tuple[str, ...]] = ()       # stage, pipeline or owner columns it fills (audit.model.verdicts)
    title_ru: ClassVar[str]          # the name as a Russian label for reports
    rationale: ClassVar[str]         # why a sales director should care (English)
    rationale_ru: ClassVar[str]
    fix: ClassVar[str]               # what to change in the CRM (English)
    fix_ru: ClassVar[str]
    todo: ClassVar[str] = ""         # what to do about one finding, in a few words (a to-do list's column)
    todo_ru: ClassVar[str] = ""
    # Where the moment a finding happened (or was last seen) is: evidence fields, or `deal.<column>`
    # for the deal's own columns, the first one present wins. Empty: findings carry no date.
    dated_by: ClassVar[tuple[str, ...]] = ()

    def run(self, crm: CrmData, ctx: RunContext) -> CheckResult:  # pragma: no cover - abstract
        raise NotImplementedError

    @classmethod
    def warm_up(cls) -> None:
        """Start slow one-off work (a heavy import) before the exports are read, so it overlaps
        with reading. Called by the runner for the selected checks; by default nothing."""

    @classmethod
    def begin(cls, crm: CrmData, ctx: RunContext) -> None:
        """Start work on this run's data that can go on elsewhere while the other checks run (the
        Great Expectations checks hand their frames to the worker process). Called by the runner
        before any check runs, once per hook, for the checks that will run; by default nothing.
        What it raises is left to the check's own run to meet and report."""

    @classmethod
    def info(cls) -> CheckInfo:
        return CheckInfo(
            code=cls.code, name=cls.name, title_ru=cls.title_ru, family=cls.family,
            severity=cls.severity, summary=(cls.__doc__ or "").strip().splitlines()[0],
            rationale=cls.rationale, rationale_ru=cls.rationale_ru, fix=cls.fix, fix_ru=cls.fix_ru,
            params=tuple(cls.params.items()), todo=cls.todo, todo_ru=cls.todo_ru, dated_by=tuple(cls.dated_by),
            evidence_keys=tuple(cls.evidence_keys), gauge=getattr(cls, "gauge", None),
        )

    # -- building results -------------------------------------------------------------

    def findings(
        self,
        frame: pd.DataFrame,
        *,
        entity_type: str,
        entity_id: pd.Series | str | None = None,
        message: pd.Series | str,
        message_ru: pd.Series | str | None = None,
        evidence: Mapping[str, pd.Series | Any] | None = None,
        owner: pd.Series | str | None = None,
        pipeline: pd.Series | str | None = None,
        stage: pd.Series | str | None = None,
        related_deal: pd.Series | None = None,
    ) -> pd.DataFrame:
        """One finding per row of `frame`, vectorized.

        Columns default to the frame's own (`deal_id` for deals, `activity_id`, `lead_id`,
        `owner`, `pipeline`, `stage`); pass a Series or a constant to override. `message_ru`
        is the message in Russian, built the same way (column `message_ru`; start it with a capital,
        as a sentence: a million rows are not re-cased here). `evidence`
        maps names to Series or constants; each finding gets a dict of them with numpy
        scalars turned into plain Python values and missing values left out. `related_deal` is the
        deal id an activity finding is about (the trust score marks that deal).
        """
        if entity_type not in ENTITY_TYPES:
            raise ValueError(f"{self.code}: unknown entity_type {entity_type!r}")
        n = len(frame)
        if n == 0:
            return empty_findings()
        default_id = {"deal": "deal_id", "activity": "activity_id", "lead": "lead_id",
                      "owner": "owner", "pipeline": "pipeline"}.get(entity_type)

        def column(value, default: str | None) -> pd.Series:
            if value is None:
                if default and default in frame.columns:
                    return frame[default].astype(object).where(frame[default].notna(), None)
                return pd.Series([None] * n, index=frame.index, dtype=object)
            if isinstance(value, pd.Series):
                return value.reindex(frame.index).astype(object).where(value.reindex(frame.index).notna(), None)
            return pd.Series([value] * n, index=frame.index, dtype=object)

        out = pd.DataFrame({
            "code": self.code,
            "severity": self.severity.label,
            "entity_type": entity_type,
            "entity_id": _as_text(column(entity_id, default_id)),
            "owner": column(owner, "owner"),
            "pipeline": column(pipeline, "pipeline"),
            "stage": column(stage, "stage"),
            "message": column(message, None),
            MESSAGE_RU: column(message_ru, None),
            RELATED_DEAL: _as_text(column(related_deal, None)),
        }, index=frame.index)
        out["evidence"] = evidence_records(evidence or {}, frame.index)
        return out.reset_index(drop=True)

    def result(
        self,
        *,
        judged: int,
        findings: pd.DataFrame | None = None,
        metric: float | None = None,
        threshold: float | None = None,
        message: str,
        message_ru: str | None = None,
        affected: int | None = None,
        failed: bool | None = None,
        verdicts: pd.DataFrame | None = None,
    ) -> CheckResult:
        """The check's outcome. It fails when it has findings, unless `failed` says otherwise.

        `judged` is how many entities the check examined (what its findings are about). A check
        that examined nothing cannot pass: it ends as skipped, its message as the reason (checks
        say what was missing before they get here; this is the net under them). `verdicts` is
        the check's `verdict_table` when it declares verdict columns (none given: it named no
        stage or pipeline).
        """
        findings = findings if findings is not None and len(findings) else empty_findings()
        has_failed = bool(len(findings)) if failed is None else failed
        if has_failed and not len(findings):
            raise ValueError(f"{self.code}: a failed check needs at least one finding")
        judged = int(judged)
        if not has_failed and judged <= 0:
            return self.skip(f"nothing to judge: {message}",
                             f"оценивать нечего: {message_ru or message}", judged=0)
        return CheckResult(
            code=self.code, name=self.name, family=self.family, severity=self.severity,
            status=Status.FAIL if has_failed else Status.PASS,
            metric=_plain(metric), threshold=_plain(threshold), gauge=getattr(self, "gauge", None),
            affected=int(affected if affected is not None else len(findings)),
            message=message, message_ru=sentence(message_ru), findings=findings, judged=judged,
            verdicts=self._verdicts(verdicts),
        )

    # -- verdicts for the stage and pipeline tables -------------------------------------------

    def verdict_table(self, frame: pd.DataFrame | None, **columns: Any) -> pd.DataFrame:
        """This check's verdict columns for the stages (or pipelines) that rows of `frame` name:
        each value a constant, a Series aligned with `frame`, or PER_STAGE_COUNT (how many rows
        name the stage). One row per stage or pipeline; empty when `frame` is."""
        keys = list(KEYS[scope_of(columns)])
        if frame is None or not len(frame):
            return pd.DataFrame({c: pd.Series(dtype=object) for c in (*keys, *columns)})
        out = frame[keys].astype(object).assign(**{name: value for name, value in columns.items()
                                                   if value is not PER_STAGE_COUNT})
        counted = [name for name, value in columns.items() if value is PER_STAGE_COUNT]
        if counted:
            sizes = out.groupby(keys, sort=False, dropna=False).size()
            out = out.drop_duplicates(keys).set_index(keys)
            out = out.assign(**{name: sizes.reindex(out.index).to_numpy() for name in counted}).reset_index()
        return out.drop_duplicates(keys).reset_index(drop=True)[[*keys, *columns]]

    def _verdicts(self, table: pd.DataFrame | None) -> Verdicts | None:
        declared = tuple(self.verdicts)
        if not declared:
            if table is not None:
                raise ValueError(f"{self.code}: verdicts given but none declared (Check.verdicts)")
            return None
        if table is None:
            table = self.verdict_table(None, **dict.fromkeys(declared))
        scope = scope_of(declared)
        if list(table.columns) != [*KEYS[scope], *declared]:
            raise ValueError(f"{self.code}: verdict table columns {list(table.columns)}, declared {list(declared)}")
        return Verdicts(scope=scope, table=table)

    # -- not judging ------------------------------------------------------------------------

    def skip(self, reason: str, reason_ru: str, *, judged: int = 0, ran: bool = True,
             unlinked: str | None = None) -> CheckResult:
        """Skipped, never passed: the reason says what is missing, with the number and the need.

        The one way a check (or the runner, for inputs that were not exported: `ran=False`)
        declines to judge. `judged` keeps the too-small sample it saw (20 closed deals of the
        30 needed), 0 when it saw nothing; `unlinked` names the table whose rows link to no deal
        when that is the reason.
        """
        lead, lead_ru = ("not judged: ", "Не оценивалась — ") if ran else ("not run: ", "Не выполнена — ")
        return CheckResult(
            code=self.code, name=self.name, family=self.family, severity=self.severity,
            status=Status.SKIPPED, skipped_reason=reason, message=lead + reason,
            skipped_reason_ru=sentence(reason_ru), message_ru=lead_ru + reason_ru, judged=int(judged),
            unlinked=unlinked, gauge=getattr(self, "gauge", None),
        )

    def too_few(self, have: int, need: int, what: str, purpose: str, what_ru: str, purpose_ru: str,
                *, judged: int | None = None) -> CheckResult:
        """Skipped below the check's minimum sample:
        "20 closed deals: too few to judge the lost share, needs 30".

        `what` is the counted thing in English plural ("closed deals"); `what_ru` the same in the
        genitive plural ("закрытых сделок"), `purpose_ru` the infinitive clause ("судить о доле
        проигрышей").
        """
        return self.skip(
            f"{num(have)} {what}: too few to {purpose}, needs {num(need)}",
            f"{what_ru}: {num(have, 'ru')} — слишком мало, чтобы {purpose_ru} (нужно не меньше {num(need, 'ru')})",
            judged=have if judged is None else judged)


def evidence_records(evidence: Mapping[str, Any], index: pd.Index) -> list[dict]:
    """Per-row evidence dicts from columns and constants, JSON-ready.

    Built column by column as plain Python lists and zipped into dicts, so a million
    findings cost one pass each, not a pandas row conversion plus a scalar check per value.
    """
    n = len(index)
    if not evidence:
        return [{} for _ in range(n)]
    keys: list[str] = []
    columns: list[Any] = []
    for key, value in evidence.items():
        if isinstance(value, pd.Series):
            values = _plain_list(value.reindex(index))
        else:
            value = _plain(value)
            if value is None or (isinstance(value, float) and value != value):
                continue
            values = repeat(value, n)
        keys.append(key)
        columns.append(values)
    if not keys:
        return [{} for _ in range(n)]
    return [{k: v for k, v in zip(keys, row) if v is not None} for row in zip(*columns)]


def _plain_list(col: pd.Series) -> list:
    """A column as JSON-ready Python values, None for missing (and for non-finite floats)."""
    dtype = col.dtype
    if pd.api.types.is_datetime64_any_dtype(dtype):
        col = col.dt.strftime("%Y-%m-%dT%H:%M:%S")
    elif pd.api.types.is_float_dtype(dtype):
        col = col.round(6)
        col = col.where(np.isfinite(col.to_numpy(dtype=float, na_value=np.nan)))
    dtype = col.dtype
    # numpy numbers and pandas text become plain Python values with astype(object) alone.
    plain = ((isinstance(dtype, np.dtype) and dtype.kind in "iufb")
             or (pd.api.types.is_string_dtype(dtype) and not pd.api.types.is_object_dtype(dtype)))
    values = col.astype(object).where(col.notna(), None).tolist()
    return values if plain else [_plain(v) for v in values]


def _as_text(values: pd.Series) -> pd.Series:
    known = values.notna()
    out = values.copy()
    out[known] = values[known].astype(str)
    return out


def _plain(value: Any) -> Any:
    """numpy/pandas scalars to plain Python for JSON; NaN to None."""
    if value is None:
        return None
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return float(value) if np.isfinite(value) else None
    if isinstance(value, (np.bool_,)):
        return bool(value)
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    return value
