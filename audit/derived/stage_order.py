"""Stage order and kind per pipeline: declared when the export or config gives it,
inferred from the flow of deals otherwise.

Several checks need to know that "Proposal sent" comes after "Qualified" (entered-late,
stage-skip, dead-stage, funnel conversion). Few exports state the order, so it is inferred
from stage history: stage A precedes B when most deals that reached both entered A first
(a pairwise majority, robust to deals that skip stages or enter the CRM late). Final
stages (won/lost) go last; their kind comes from the deals' status (see `_kind_by_key`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from audit.derived.flowindex import FlowIndex, VisitArrays, distinct, group_starts, rank_in_group
from audit.model import CrmData

if TYPE_CHECKING:
    from audit.derived.tables import Derived

ORDER_COLUMNS = ["pipeline", "stage", "order", "kind", "declared"]
KIND_RANK = {"open": 0, "won": 1, "lost": 2}
# A deal entering more distinct stages than this is a loop or a data error; its later
# stages add nothing to the order but would square the pair count.
MAX_STAGES_PER_DEAL = 40
# An inferred order is trusted when each open stage follows the previous one for at least this
# many deals (SG04's `min_support`; the input warning about guessed orders uses it too).
MIN_ORDER_SUPPORT = 5
# A final stage is left only when a deal is reopened, which is rare; a stage that this share
# of the deals entering it left for another stage is a step, whatever status its sitters have.
STEP_SHARE = 0.25
# Declared stages come first; stages the declaration forgot go after them.
_AFTER_DECLARED = 1e6


def build_stage_order(d: Derived) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The stage order (`Derived.stage_order`) and the pair counts behind it (`Derived.stage_pairs`).

    The order has one row per (pipeline, stage): `order` 1..n (open stages first, then won,
    then lost), `kind` open/won/lost, `declared` True when the order came from the export or
    config. Stages seen in deals or history but not in a declared pipeline are appended after
    its declared open stages (declared=False). Open stages of a pipeline that is neither
    declared nor has any stage history have order NaN: nothing says which comes first.
    The pairs: pipeline, stage_a, stage_b, n = deals that entered stage_a before stage_b.
    """
    crm, ix = d.crm, d.flow_index
    declared = _declared(crm, ix)
    observed = _observed_keys(ix)
    if len(observed) == 0 and declared.empty:
        return _empty(), _no_pairs()
    inferred, pairs = _inferred(crm, ix, d.visit_arrays, observed)
    if declared.empty:
        return inferred, pairs
    known = declared.set_index(["pipeline", "stage"]).index
    in_declared = inferred["pipeline"].isin(declared["pipeline"])
    extra = inferred[in_declared & ~inferred.set_index(["pipeline", "stage"]).index.isin(known)]
    extra = extra.assign(order=extra["order"].fillna(0) + _AFTER_DECLARED)
    merged = _renumber(pd.concat([declared, extra], ignore_index=True))
    rest = inferred[~in_declared]
    return pd.concat([merged, rest], ignore_index=True)[ORDER_COLUMNS], pairs


def _empty() -> pd.DataFrame:
    return pd.DataFrame({"pipeline": pd.Series(dtype="str"), "stage": pd.Series(dtype="str"),
                         "order": pd.Series(dtype=float), "kind": pd.Series(dtype="str"),
                         "declared": pd.Series(dtype=bool)})


def _no_pairs() -> pd.DataFrame:
    return pd.DataFrame({"pipeline": pd.Series(dtype="str"), "stage_a": pd.Series(dtype="str"),
                         "stage_b": pd.Series(dtype="str"), "n": pd.Series(dtype=float)})


def _declared(crm: CrmData, ix: FlowIndex) -> pd.DataFrame:
    p = crm.pipelines
    if p is None or "order" not in crm.provided.get("pipelines", ()):
        return _empty()
    out = p[["pipeline", "stage", "order", "kind"]].dropna(subset=["pipeline", "stage"])
    out = out.drop_duplicates(["pipeline", "stage"])
    kinds = _kinds_from_deals(crm, ix)
    out = out.merge(kinds, on=["pipeline", "stage"], how="left", suffixes=("", "_deals"))
    kind = out["kind"].str.strip().str.lower()
    out["kind"] = kind.where(kind.isin(list(KIND_RANK))).fillna(out["kind_deals"]).fillna("open")
    out["declared"] = True
    return _renumber(out[ORDER_COLUMNS])


def _renumber(frame: pd.DataFrame) -> pd.DataFrame:
    """Open stages by order, then won, then lost; numbered 1..n within each pipeline."""
    rank_kind = frame["kind"].map(KIND_RANK).fillna(0)
    frame = frame.assign(_k=rank_kind, _o=frame["order"].astype(float))
    frame = frame.sort_values(["pipeline", "_k", "_o", "stage"], kind="stable", na_position="last")
    frame["order"] = frame.groupby("pipeline", sort=False).cumcount().astype(float) + 1
    return frame.drop(columns=["_k", "_o"]).reset_index(drop=True)[ORDER_COLUMNS]


def _observed_keys(ix: FlowIndex) -> np.ndarray:
    """Stage keys seen anywhere: deals' current stages, history to/from stages."""
    # History of deals missing from the export (HY06 reports them) has no known pipeline:
    # its stages would invent a pipeline of their own.
    known = ix.h_deal < ix.n_deals
    return distinct(np.concatenate([ix.deal_key, ix.h_to_key[known], ix.h_from_key[known]]), ix.key_space)


def _kind_by_key(crm: CrmData, ix: FlowIndex, keys: np.ndarray) -> np.ndarray:
    """open / won / lost per stage key.

    A stage deals sit in takes the majority status of those deals, unless the CRM keeps a
    closed deal in its last open stage (`CrmData.stages_all_open`, Pipedrive). A stage no deal
    sits in but the history enters (an outcome stage the deals export does not show) takes the
    majority status of the deals whose last move went there. Either way a stage that a good
    share of its deals (STEP_SHARE) left for an open stage, or for an outcome stage only the
    history shows, is a step of the process, not an outcome: open. (A move from one outcome
    stage to another, Closed Won -> Closed Lost, is a correction of the outcome, not a step.)
    """
    kind = np.full(len(keys), "open", dtype=object)
    if ix.n_deals == 0 or len(keys) == 0:
        return kind
    sitting = _status_counts(ix, keys, ix.deal_key, np.arange(ix.n_deals))
    if not crm.stages_all_open:
        for name in ("won", "lost"):
            kind[(sitting["all"] > 0) & (sitting[name] > 0.5 * sitting["all"])] = name
    last = np.flatnonzero(np.r_[ix.h_deal[1:] != ix.h_deal[:-1], True]) if len(ix.h_deal) else np.empty(0, int)
    last = last[ix.h_deal[last] < ix.n_deals]
    ended = _status_counts(ix, keys, ix.h_to_key[last], ix.h_deal[last])
    no_one_sits = sitting["all"] == 0
    for name in ("won", "lost"):
        kind[no_one_sits & (ended["all"] > 0) & (ended[name] > 0.5 * ended["all"])] = name
    entered, left = _entered_and_left(ix, keys, (kind == "open") | no_one_sits)
    kind[(kind != "open") & (left >= STEP_SHARE * np.maximum(entered, 1))] = "open"
    return kind


def _status_counts(ix: FlowIndex, keys: np.ndarray, deal_keys: np.ndarray, deals: np.ndarray) -> dict:
    """Per key of `keys`: how many of the (deal, key) rows there are, and how many of them are
    won and lost deals ("all", "won", "lost")."""
    pos = np.searchsorted(keys, deal_keys)
    ok = (deal_keys >= 0) & (pos < len(keys))
    ok[ok] = keys[pos[ok]] == deal_keys[ok]
    out = {"all": np.bincount(pos[ok], minlength=len(keys))}
    for name in ("won", "lost"):
        out[name] = np.bincount(pos[ok], weights=ix.status_is(name)[deals[ok]], minlength=len(keys))
    return out


def _entered_and_left(ix: FlowIndex, keys: np.ndarray, step_to: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per key: deals that entered the stage (history moves into it, current stages), and deals
    that moved from it to another stage whose key `step_to` marks."""
    known = ix.h_deal < ix.n_deals
    n_keys = max(int(ix.key_space), 1)

    def deals_per_key(deal: np.ndarray, key: np.ndarray) -> np.ndarray:
        ok = key >= 0
        # Distinct (deal, key) pairs by sorting: numpy 2's hash-based np.unique took seconds on the
        # few million pairs of a million deals, a sort and a comparison of neighbours a fraction.
        pairs = np.sort(deal[ok].astype(np.int64) * n_keys + key[ok])
        pairs = pairs[np.r_[True, pairs[1:] != pairs[:-1]]] if len(pairs) else pairs
        per_key = np.bincount(pairs % n_keys, minlength=n_keys)
        return per_key[keys]

    entered = deals_per_key(np.r_[ix.h_deal[known], np.arange(ix.n_deals), ix.h_deal[known]],
                            np.r_[ix.h_to_key[known], ix.deal_key, ix.h_from_key[known]])
    to = np.searchsorted(keys, ix.h_to_key)
    found = (ix.h_to_key >= 0) & (to < len(keys))
    found[found] = keys[to[found]] == ix.h_to_key[found]
    found[found] = step_to[to[found]]
    moved = known & found & (ix.h_from_key >= 0) & (ix.h_from_key != ix.h_to_key)
    left = deals_per_key(ix.h_deal[moved], ix.h_from_key[moved])
    return entered, left


def _kinds_from_deals(crm: CrmData, ix: FlowIndex) -> pd.DataFrame:
    keys = distinct(ix.deal_key, ix.key_space)
    out = ix.key_frame(keys)
    out["kind"] = _kind_by_key(crm, ix, keys)
    return out


def _inferred(crm: CrmData, ix: FlowIndex, v: VisitArrays,
              keys: np.ndarray) -> tuple[pd.DataFrame, pd.DataFrame]:
    kind = _kind_by_key(crm, ix, keys)
    position, has_history, pairs = _pairwise_position(ix, v, keys)
    stages = ix.key_frame(keys)
    stages["kind"] = kind
    # Stages never moved through sort after the ones that were.
    stages["order"] = np.where(np.isnan(position), np.inf, position)
    stages["declared"] = False
    out = _renumber(stages[ORDER_COLUMNS])
    # Without any history for a pipeline its open stages have no knowable order.
    known = ix.key_frame(keys[has_history])["pipeline"].unique() if has_history.any() else []
    unknown = ~out["pipeline"].isin(known) & out["kind"].eq("open")
    out.loc[unknown, "order"] = np.nan
    return out, pairs


def _pairwise_position(ix: FlowIndex, v: VisitArrays,
                       keys: np.ndarray) -> tuple[np.ndarray, np.ndarray, pd.DataFrame]:
    """Copeland position of each stage within its pipeline: stage A scores
    a point against B when more deals entered A before B than the other way round (half a
    point for a tie); more points = earlier, ties broken by the mean rank of first entry.

    Returns (position per key, NaN for stages no history entered; whether the key's pipeline
    has history; the pair counts: pipeline, stage_a, stage_b, n = deals that entered a before b).
    Works on the visit sequence: each deal's first entry into each stage.
    Deals that walked the same path add the same pairs, so each distinct path is counted
    once with its number of deals as the weight (a million deals walk a few thousand paths).
    """
    n_keys = len(keys)
    position = np.full(n_keys, np.nan)
    has_history = np.zeros(n_keys, dtype=bool)
    sel = ~v.silent & (v.deal < ix.n_deals)  # orphans' history belongs to no known pipeline
    if not sel.any():
        return position, has_history, _no_pairs()
    deal = v.deal[sel]
    k = np.searchsorted(keys, v.key[sel])  # every visit key is observed, so it is in `keys`
    pipe_of_key = keys // max(ix.n_stages, 1)
    has_history = (np.bincount(pipe_of_key[k], minlength=len(ix.pipelines)) > 0)[pipe_of_key]

    deal, k, weight = _distinct_paths(deal, k)
    # First entry of each deal into each stage. Final stages take part too: every stage that
    # deals pass through on their way to won or lost scores against them, which places
    # stages with little traffic (typos, one-off stages) after the well-trodden ones.
    first_entry = ~pd.Series(deal * n_keys + k).duplicated().to_numpy()
    deal, k = deal[first_entry], k[first_entry]
    rank = rank_in_group(group_starts(deal))
    keep = rank < MAX_STAGES_PER_DEAL
    deal, k, rank = deal[keep], k[keep], rank[keep]
    w = weight[deal]
    entered = np.bincount(k, weights=w, minlength=n_keys)
    mean_rank = np.bincount(k, weights=rank * w, minlength=n_keys) / np.maximum(entered, 1)
    a, b = _pairs_in_groups(deal)
    same_pipe = pipe_of_key[k[a]] == pipe_of_key[k[b]]
    a, b = a[same_pipe], b[same_pipe]
    pair = k[a] * n_keys + k[b]
    if n_keys * n_keys <= 4_000_000:
        counts = np.bincount(pair, weights=w[a], minlength=n_keys * n_keys)
        codes = np.flatnonzero(counts)
        counts = counts[codes]
    else:
        summed = pd.Series(w[a]).groupby(pair).sum()
        codes, counts = summed.index.to_numpy(), summed.to_numpy()
    before = pd.DataFrame({"a": codes // n_keys, "b": codes % n_keys, "n": counts})
    rev = pd.DataFrame({"a": before["b"], "b": before["a"], "n_rev": before["n"]})
    both = before.merge(rev, on=["a", "b"], how="left").fillna({"n_rev": 0})
    both["win"] = (both["n"] > both["n_rev"]).astype(float) + 0.5 * (both["n"] == both["n_rev"])
    wins = np.bincount(both["a"].to_numpy(), weights=both["win"].to_numpy(), minlength=n_keys)
    idx = np.flatnonzero(entered > 0)
    # Sort by pipeline, more wins first, then earlier mean rank; position = place within pipeline.
    order = np.lexsort((mean_rank[idx], -wins[idx], pipe_of_key[idx]))
    ranked = idx[order]
    position[ranked] = rank_in_group(group_starts(pipe_of_key[ranked]))
    a_names, b_names = ix.key_frame(keys[before["a"].to_numpy()]), ix.key_frame(keys[before["b"].to_numpy()])
    pairs = pd.DataFrame({"pipeline": a_names["pipeline"], "stage_a": a_names["stage"],
                          "stage_b": b_names["stage"], "n": before["n"].to_numpy()})
    return position, has_history, pairs


def _distinct_paths(deal: np.ndarray, stage: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One representative per distinct stage sequence.

    `deal` groups the (time-ordered) `stage` codes. Returns the rows of the representative
    deals (renumbered 0..m-1 as group ids, in `deal`), their stages, and per group id the
    number of deals that walked that path. Paths are told apart by a 64-bit hash of
    (position, stage) pairs and the path length.
    """
    first = group_starts(deal)
    starts = np.flatnonzero(first)
    rank = rank_in_group(first)
    lengths = np.diff(np.append(starts, len(deal)))
    mix = np.random.default_rng(20261120).integers(1, 2**63, size=int(lengths.max()) + 2, dtype=np.uint64) | 1
    with np.errstate(over="ignore"):
        terms = (stage.astype(np.uint64) + np.uint64(1)) * mix[rank]
        path = np.add.reduceat(terms, starts) + mix[lengths] * np.uint64(0x9E3779B97F4A7C15)
    code, _ = pd.factorize(path)
    count = np.bincount(code)
    # The first deal of each path is its representative (codes number paths by first appearance).
    prev_max = np.concatenate([[-1], np.maximum.accumulate(code)[:-1]])
    rep = code > prev_max
    group = np.cumsum(first) - 1
    rows = rep[group]
    new_group = np.cumsum(rep)[group[rows]] - 1
    return new_group, stage[rows], count[code[rep]]


def _pairs_in_groups(group: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """All index pairs (i, j), i < j, within each run of equal values of a grouped array."""
    n = len(group)
    if n == 0:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
    first = group_starts(group)
    start = np.flatnonzero(first)
    size = np.diff(np.append(start, n))
    r = rank_in_group(first)
    later = np.repeat(size, size) - 1 - r  # elements after i in its group
    a = np.repeat(np.arange(n), later)
    offset = np.repeat(np.cumsum(later) - later, later)
    b = a + 1 + (np.arange(len(a)) - offset)
    return a, b


def build_expected_status(d: Derived) -> pd.Series:
    """Per row of the deals table, the status its stage implies (the stage's kind: open, won or
    lost), where the deal's pipeline has a won or lost stage; missing elsewhere (nothing to
    compare with). Kinds are declared (pipelines table or config), else the majority status of
    the deals sitting in the stage (`Derived.expected_status`; HY05 compares it with the status).
    """
    deals = d.crm.deals
    order = d.stage_order
    if order.empty:
        return pd.Series(pd.array([None] * len(deals), dtype="str"), index=deals.index)
    order = order.drop_duplicates(["pipeline", "stage"])
    final = order.loc[order["kind"].isin(["won", "lost"]), "pipeline"].unique()
    kinds = order.set_index(["pipeline", "stage"])["kind"]
    keys = pd.MultiIndex.from_arrays([deals["pipeline"], deals["stage"]])
    kind = pd.Series(kinds.reindex(keys).to_numpy(), index=deals.index, dtype="str")
    return kind.where(deals["pipeline"].isin(final))
