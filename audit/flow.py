"""How deals moved: stage visits and moves, derived once per audit from stage history.

These are the shared primitives of the stage, activity and funnel checks (rotting deals,
stage skips, hub stages, silent stage changes, per-owner conversion), so they are
computed once, vectorized, and memoized on the CrmData.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from audit.model import CrmData
from audit.stages import stage_order

VISIT_COLUMNS = ["deal_id", "pipeline", "owner", "stage", "entered_at", "left_at", "prev_stage",
                 "next_stage", "visit_no", "is_last", "dwell_days"]
MOVE_COLUMNS = ["deal_id", "pipeline", "owner", "from_stage", "to_stage", "changed_at", "changed_by",
                "prev_changed_at", "from_order", "to_order", "to_kind", "step", "direction"]


def moves(crm: CrmData) -> pd.DataFrame:
    """Stage history sorted by deal and time, one row per change, with order and direction.

    `from_stage` is the previous row's `to_stage` when the export did not store it;
    `prev_changed_at` is the previous change of the same deal (the deal's created_at for
    its first change). `step` = to_order - from_order (NaN when either order is unknown);
    `direction` is forward / backward / same / unknown; `to_kind` open / won / lost.
    """
    return crm.memo("moves", lambda: _moves(crm))


def stage_visits(crm: CrmData) -> pd.DataFrame:
    """One row per stay of a deal in a stage: entered_at, left_at (NaT while still there).

    A deal's first stay starts at its created_at in the from_stage of its first change
    (or, with no from_stage, the first change is the creation itself). Deals with no
    history rows get one stay in their current stage since created_at. Empty when no
    stage history was exported.
    """
    return crm.memo("stage_visits", lambda: _visits(crm))


def _moves(crm: CrmData) -> pd.DataFrame:
    h = crm.stage_history
    if h is None or h.empty:
        return pd.DataFrame(columns=MOVE_COLUMNS)
    deals = crm.deals.drop_duplicates("deal_id").set_index("deal_id")
    m = h[["deal_id", "pipeline", "from_stage", "to_stage", "changed_at", "changed_by"]]
    m = m.dropna(subset=["deal_id", "to_stage", "changed_at"])
    m = m.sort_values(["deal_id", "changed_at"], kind="stable").reset_index(drop=True)
    same_deal = m["deal_id"].eq(m["deal_id"].shift())
    m["from_stage"] = m["from_stage"].where(m["from_stage"].notna(),
                                            m["to_stage"].shift().where(same_deal))
    created = m["deal_id"].map(deals["created_at"])
    m["prev_changed_at"] = m["changed_at"].shift().where(same_deal, created)
    m["owner"] = m["deal_id"].map(deals["owner"])
    order = stage_order(crm)
    idx = order.set_index(["pipeline", "stage"])
    keys_from = pd.MultiIndex.from_arrays([m["pipeline"], m["from_stage"]])
    keys_to = pd.MultiIndex.from_arrays([m["pipeline"], m["to_stage"]])
    m["from_order"] = idx["order"].reindex(keys_from).to_numpy()
    m["to_order"] = idx["order"].reindex(keys_to).to_numpy()
    m["to_kind"] = idx["kind"].reindex(keys_to).fillna("open").to_numpy()
    m["step"] = m["to_order"] - m["from_order"]
    direction = np.select(
        [m["to_kind"].isin(["won", "lost"]) & m["from_stage"].notna(), m["step"] > 0, m["step"] < 0,
         m["step"] == 0],
        ["forward", "forward", "backward", "same"], default="unknown")
    # Reaching a final stage is forward whatever the numbers say (lost is filtered by kind).
    m["direction"] = direction
    return m[MOVE_COLUMNS]


def _visits(crm: CrmData) -> pd.DataFrame:
    h = crm.stage_history
    if h is None:
        return pd.DataFrame(columns=VISIT_COLUMNS)
    m = moves(crm)
    deals = crm.deals.drop_duplicates("deal_id")
    # Entries: every change enters its to_stage; a deal's first change also implies a stay
    # in its from_stage since creation.
    entries = m[["deal_id", "pipeline", "to_stage", "changed_at"]].rename(
        columns={"to_stage": "stage", "changed_at": "entered_at"})
    first = m.drop_duplicates("deal_id")
    first = first[first["from_stage"].notna()]
    created = first["deal_id"].map(deals.set_index("deal_id")["created_at"])
    start = pd.DataFrame({
        "deal_id": first["deal_id"], "pipeline": first["pipeline"], "stage": first["from_stage"],
        "entered_at": created.where(created <= first["changed_at"], first["changed_at"]),
    })
    # Deals the history never mentions sit in their current stage since creation.
    silent = deals[~deals["deal_id"].isin(m["deal_id"])]
    still = pd.DataFrame({"deal_id": silent["deal_id"], "pipeline": silent["pipeline"],
                          "stage": silent["stage"], "entered_at": silent["created_at"]})
    # At equal times the implied initial stay sorts before the change that ended it.
    v = pd.concat([start.assign(_rank=0), entries.assign(_rank=1), still.assign(_rank=1)],
                  ignore_index=True)
    v = v.dropna(subset=["stage", "entered_at"])
    v = v.sort_values(["deal_id", "entered_at", "_rank"], kind="stable")
    v = v.drop(columns="_rank").reset_index(drop=True)
    same_next = v["deal_id"].eq(v["deal_id"].shift(-1))
    same_prev = v["deal_id"].eq(v["deal_id"].shift())
    v["left_at"] = v["entered_at"].shift(-1).where(same_next)
    v["next_stage"] = v["stage"].shift(-1).where(same_next)
    v["prev_stage"] = v["stage"].shift().where(same_prev)
    v["visit_no"] = v.groupby("deal_id", sort=False).cumcount()
    v["is_last"] = ~same_next
    v["dwell_days"] = (v["left_at"] - v["entered_at"]).dt.total_seconds() / 86400
    v["owner"] = v["deal_id"].map(deals.set_index("deal_id")["owner"])
    return v[VISIT_COLUMNS]
