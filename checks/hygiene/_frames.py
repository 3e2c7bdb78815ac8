"""The frames the hygiene suite validates: which rules can run on an export, and the
canonical columns in the dtypes Great Expectations handles fast (same verdicts, same rows).
No GX here: the adapter (`checks.hygiene.gx_adapter`) hands these frames to it."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from checks.hygiene.rules import ID_COLUMNS, RULES, STAGE_KIND, Rule

if TYPE_CHECKING:  # the worker process imports this module: not the derived tables
    from audit.derived.tables import Derived


def plan_rules(d: Derived) -> tuple[dict[str, list[Rule]], dict[str, str]]:
    """The rules to run per table, and why the others are left out (column or table not exported)."""
    crm = d.crm
    plan: dict[str, list[Rule]] = {}
    not_run: dict[str, str] = {}
    for rule in RULES:
        frame = crm.table(rule.table)
        if frame is None or rule.table not in crm.provided:
            not_run[rule.key] = f"{rule.table} not provided"
            continue
        lacking = [c for c in rule.reads if c not in crm.provided[rule.table]]
        if lacking:
            not_run[rule.key] = f"{rule.table} lack {', '.join(lacking)}"
            continue
        if rule.derived and not _has_outcome_stages(d):
            not_run[rule.key] = "no pipeline has a won or lost stage"
            continue
        plan.setdefault(rule.table, []).append(rule)
    return plan, not_run


def validation_frame(d: Derived, table: str, rules: Iterable[Rule]) -> pd.DataFrame:
    """The canonical table's columns the rules read (plus derived ones), indexed by row position."""
    rules = list(rules)
    frame = d.crm.table(table)
    columns: list[str] = []
    for rule in rules:
        for key in ("column", "column_A", "column_B"):
            col = rule.kwargs.get(key)
            if col and col != STAGE_KIND and col not in columns:
                columns.append(col)
        cond = rule.kwargs.get("row_condition")
        if cond and cond["column"]["name"] not in columns:
            columns.append(cond["column"]["name"])
    out = frame[columns]
    if not isinstance(out.index, pd.RangeIndex) or out.index.start != 0 or out.index.step != 1:
        out = out.reset_index(drop=True)
    if any(r.derived for r in rules):
        out = out.assign(**{STAGE_KIND: d.expected_status})
    return out.assign(**_gx_dtypes(out, ID_COLUMNS[table]))


def _gx_dtypes(frame: pd.DataFrame, id_column: str | None = None) -> dict[str, pd.Series]:
    """The frame's columns in the dtypes GX's pandas engine handles fast (same verdicts, same rows).

    GX filters the whole frame for every row condition and fingerprints it with a full hash
    each time it loads the batch; on Arrow strings that is a take and a hash of every text
    value, again and again.
    - The id column as integer codes (float, NaN where the id is missing): the only rules on
      it are "not null" and "unique", which codes answer exactly, and hashing a million codes
      is cheap where hashing a million distinct strings (as text or as categories) is not.
    - Other text as pandas categoricals (few distinct values: stage, owner, status); status and
      stage_kind share one dtype, so GX can compare them.
    - Datetimes as datetime64[ns]: see `_as_ns`.
    """
    out = {}
    if id_column in frame.columns:
        codes, _ = pd.factorize(frame[id_column])
        out[id_column] = pd.Series(np.where(codes >= 0, codes, np.nan), index=frame.index)
    statuses = [c for c in ("status", STAGE_KIND) if c in frame.columns]
    if statuses:
        values = pd.unique(pd.concat([frame[c] for c in statuses]).dropna())
        shared = pd.CategoricalDtype(sorted(str(v) for v in values))
        out.update({c: frame[c].astype(shared) for c in statuses})
    for col in frame.columns:
        dtype = frame[col].dtype
        if col in out:
            continue
        if pd.api.types.is_string_dtype(dtype) or dtype == object:
            out[col] = frame[col].astype("category")
        elif pd.api.types.is_datetime64_any_dtype(dtype) and str(dtype) != "datetime64[ns]":
            out[col] = _as_ns(frame[col])
    return out


# GX 1.x compares datetimes vectorized only when they are datetime64[ns]; pandas 3 parses to
# datetime64[us], for which GX falls back to a Python call per value (ExpectColumnValuesToBeBetween
# on a million dates: seconds instead of milliseconds). Dates beyond the ns range (years before
# 1678 or after 2261: typos) are clipped to its ends, which keeps every comparison with as_of and
# almost every comparison between two dates.
_NS_LOW, _NS_HIGH = pd.Timestamp("1678-01-01"), pd.Timestamp("2261-12-31")


def _as_ns(values: pd.Series) -> pd.Series:
    if isinstance(values.dtype, pd.DatetimeTZDtype):
        return values
    return values.clip(lower=_NS_LOW, upper=_NS_HIGH).astype("datetime64[ns]")


def _has_outcome_stages(d: Derived) -> bool:
    order = d.stage_order
    return bool(len(order)) and bool(order["kind"].isin(["won", "lost"]).any())
