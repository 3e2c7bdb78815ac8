"""What every check is and returns.

A check is a class with plain metadata attributes and a `run(crm, ctx)` that reads
canonical tables only. It returns a `CheckResult`; its findings are one DataFrame
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
    CheckInfo,
    CheckResult,
    Family,
    Severity,
    Status,
    empty_findings,
)
from audit.model import CrmData
from audit.model.params import Rule
from audit.model.text import num, sentence

__all__ = ["Check", "CheckResult", "Family", "RunContext", "Severity", "Status", "FINDING_COLUMNS",
           "MESSAGE_RU", "ENTITY_TYPES", "FAMILY_PREFIX", "CheckInfo", "empty_findings", "evidence_records"]


@dataclass(frozen=True)
class RunContext:
    """What a check may know besides the data: the reference time and its settings."""

    as_of: pd.Timestamp
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
    def info(cls) -> CheckInfo:
        return CheckInfo(
            code=cls.code, name=cls.name, title_ru=cls.title_ru, family=cls.family,
            severity=cls.severity, summary=(cls.__doc__ or "").strip().splitlines()[0],
            rationale=cls.rationale, rationale_ru=cls.rationale_ru, fix=cls.fix, fix_ru=cls.fix_ru,
            params=tuple(cls.params.items()), todo=cls.todo, todo_ru=cls.todo_ru, dated_by=tuple(cls.dated_by),
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
    ) -> pd.DataFrame:
        """One finding per row of `frame`, vectorized.

        Columns default to the frame's own (`deal_id` for deals, `activity_id`, `lead_id`,
        `owner`, `pipeline`, `stage`); pass a Series or a constant to override. `message_ru`
        is the message in Russian, built the same way (column `message_ru`; start it with a capital,
        as a sentence: a million rows are not re-cased here). `evidence`
        maps names to Series or constants; each finding gets a dict of them with numpy
        scalars turned into plain Python values and missing values left out.
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
    ) -> CheckResult:
        """The check's outcome. It fails when it has findings, unless `failed` says otherwise.

        `judged` is how many entities the check examined (what its findings are about). A check
        that examined nothing cannot pass: it ends as skipped, its message as the reason (checks
        say what was missing before they get here; this is the net under them).
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
            metric=_plain(metric), threshold=_plain(threshold),
            affected=int(affected if affected is not None else len(findings)),
            message=message, message_ru=sentence(message_ru), findings=findings, judged=judged,
        )

    # -- not judging ------------------------------------------------------------------------

    def skip(self, reason: str, reason_ru: str, *, judged: int = 0, ran: bool = True) -> CheckResult:
        """Skipped, never passed: the reason says what is missing, with the number and the need.

        The one way a check (or the runner, for inputs that were not exported: `ran=False`)
        declines to judge. `judged` keeps the too-small sample it saw (20 closed deals of the
        30 needed), 0 when it saw nothing.
        """
        lead, lead_ru = ("not judged: ", "Не оценивалась — ") if ran else ("not run: ", "Не выполнена — ")
        return CheckResult(
            code=self.code, name=self.name, family=self.family, severity=self.severity,
            status=Status.SKIPPED, skipped_reason=reason, message=lead + reason,
            skipped_reason_ru=sentence(reason_ru), message_ru=lead_ru + reason_ru, judged=int(judged),
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
