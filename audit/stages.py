"""Stage order and kind per pipeline: declared when the export or config gives it,
inferred from the flow of deals otherwise.

Several checks need to know that "Proposal sent" comes after "Qualified" (entered-late,
stage-skip, dead-stage, funnel conversion). Few exports state the order, so it is inferred
from stage history: stage A precedes B when most deals that reached both entered A first
(a pairwise majority, robust to deals that skip stages or enter the CRM late). Final
stages (won/lost) go last; their kind comes from the deals' status.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from audit.model import CrmData

ORDER_COLUMNS = ["pipeline", "stage", "order", "kind", "declared"]


def stage_order(crm: CrmData) -> pd.DataFrame:
    """Memoized per audit: see `_stage_order`."""
    return crm.memo("stage_order", lambda: _stage_order(crm))


def _stage_order(crm: CrmData) -> pd.DataFrame:
    """One row per (pipeline, stage): `order` 1..n (open stages first, then won, then lost),
    `kind` open/won/lost, `declared` True when the order came from the export or config.

    Stages seen neither in the declared order nor in history get order NaN only if no
    history exists at all for their pipeline.
    """
    declared = _declared(crm)
    observed = _observed_stages(crm)
    if observed.empty and declared.empty:
        return pd.DataFrame(columns=ORDER_COLUMNS)
    inferred = _inferred(crm, observed)
    if declared.empty:
        return inferred
    # Declared pipelines win; stages the declaration forgot are appended after its open stages.
    known = declared.set_index(["pipeline", "stage"]).index
    extra = inferred[~inferred.set_index(["pipeline", "stage"]).index.isin(known)
                     & inferred["pipeline"].isin(declared["pipeline"])]
    rest = inferred[~inferred["pipeline"].isin(declared["pipeline"])]
    merged = pd.concat([declared, extra.assign(declared=False)], ignore_index=True)
    merged = _renumber(merged)
    return pd.concat([merged, rest], ignore_index=True)[ORDER_COLUMNS]


def _declared(crm: CrmData) -> pd.DataFrame:
    p = crm.pipelines
    if p is None or "order" not in crm.provided.get("pipelines", ()):
        return pd.DataFrame(columns=ORDER_COLUMNS)
    out = p[["pipeline", "stage", "order", "kind"]].dropna(subset=["pipeline", "stage"]).copy()
    kinds = _kinds_from_deals(crm)
    out = out.merge(kinds, on=["pipeline", "stage"], how="left", suffixes=("", "_deals"))
    out["kind"] = out["kind"].fillna(out["kind_deals"]).fillna("open")
    out["declared"] = True
    return _renumber(out[ORDER_COLUMNS])


def _renumber(frame: pd.DataFrame) -> pd.DataFrame:
    """Open stages by order, then won, then lost; numbered 1..n within each pipeline."""
    rank_kind = frame["kind"].map({"open": 0, "won": 1, "lost": 2}).fillna(0)
    frame = frame.assign(_k=rank_kind, _o=frame["order"].astype(float))
    frame = frame.sort_values(["pipeline", "_k", "_o", "stage"], kind="stable")
    frame["order"] = frame.groupby("pipeline", sort=False).cumcount().astype(float) + 1
    return frame.drop(columns=["_k", "_o"]).reset_index(drop=True)[ORDER_COLUMNS]


def _observed_stages(crm: CrmData) -> pd.DataFrame:
    parts = [crm.deals[["pipeline", "stage"]]]
    h = crm.stage_history
    if h is not None:
        parts.append(h[["pipeline", "to_stage"]].rename(columns={"to_stage": "stage"}))
        parts.append(h[["pipeline", "from_stage"]].rename(columns={"from_stage": "stage"}))
    stages = pd.concat(parts, ignore_index=True).dropna().drop_duplicates()
    return stages.reset_index(drop=True)


def _kinds_from_deals(crm: CrmData) -> pd.DataFrame:
    """won/lost when most deals sitting in the stage have that status, else open."""
    d = crm.deals[["pipeline", "stage", "status"]].dropna(subset=["stage"])
    if d.empty:
        return pd.DataFrame(columns=["pipeline", "stage", "kind"])
    share = pd.crosstab([d["pipeline"], d["stage"]], d["status"].fillna("open"), normalize="index")
    kind = pd.Series("open", index=share.index)
    for status in ("won", "lost"):
        if status in share.columns:
            kind[share[status] > 0.5] = status
    return kind.rename("kind").reset_index()


def _inferred(crm: CrmData, observed: pd.DataFrame) -> pd.DataFrame:
    kinds = _kinds_from_deals(crm)
    stages = observed.merge(kinds, on=["pipeline", "stage"], how="left")
    stages["kind"] = stages["kind"].fillna("open")
    position = _pairwise_position(crm)
    stages = stages.merge(position, on=["pipeline", "stage"], how="left")
    # Stages never seen in history sort after the ones that were (they were never moved through).
    stages["order"] = stages["position"].fillna(np.inf)
    stages["declared"] = False
    out = _renumber(stages[ORDER_COLUMNS])
    # Without any history for a pipeline its open stages have no knowable order.
    unknown = ~out["pipeline"].isin(position["pipeline"]) & out["kind"].eq("open")
    out.loc[unknown, "order"] = np.nan
    return out


def _pairwise_position(crm: CrmData) -> pd.DataFrame:
    """Copeland position of each open stage: how many other stages it precedes by majority.

    Returns columns pipeline, stage, position (smaller = earlier).
    """
    h = crm.stage_history
    if h is None or h.empty:
        return pd.DataFrame(columns=["pipeline", "stage", "position"])
    moves = h[["deal_id", "pipeline", "to_stage", "from_stage", "changed_at"]].dropna(
        subset=["deal_id", "to_stage", "changed_at"])
    # The from_stage of a deal's first recorded move was entered before that move.
    first = moves.sort_values("changed_at", kind="stable").drop_duplicates("deal_id")
    first = first.dropna(subset=["from_stage"])
    entries = pd.concat([
        moves[["deal_id", "pipeline", "to_stage", "changed_at"]].rename(columns={"to_stage": "stage"}),
        first[["deal_id", "pipeline", "from_stage", "changed_at"]]
        .rename(columns={"from_stage": "stage"})
        .assign(changed_at=lambda f: f["changed_at"] - pd.Timedelta(microseconds=1)),
    ], ignore_index=True)
    entered = entries.groupby(["pipeline", "deal_id", "stage"], observed=True, sort=False)["changed_at"].min()
    entered = entered.reset_index()
    # Rank of first entry within the deal; the pairwise comparison only needs ranks.
    entered["rank"] = entered.groupby(["pipeline", "deal_id"], sort=False)["changed_at"].rank(method="first")
    # Cap deals at 40 stages (pathological loops) to bound the self-join.
    entered = entered[entered["rank"] <= 40]
    pairs = entered.merge(entered, on=["pipeline", "deal_id"], suffixes=("_a", "_b"))
    pairs = pairs[pairs["rank_a"] < pairs["rank_b"]]
    before = pairs.groupby(["pipeline", "stage_a", "stage_b"], observed=True).size()
    before = before.rename("n").reset_index()
    rev = before.rename(columns={"stage_a": "stage_b", "stage_b": "stage_a", "n": "n_rev"})
    both = before.merge(rev, on=["pipeline", "stage_a", "stage_b"], how="left").fillna({"n_rev": 0})
    both["win"] = (both["n"] > both["n_rev"]).astype(float) + 0.5 * (both["n"] == both["n_rev"])
    wins = both.groupby(["pipeline", "stage_a"])["win"].sum()
    mean_rank = entered.groupby(["pipeline", "stage"])["rank"].mean()
    stages = mean_rank.reset_index()
    stages["wins"] = stages.set_index(["pipeline", "stage"]).index.map(wins).fillna(0).to_numpy()
    # More wins = earlier; ties broken by the mean first-entry rank.
    stages = stages.sort_values(["pipeline", "wins", "rank"], ascending=[True, False, True])
    stages["position"] = stages.groupby("pipeline").cumcount().astype(float)
    return stages[["pipeline", "stage", "position"]]


def open_stage_count(order: pd.DataFrame) -> pd.Series:
    """Number of open stages per pipeline (for 'first third of the pipeline' rules)."""
    return order[order["kind"] == "open"].groupby("pipeline")["order"].count()
