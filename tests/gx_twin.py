"""HY01-HY05 evaluated with plain vectorized pandas: the twin the Great Expectations
verdicts are checked against (tests/test_gx_twin.py), and the pandas line of the hygiene
benchmark (benchmarks/hygiene.py)."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from audit.model import CrmData
from checks.hygiene import gx_adapter
from checks.hygiene.rules import AS_OF as AS_OF_PARAM
from checks.hygiene.rules import STAGE_KIND, Rule
from tests.builders import derived


def pandas_equivalent(frame: pd.DataFrame, rules: Iterable[Rule], as_of: pd.Timestamp) -> dict[str, np.ndarray]:
    """The expectations of `rules` on `frame`: failing row positions per rule key."""
    out = {}
    for rule in rules:
        kw = rule.kwargs
        cond = kw.get("row_condition")
        scope = np.ones(len(frame), dtype=bool)
        if cond:
            col = frame[cond["column"]["name"]]
            scope = (col.isin(cond["parameter"]) if cond["operator"] == "IN" else col.eq(cond["parameter"]))
            scope = scope.fillna(False).to_numpy(dtype=bool)
        out[rule.key] = np.flatnonzero(_failing(frame, rule, as_of) & scope)
    return out


def _failing(frame: pd.DataFrame, rule: Rule, as_of: pd.Timestamp) -> np.ndarray:
    kw = rule.kwargs
    if rule.type == "expect_column_values_to_not_be_null":
        return frame[kw["column"]].isna().to_numpy()
    if rule.type == "expect_column_values_to_be_null":
        return frame[kw["column"]].notna().to_numpy()
    if rule.type == "expect_column_values_to_be_unique":
        col = frame[kw["column"]]
        return (col.duplicated(keep=False) & col.notna()).to_numpy()
    if rule.type == "expect_column_values_to_be_in_set":
        col = frame[kw["column"]]
        return (~col.isin(kw["value_set"]) & col.notna()).to_numpy()
    if rule.type == "expect_column_values_to_be_between":
        col = frame[kw["column"]]
        lo = kw.get("min_value")
        hi = as_of if kw.get("max_value") == AS_OF_PARAM else kw.get("max_value")
        bad = np.zeros(len(frame), dtype=bool)
        if lo is not None:
            bad |= ((col <= lo) if kw.get("strict_min") else (col < lo)).fillna(False).to_numpy(dtype=bool)
        if hi is not None:
            bad |= (col > hi).fillna(False).to_numpy(dtype=bool)
        return bad
    if rule.type == "expect_column_pair_values_a_to_be_greater_than_b":
        a, b = frame[kw["column_A"]], frame[kw["column_B"]]
        return ((a < b) if kw.get("or_equal") else (a <= b)).fillna(False).to_numpy(dtype=bool)
    if rule.type == "expect_column_pair_values_to_be_equal":
        a, b = frame[kw["column_A"]], frame[kw["column_B"]]
        return (a.notna() & b.notna() & a.ne(b)).to_numpy(dtype=bool)
    raise NotImplementedError(f"{rule.type}: a new rule type needs its twin here")


def canonical_frame(crm: CrmData, table: str, rules: Iterable[Rule]) -> pd.DataFrame:
    """The canonical table as pandas reads it (Arrow strings, datetime64[us]), with the
    derived stage kind GX gets, but none of the adapter's conversions."""
    frame = crm.table(table)
    if table == "deals" and any(STAGE_KIND in (r.kwargs.get("column_A"), r.kwargs.get("column_B")) for r in rules):
        frame = frame.assign(**{STAGE_KIND: derived(crm).expected_status})
    return frame


def twin_positions(crm: CrmData, as_of: pd.Timestamp) -> dict[str, np.ndarray]:
    """Failing row positions per rule key for every rule the audit would run on `crm`."""
    plan, _not_run = gx_adapter.plan_rules(derived(crm))
    out: dict[str, np.ndarray] = {}
    for table, rules in plan.items():
        out.update(pandas_equivalent(canonical_frame(crm, table, rules), rules, as_of))
    return out
