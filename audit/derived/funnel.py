"""The funnel: per pipeline, stage and owner (and the whole team), how deals advance.

One count (`stage_counts`) serves the report's funnel table and FN01, so both tell the same
story. It is built from the stays of `audit.derived.flowindex.visit_arrays`, counted per
deal: a deal that bounces back to a stage and leaves it again counts once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from audit.derived.deal_index import NO_OWNER
from audit.derived.flowindex import FlowIndex, VisitArrays, deal_attr, gather, group_ends, group_starts

if TYPE_CHECKING:
    from audit.derived.tables import Derived

TEAM = ""  # the owner value of the team rows
OPEN, WON, LOST = 0, 1, 2
_KIND = {"open": OPEN, "won": WON, "lost": LOST}
FUNNEL_COLUMNS = ["pipeline", "stage", "order", "owner", "entered", "advanced", "lost", "resolved",
                  "conversion", "median_dwell_days"]
COUNT_COLUMNS = ["pipeline", "stage", "order", "kind", "owner", "entered", "resolved", "advanced",
                 "lost", "median_dwell_days"]


def funnel_table(d: Derived, order: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per pipeline, stage and owner with deals in it, the team row (owner "") first:
    the counts of `Derived.stage_counts` (or of `order`, when another stage order is given) and
    conversion = advanced / resolved. Final (won / lost) stages get `entered` only."""
    counts = d.stage_counts if order is None or order is d.stage_order else build_stage_counts(d, order)
    if counts.empty:
        return pd.DataFrame({c: pd.Series(dtype=_dtype(c)) for c in FUNNEL_COLUMNS})
    out = counts.copy()
    final = out["kind"].isin(["won", "lost"])
    for col in ("resolved", "advanced", "lost"):
        out[col] = out[col].astype("Int64").mask(final)
    out["conversion"] = (out["advanced"].astype("Float64") / out["resolved"].where(out["resolved"] > 0)
                         ).round(4).astype(float)
    out["median_dwell_days"] = out["median_dwell_days"].round(2)
    out["entered"] = out["entered"].astype("Int64")
    out = out.sort_values(["pipeline", "order", "stage", "owner"], kind="stable", na_position="last")
    return out[FUNNEL_COLUMNS].reset_index(drop=True)


def _dtype(col: str) -> str:
    if col in ("entered", "advanced", "lost", "resolved"):
        return "Int64"
    if col in ("order", "conversion", "median_dwell_days"):
        return "float64"
    return "object"


def build_stage_counts(d: Derived, order: pd.DataFrame) -> pd.DataFrame:
    """Per pipeline, stage (with its order and kind) and owner, including TEAM rows (owner "";
    deals without an owner count there and under "(no owner)"); `Derived.stage_counts` for the
    audit's stage order.

    - entered: deals that entered the stage (the first stay since creation included);
    - resolved: of those, deals whose latest stay there has ended (left, or closed while in
      it), or that advanced from it: a deal sitting in the stage is not judged yet;
    - advanced: of those, deals that moved forward from it at least once (to a later open
      stage or to a won stage), or were closed won while in it;
    - lost: deals that went from it to a lost stage, or were closed lost while in it;
    - median_dwell_days: median time of the finished stays in the stage.
    """
    h = d.crm.stage_history
    if h is None or h.empty or order.empty:
        return _empty_counts()
    ix, v = d.flow_index, d.visit_arrays
    return _counts(ix, v, order)


def _empty_counts() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=_dtype(c) if c != "kind" else "object")
                         for c in COUNT_COLUMNS})


def _counts(ix: FlowIndex, v: VisitArrays, order: pd.DataFrame) -> pd.DataFrame:
    n = len(v.deal)
    if not n:
        return _empty_counts()
    order = order.reset_index(drop=True)
    stage_row, left, advanced, lost, resolved = _stay_outcomes(ix, v, order)
    labels = [str(o) for o in ix.owners.to_pylist()]
    if NO_OWNER not in labels:
        labels.append(NO_OWNER)
    owner = deal_attr(ix, ix.deal_owner, v.deal, -1)
    owner = np.where(owner >= 0, owner, labels.index(NO_OWNER))
    n_own = len(labels)

    keep = np.flatnonzero(stage_row >= 0)
    # One row per (deal, stage): a deal that visits a stage twice counts once. It advanced if any
    # stay moved forward; it is resolved if it advanced or its latest stay there has ended
    # (a deal that bounced back into the stage and sits there again is still pending).
    # Stays are grouped by deal, so the keys are nearly sorted: a stable sort is cheap and keeps
    # each deal's stays in time order.
    key = v.deal[keep] * len(order) + stage_row[keep]
    srt = np.argsort(key, kind="stable")
    key_s = key[srt]
    starts = np.flatnonzero(group_starts(key_s))
    ends = np.flatnonzero(group_ends(key_s))
    pick = keep[srt]
    if len(starts):
        adv = np.maximum.reduceat(advanced[pick], starts)
        gone = np.maximum.reduceat(lost[pick], starts)
    else:
        adv = gone = np.zeros(0, dtype=bool)
    cell = stage_row[pick[starts]] * n_own + owner[pick[starts]]
    size = len(order) * n_own

    def count(mask=None):
        return np.bincount(cell if mask is None else cell[mask], minlength=size)

    table = pd.DataFrame({
        "cell": np.arange(size), "entered": count(), "resolved": count(resolved[pick[ends]] | adv),
        "advanced": count(adv), "lost": count(gone),
    })
    table = table[table["entered"] > 0]
    table["row"], table["owner_code"] = np.divmod(table["cell"].to_numpy(), n_own)

    # Dwell: finished stays only (a stay still running has no length yet).
    stays = (stage_row >= 0) & left
    dwell_all = np.full(n, np.nan)
    dwell_all[:-1] = (v.at[1:] - v.at[:-1]) / 86_400e6
    dwell = pd.Series(dwell_all[stays])
    stay_row, stay_owner = stage_row[stays], owner[stays]
    by_cell = dwell.groupby(stay_row * n_own + stay_owner).median()
    by_row = dwell.groupby(stay_row).median()
    table["median_dwell_days"] = table["cell"].map(by_cell).astype(float)

    team = table.groupby("row", sort=True)[["entered", "resolved", "advanced", "lost"]].sum().reset_index()
    team["median_dwell_days"] = team["row"].map(by_row).astype(float)
    team["owner"] = TEAM
    table["owner"] = np.asarray(labels, dtype=object)[table["owner_code"].to_numpy()]
    both = pd.concat([team, table.drop(columns=["cell", "owner_code"])], ignore_index=True)
    info = order.loc[both["row"].to_numpy(), ["pipeline", "stage", "order", "kind"]].reset_index(drop=True)
    out = pd.concat([info, both.drop(columns="row").reset_index(drop=True)], axis=1)
    return out[COUNT_COLUMNS]


def _stay_outcomes(ix: FlowIndex, v: VisitArrays, order: pd.DataFrame) -> tuple[np.ndarray, ...]:
    """Per stay: its row in `order` (-1 for a stage the order does not know), whether it was
    left, and whether it advanced, was lost or is resolved (left, or closed while in it)."""
    n = len(v.deal)
    # Each stay's row in `order`, and the next stay's.
    order_keys = ix.keys_of(order)
    known = np.flatnonzero(order_keys >= 0)
    stage_row = gather(ix.key(v.pipe, v.stage), order_keys[known], known, -1)
    last = group_ends(v.deal)
    next_row = np.full(n, -1, dtype=np.int64)
    next_row[:-1] = np.where(last[:-1], -1, stage_row[1:])
    left = ~last
    rank = np.r_[order["order"].to_numpy(dtype=float), np.nan]          # index -1: unknown
    kind = np.r_[order["kind"].map(_KIND).fillna(-1).to_numpy(dtype=np.int64), -1]
    here_kind, next_kind = kind[stage_row], kind[next_row]
    forward = (next_kind == WON) | ((next_kind == OPEN) & (rank[next_row] > rank[stage_row]))
    to_lost = next_kind == LOST

    # The deal's status closes its last stay: won/lost while sitting in an open stage.
    won = deal_attr(ix, ix.status_is("won"), v.deal, False)
    lost_deal = deal_attr(ix, ix.status_is("lost"), v.deal, False)
    closed_here = last & (here_kind == OPEN) & (won | lost_deal)
    return stage_row, left, forward | (closed_here & won), to_lost | (closed_here & lost_deal), left | closed_here
