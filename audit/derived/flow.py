"""How deals moved: stage visits and moves, derived once per audit from stage history.

These are the shared primitives of the stage, activity and funnel checks (rotting deals,
stage skips, hub stages, silent stage changes, per-owner conversion), so they are
computed once per audit (`audit.derived.tables.Derived`), vectorized on integer codes
(audit.derived.flowindex).
Rows are grouped by deal (in the order of the deals table; history rows of deals missing
from it come after) and in time order within a deal.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pyarrow as pa

from audit.derived.flowindex import (
    NAT,
    deal_attr,
    encode,
    group_ends,
    group_starts,
    rank_in_group,
    take_text,
    to_datetime,
)

if TYPE_CHECKING:
    from audit.derived.tables import Derived

VISIT_COLUMNS = ["deal_id", "pipeline", "owner", "stage", "entered_at", "left_at", "prev_stage",
                 "next_stage", "visit_no", "is_last", "dwell_days"]
KINDS = pa.array(["open", "won", "lost"], type=pa.large_string())
DIRECTIONS = pa.array(["forward", "backward", "same", "unknown"], type=pa.large_string())
MOVE_COLUMNS = ["deal_id", "pipeline", "owner", "from_stage", "to_stage", "changed_at", "changed_by",
                "prev_changed_at", "from_order", "to_order", "to_kind", "step", "direction"]


def build_moves(d: Derived) -> pd.DataFrame:
    """Stage history grouped by deal and sorted by time, one row per change, with order and direction.

    `from_stage` is the previous row's `to_stage` when the export did not store it;
    `prev_changed_at` is the previous change of the same deal (the deal's created_at for
    its first change). `step` = to_order - from_order (NaN when either order is unknown);
    `direction` is forward / backward / same / unknown; `to_kind` open / won / lost.
    """
    h = d.crm.stage_history
    if h is None or h.empty:
        return pd.DataFrame(columns=MOVE_COLUMNS)
    ix = d.flow_index
    a = d.move_arrays
    index = pd.RangeIndex(len(ix.h_deal))
    (changed_by,), who = encode(h["changed_by"])
    out = _frame(index, {
        **move_text(ix, slice(None)),
        "changed_at": to_datetime(ix.h_at, index),
        "changed_by": (who, changed_by[ix.h_row] if len(changed_by) else ix.h_row),
        "prev_changed_at": to_datetime(a.prev_at, index),
        "from_order": a.from_order, "to_order": a.to_order,
        "to_kind": (KINDS, a.to_kind),
        "step": a.step,
        "direction": (DIRECTIONS, a.direction),
    })
    return out[MOVE_COLUMNS]


@dataclass(frozen=True, eq=False)
class MoveArrays:
    """The numbers of `Derived.moves`, one per history row of the flow index (its sorted order),
    without the text: a check reads these and takes text only for the rows it reports.
    `direction` codes index DIRECTIONS (0 forward), `to_kind` KINDS (0 open, 1 won, 2 lost);
    `prev_at` is the previous change of the deal, its creation for its first change (µs)."""

    from_order: np.ndarray
    to_order: np.ndarray
    to_kind: np.ndarray
    step: np.ndarray
    direction: np.ndarray
    prev_at: np.ndarray


def build_move_arrays(d: Derived) -> MoveArrays:
    """The MoveArrays of the audit (`Derived.move_arrays`)."""
    ix = d.flow_index
    n = len(ix.h_deal)
    st = d.stage_table
    from_order = st.take(st.order, ix.h_from_key, np.nan)
    to_order = st.take(st.order, ix.h_to_key, np.nan)
    to_kind = st.take(st.kind, ix.h_to_key, 0)
    step = to_order - from_order
    prev_at = np.empty(n, dtype=np.int64)
    if n:
        prev_at[1:] = ix.h_at[:-1]
        prev_at[ix.h_first] = deal_attr(ix, ix.deal_created, ix.h_deal[ix.h_first], NAT)
    final = (to_kind > 0) & (ix.h_from >= 0)
    # Reaching a final stage is forward whatever the numbers say (lost is filtered by kind).
    direction = np.select([final, step > 0, step < 0, step == 0], [0, 0, 1, 2], default=3)
    # Codes of four values at most: one byte each, not eight (55 MB at 3.4M stage changes).
    return MoveArrays(from_order=from_order, to_order=to_order, to_kind=to_kind.astype(np.int8), step=step,
                      direction=direction.astype(np.int8), prev_at=prev_at)


def move_text(ix, rows) -> dict[str, tuple]:
    """The text columns of the moves at `rows` (positions, or a slice) as (vocabulary, codes)
    pairs for `_frame` or `take_text`: deal_id, pipeline, owner, from_stage, to_stage."""
    deal = ix.h_deal[rows]
    return {
        "deal_id": (ix.deal_ids, deal),
        "pipeline": (ix.pipelines, ix.h_pipe[rows]),
        "owner": (ix.owners, deal_attr(ix, ix.deal_owner, deal, -1)),
        "from_stage": (ix.stages, ix.h_from[rows]),
        "to_stage": (ix.stages, ix.h_to[rows]),
    }


def build_visits(d: Derived) -> pd.DataFrame:
    """One row per stay of a deal in a stage: entered_at, left_at (NaT while still there).

    A deal's first stay starts at its created_at in the from_stage of its first change
    (or, with no from_stage, the first change is the creation itself). Deals with no
    history rows get one stay in their current stage since created_at. Empty when no
    stage history was exported.
    """
    if d.crm.stage_history is None:
        return pd.DataFrame(columns=VISIT_COLUMNS)
    ix = d.flow_index
    v = d.visit_arrays
    n = len(v.deal)
    index = pd.RangeIndex(n)
    first = group_starts(v.deal)
    last = np.ones(n, dtype=bool)
    if n:
        last[:-1] = first[1:]
    nxt = np.full(n, -1, dtype=np.int64)
    prv = np.full(n, -1, dtype=np.int64)
    left = np.full(n, NAT, dtype=np.int64)
    if n:
        nxt[:-1] = np.where(last[:-1], -1, v.stage[1:])
        prv[1:] = np.where(first[1:], -1, v.stage[:-1])
        left[:-1] = np.where(last[:-1], NAT, v.at[1:])
    entered_at = to_datetime(v.at, index)
    left_at = to_datetime(left, index)
    out = _frame(index, {
        "deal_id": (ix.deal_ids, v.deal),
        "pipeline": (ix.pipelines, v.pipe),
        "owner": (ix.owners, deal_attr(ix, ix.deal_owner, v.deal, -1)),
        "stage": (ix.stages, v.stage),
        "entered_at": entered_at,
        "left_at": left_at,
        "prev_stage": (ix.stages, prv),
        "next_stage": (ix.stages, nxt),
        "visit_no": rank_in_group(first),
        "is_last": last,
        "dwell_days": np.where(last, np.nan, (left - v.at) / 86_400e6),
    })
    return out[VISIT_COLUMNS]


@dataclass(frozen=True, eq=False)
class StageTable:
    """The stage order as arrays over flow_index stage keys, sorted by key: a stage's row is
    `position(keys)`. `kind` is 0 open, 1 won, 2 lost (KINDS)."""

    keys: np.ndarray
    order: np.ndarray
    kind: np.ndarray
    frame: pd.DataFrame          # the stage_order rows, in the same order

    def position(self, keys: np.ndarray) -> np.ndarray:
        """Row of each stage key in this table, -1 for unknown keys."""
        keys = np.asarray(keys, dtype=np.int64)
        if len(self.keys) == 0:
            return np.full(len(keys), -1, dtype=np.int64)
        pos = np.minimum(np.searchsorted(self.keys, keys), len(self.keys) - 1)
        return np.where((keys >= 0) & (self.keys[pos] == keys), pos, -1)

    def take(self, values: np.ndarray, keys: np.ndarray, fill) -> np.ndarray:
        """values[row of each key], `fill` for unknown keys."""
        pos = self.position(keys)
        if len(values) == 0:
            return np.full(len(pos), fill)
        return np.where(pos >= 0, values[np.maximum(pos, 0)], fill)


def build_stage_table(d: Derived) -> StageTable:
    """The StageTable of the audit's stage order (`Derived.stage_table`)."""
    ix = d.flow_index
    order = d.stage_order
    keys = ix.keys_of(order) if len(order) else np.empty(0, dtype=np.int64)
    frame = order[keys >= 0]
    keys = keys[keys >= 0]
    sort = np.argsort(keys, kind="stable")
    frame = frame.iloc[sort].reset_index(drop=True)
    kind = pd.Index(KINDS.to_pylist()).get_indexer(frame["kind"]).clip(0)
    return StageTable(keys=keys[sort], order=frame["order"].to_numpy(dtype=float), kind=kind, frame=frame)


def _frame(index: pd.Index, columns: dict) -> pd.DataFrame:
    """A DataFrame from columns, where a (vocabulary, codes) pair is a text column to take.

    Taking millions of strings is most of the cost of these views (a stage column of 4.8M
    rows is ~200 MB of text); Arrow's take releases the GIL, so the text columns are built
    on two threads.
    """
    text = {name: spec for name, spec in columns.items() if isinstance(spec, tuple)}
    with ThreadPoolExecutor(max_workers=2) as pool:
        built = dict(zip(text, pool.map(lambda spec: take_text(spec[0], spec[1], index), text.values())))
    return pd.DataFrame({name: built.get(name, spec) for name, spec in columns.items()}, index=index)


@dataclass(frozen=True, eq=False)
class StageFlow:
    """How deals pass through each stage of `Derived.stage_table` (arrays aligned with its rows).

    stays: stays in the stage; completed: stays that ended with a move; median_dwell_days:
    median length of the completed stays (NaN without any); entries: stays entered from
    another open stage; exits: stays left to another stage; backward_exits: exits to an
    earlier open stage; returns: exits straight back to the stage the deal came from.
    `sources` has one row per (stage, source stage) pair with entries `n` and their `share`.
    """

    stays: np.ndarray
    completed: np.ndarray
    median_dwell_days: np.ndarray
    entries: np.ndarray
    exits: np.ndarray
    backward_exits: np.ndarray
    returns: np.ndarray
    sources: pd.DataFrame

    @property
    def backward_share(self) -> np.ndarray:
        return np.where(self.exits > 0, self.backward_exits / np.maximum(self.exits, 1), 0.0)

    def strong_sources(self, min_share: float) -> np.ndarray:
        """Per stage: how many source stages each bring at least `min_share` of its entries."""
        strong = self.sources[self.sources["share"] >= min_share]
        return np.bincount(strong["stage"].to_numpy(dtype=np.int64), minlength=len(self.stays))


def build_stage_flow(d: Derived) -> StageFlow:
    """The StageFlow of the audit (`Derived.stage_flow`; empty arrays without stage history)."""
    v, st = d.visit_arrays, d.stage_table
    k = len(st.keys)
    row = st.position(v.key)
    n = len(row)
    first, last = group_starts(v.deal), group_ends(v.deal)
    prev = np.full(n, -1, dtype=np.int64)
    nxt = np.full(n, -1, dtype=np.int64)
    dwell = np.full(n, np.nan)
    if n:
        prev[1:] = np.where(first[1:], -1, row[:-1])
        nxt[:-1] = np.where(last[:-1], -1, row[1:])
        dwell[:-1] = np.where(last[:-1], np.nan, (v.at[1:] - v.at[:-1]) / 86_400e6)
    kind = np.append(st.kind, -1)   # index -1 (no stage) -> no kind
    order = np.append(st.order, np.nan)
    known = row >= 0

    def count(mask: np.ndarray) -> np.ndarray:
        return np.bincount(row[mask & known], minlength=k)

    done = known & ~last
    median = np.full(k, np.nan)
    if done.any():
        med = pd.Series(dwell[done]).groupby(row[done]).median()
        median[med.index.to_numpy()] = med.to_numpy()
    # Entries from another open stage (reopening a closed deal is not a source).
    entry = known & (prev >= 0) & (prev != row) & (kind[prev] == 0)
    exit_ = known & (nxt >= 0) & (nxt != row)
    back = exit_ & (kind[nxt] == 0) & (order[nxt] < order[row])
    codes, counts = _distinct_counts(row[entry] * k + prev[entry], k * k)
    entries = count(entry)
    sources = pd.DataFrame({"stage": codes // max(k, 1), "source": codes % max(k, 1), "n": counts})
    sources["share"] = sources["n"] / np.maximum(entries[sources["stage"].to_numpy()], 1)
    return StageFlow(stays=count(known), completed=count(done), median_dwell_days=median, entries=entries,
                     exits=count(exit_), backward_exits=count(back), returns=count(exit_ & (nxt == prev)),
                     sources=sources)


def _distinct_counts(codes: np.ndarray, space: int) -> tuple[np.ndarray, np.ndarray]:
    """Distinct non-negative int codes (sorted) and how often each occurs."""
    if space <= 4_000_000:
        counts = np.bincount(codes, minlength=space)
        present = np.flatnonzero(counts)
        return present, counts[present]
    vc = pd.Series(codes).value_counts().sort_index()
    return vc.index.to_numpy(), vc.to_numpy()


# When a stage behaves as a waiting room rather than a step (SG08's defaults; SG04 uses them to
# leave such stages out of "stages skipped").
WAITING_ROOM = {"min_sources": 3, "min_source_share": 0.1, "min_entries": 20, "backward_share": 0.3,
                "min_exits": 20}


def waiting_rooms(d: Derived, min_sources: int = 3, min_source_share: float = 0.1, min_entries: int = 20,
                  backward_share: float = 0.3, min_exits: int = 20) -> tuple[np.ndarray, np.ndarray]:
    """Per stage_table row: (fed from many stages, left backwards often), open stages only.

    Fed: >= min_sources open stages each bring >= min_source_share of its entries (with
    >= min_entries entries). Left backwards: >= backward_share of its exits go to an earlier
    open stage (with >= min_exits exits).
    """
    st, flow = d.stage_table, d.stage_flow
    is_open = st.kind == 0
    fed = is_open & (flow.entries >= min_entries) & (flow.strong_sources(min_source_share) >= min_sources)
    back = is_open & (flow.exits >= min_exits) & (flow.backward_share >= backward_share)
    return fed, back


def build_current_stay(d: Derived) -> tuple[np.ndarray, np.ndarray]:
    """Per deal code of the flow index: when the deal entered the stage it is in now
    (int64 µs: its last stage change, or created_at when history never moved it; NAT when
    unknown) and that stay's stage code (in the flow index's stage vocabulary, -1 unknown).

    Without stage history: created_at and the deal's own stage. The stay's stage can
    differ from the deal's stage when the exported history is incomplete; callers that
    report time in the current stage should check they agree (`Derived.current_stay`).
    """
    ix = d.flow_index
    at = ix.deal_created.copy()
    stage = ix.deal_stage.copy()
    if ix.has_history:
        v = d.visit_arrays
        ends = group_ends(v.deal)
        deal = v.deal[ends]
        known = deal < ix.n_deals
        at[deal[known]] = v.at[ends][known]
        stage[deal[known]] = v.stage[ends][known]
    return at, stage
