"""What checks say about each stage and pipeline, as typed tables on their results.

The stage, pipeline and owner tables the reports show (`audit.derived.stage_tables`,
`audit.derived.scorecard`) carry verdicts: a stage is vague, a waiting room, dead; deals are parked
or rotting in it; a pipeline is personal or has a near twin; an owner's client talk left a trace
in the CRM, or not. A check that judges these publishes them on its result (`CheckResult.verdicts`):
the key columns (`pipeline`, and `stage` for stages; `owner`) beside the verdict columns it
declares (`Check.verdicts`), one row per stage, pipeline or owner it has something to say about.
The tables are assembled after the runner from those, so they never read a check's code, findings,
evidence or settings; the columns are named here, once.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Iterable, Mapping

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from audit.model.findings import CheckResult


class Scope(StrEnum):
    STAGE = "stage"
    PIPELINE = "pipeline"
    OWNER = "owner"


KEYS: Mapping[Scope, tuple[str, ...]] = {Scope.STAGE: ("pipeline", "stage"), Scope.PIPELINE: ("pipeline",),
                                         Scope.OWNER: ("owner",)}


class Kind(StrEnum):
    """How a verdict column reads for a stage or pipeline the check did not name."""

    FLAG = "flag"      # False (None when no check published the column)
    COUNT = "count"    # 0 (NaN when no check published it)
    TEXT = "text"      # None
    NUMBER = "number"  # NaN


@dataclass(frozen=True)
class VerdictColumn:
    name: str
    scope: Scope
    kind: Kind
    doc: str
    doc_ru: str

    def text(self, lang: str = "en") -> str:
        return self.doc_ru if lang == "ru" else self.doc


VERDICT_COLUMNS: Mapping[str, VerdictColumn] = {c.name: c for c in (
    VerdictColumn("vague", Scope.STAGE, Kind.FLAG, "the stage's name names a state, not a result",
                  "название этапа называет состояние, а не результат"),
    VerdictColumn("hub", Scope.STAGE, Kind.FLAG, "a waiting room: fed from many stages or left backwards",
                  "отстойник: в него приходят со многих этапов или из него возвращаются назад"),
    VerdictColumn("dead", Scope.STAGE, Kind.FLAG, "a configured stage no deal entered in the period",
                  "настроенный этап, на который за период не попала ни одна сделка"),
    VerdictColumn("rotting_now", Scope.STAGE, Kind.COUNT, "open deals sitting in the stage far too long",
                  "открытые сделки, которые стоят на этапе слишком долго"),
    VerdictColumn("parked_now", Scope.STAGE, Kind.COUNT, "open deals parked in the stage (a vague one)",
                  "открытые сделки, оставленные на этапе без результата"),
    VerdictColumn("personal", Scope.PIPELINE, Kind.FLAG, "worked by one owner alone, or named after one",
                  "ведётся одним менеджером или названа по его имени"),
    VerdictColumn("twin", Scope.PIPELINE, Kind.TEXT, "the pipeline whose stages are most alike",
                  "воронка с самыми похожими этапами"),
    VerdictColumn("similarity", Scope.PIPELINE, Kind.NUMBER, "how alike the twin's stages are (0-1)",
                  "насколько похожи этапы этой воронки (0-1)"),
    VerdictColumn("talk_in_crm_share", Scope.OWNER, Kind.NUMBER,
                  "the share of the owner's client talk time during a deal's life that left an activity on it",
                  "доля времени разговоров менеджера с клиентами, после которых в сделке осталась активность"),
    VerdictColumn("numbers_outside_crm", Scope.OWNER, Kind.COUNT,
                  "numbers the owner keeps talking to that no deal or lead knows",
                  "номера, с которыми менеджер постоянно разговаривает, но которых нет ни в одной сделке или лиде"),
)}


@dataclass(frozen=True)
class Verdicts:
    """One check's verdicts: `table` holds the scope's key columns and the check's verdict columns,
    one row per stage or pipeline it named (the others read as the column's kind says)."""

    scope: Scope
    table: pd.DataFrame

    @property
    def columns(self) -> tuple[str, ...]:
        return tuple(c for c in self.table.columns if c not in KEYS[self.scope])


def scope_of(columns: Iterable[str]) -> Scope:
    """The one scope of a set of verdict columns (ValueError for unknown or mixed columns)."""
    columns = tuple(columns)
    unknown = [c for c in columns if c not in VERDICT_COLUMNS]
    if unknown:
        raise ValueError(f"unknown verdict columns {unknown} (audit.model.verdicts.VERDICT_COLUMNS)")
    scopes = {VERDICT_COLUMNS[c].scope for c in columns}
    if len(scopes) != 1:
        raise ValueError(f"verdict columns {list(columns)} mix scopes {sorted(scopes)}")
    return scopes.pop()


def verdict_values(keys: pd.DataFrame, column: str, published: pd.DataFrame | None) -> pd.Series:
    """The column for the rows of `keys` (the scope's key columns): looked up in the table a check
    published, the kind's fill where it named no such row, None/NaN everywhere when none did."""
    spec = VERDICT_COLUMNS[column]
    names = list(KEYS[spec.scope])
    if published is None:
        missing = np.nan if spec.kind in (Kind.COUNT, Kind.NUMBER) else None
        return pd.Series(missing, index=keys.index, dtype=float if missing is not None else object)
    wanted = _index(keys, names)
    found = published.drop_duplicates(names).set_index(_index(published, names))[column]
    values = found.reindex(wanted)
    named = values.notna().to_numpy()
    if spec.kind is Kind.FLAG:
        flags = np.where(named, values.to_numpy(dtype=object), False).astype(bool)
        return pd.Series(flags, index=keys.index, dtype=object)
    if spec.kind is Kind.COUNT:
        return pd.Series(values.fillna(0).astype(int).to_numpy(), index=keys.index)
    if spec.kind is Kind.NUMBER:
        return pd.Series(values.to_numpy(dtype=float, na_value=np.nan), index=keys.index)
    return pd.Series(np.where(named, values.to_numpy(dtype=object), None), index=keys.index, dtype=object)


def _index(frame: pd.DataFrame, names: list[str]) -> pd.Index:
    arrays = [frame[n].astype(object) for n in names]
    return pd.MultiIndex.from_arrays(arrays) if len(arrays) > 1 else pd.Index(arrays[0], name=names[0])


def add_verdicts(out: pd.DataFrame, scope: Scope, results: Iterable[CheckResult]) -> None:
    """The scope's verdict columns on `out` (a table with the scope's key columns), from the
    tables published by the checks that judged; None/NaN where none did."""
    published: dict[str, pd.DataFrame] = {}
    for result in results:
        if result.verdicts is not None and result.judged_anything:
            published.update(dict.fromkeys(result.verdicts.columns, result.verdicts.table))
    for name, column in VERDICT_COLUMNS.items():
        if column.scope is scope:
            out[name] = verdict_values(out, name, published.get(name))
