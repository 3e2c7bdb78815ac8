"""The real steps of each pipeline, and how far their order can be trusted.

A step is an open stage with a known order that is not a waiting room (`audit.derived.flow`:
a stage fed from many others or left backwards, a state rather than a step). Declared stages no
deal entered are steps too: a deal that jumps over them skips them. An order inferred from the
stage history is trusted only when each step follows the previous one for at least
MIN_ORDER_SUPPORT deals; otherwise it is a guess, and the checks that place a deal in the order
(SG04 stage-skip, ST05's late entry) leave such a pipeline out, while the input warnings name it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from audit.derived.flow import WAITING_ROOM, waiting_rooms
from audit.derived.stage_order import MIN_ORDER_SUPPORT

if TYPE_CHECKING:
    from audit.derived.tables import Derived

__all__ = ["MIN_ORDER_SUPPORT", "build_order_steps", "guessed_pipelines"]


def build_order_steps(d: Derived) -> pd.DataFrame:
    """One row per step: pipeline, stage, order, declared, `step` (1..n within the pipeline),
    `previous` (the step before, NaN for the first) and `support` (deals that entered the
    previous step before this one; NaN for the first step). `Derived.order_steps`."""
    st = d.stage_table
    fed, back = waiting_rooms(d, **WAITING_ROOM)
    rooms = st.frame.loc[fed | back, ["pipeline", "stage"]]
    order = d.stage_order
    steps = order[order["kind"].eq("open") & order["order"].notna()]
    if len(rooms):
        is_room = pd.MultiIndex.from_frame(steps[["pipeline", "stage"]]).isin(pd.MultiIndex.from_frame(rooms))
        steps = steps[~is_room]
    steps = steps.sort_values(["pipeline", "order"], kind="stable")
    by_pipe = steps.groupby("pipeline", sort=False)
    steps = steps.assign(step=by_pipe.cumcount() + 1.0, previous=by_pipe["stage"].shift())
    pairs = d.stage_pairs.set_index(["pipeline", "stage_a", "stage_b"])["n"]
    support = pairs.reindex(pd.MultiIndex.from_arrays([steps["pipeline"], steps["previous"], steps["stage"]]))
    steps = steps.assign(support=support.fillna(0).to_numpy())
    steps["support"] = steps["support"].where(steps["previous"].notna())
    return steps.reset_index(drop=True)


def guessed_pipelines(d: Derived, min_support: int = MIN_ORDER_SUPPORT) -> pd.DataFrame:
    """Pipelines whose order is inferred (none of it declared) and some step follows the previous
    one for fewer than `min_support` deals: per pipeline its weakest step (pipeline, stage,
    previous, support), weakest first."""
    steps = d.order_steps
    declared = steps.loc[steps["declared"].astype(bool), "pipeline"].unique()
    linked = steps[~steps["pipeline"].isin(declared) & steps["support"].notna()]
    weakest = linked.sort_values(["support", "step"], kind="stable").groupby("pipeline", sort=True).head(1)
    weak = weakest[weakest["support"] < min_support]
    return (weak[["pipeline", "stage", "previous", "support"]].sort_values(["support", "pipeline"], kind="stable")
            .reset_index(drop=True))
