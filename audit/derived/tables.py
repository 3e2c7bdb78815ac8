"""`Derived`: the tables derived from one `CrmData`, each computed on first use and kept for the run.

The runner builds one per audit and hands it to every check (`RunContext.derived`) and to the
tables assembled after the checks, so the flow index, the stage order or the activity timeline
is computed once however many checks read it. It is the one cache of a run: what it holds is
listed here, typed, rather than kept under string keys inside the canonical data.
"""

from __future__ import annotations

from functools import cached_property
from typing import Any, Callable, TypeVar

import numpy as np
import pandas as pd

from audit.derived import calls as _calls
from audit.derived import deal_index as _deals
from audit.derived import flow as _flow
from audit.derived import flowindex as _index
from audit.derived import funnel as _funnel
from audit.derived import stage_order as _order
from audit.derived import stage_tables as _stage_tables
from audit.derived import steps as _steps
from audit.model import CrmData

T = TypeVar("T")


class Derived:
    """The derived tables of one audit, read-only for everyone (see the module doc)."""

    def __init__(self, crm: CrmData):
        self.crm = crm
        self._shared: dict[tuple, Any] = {}

    # -- integer codes and links -------------------------------------------------------------

    @cached_property
    def flow_index(self) -> _index.FlowIndex:
        """Deals and stage history as integer arrays (audit.derived.flowindex)."""
        return _index.build_flow_index(self.crm)

    @cached_property
    def visit_arrays(self) -> _index.VisitArrays:
        """Every stay of a deal in a stage, as arrays."""
        return _index.build_visit_arrays(self.flow_index)

    @cached_property
    def deal_index(self) -> _deals.DealIndex:
        """One row per deal id and the lookup from ids to those rows (audit.derived.deal_index)."""
        return _deals.build_deal_index(self.crm)

    @cached_property
    def activity_positions(self) -> np.ndarray:
        """The deal row of every activity, -1 for activities that link to no exported deal."""
        return _deals.build_link_positions(self, "activities")

    @cached_property
    def history_positions(self) -> np.ndarray:
        """The deal row of every stage-history row, -1 for rows that link to no exported deal."""
        if self.crm.stage_history is None:
            return np.zeros(0, dtype=np.int64)
        # The flow index matched every history row to its deal code, which is the deal row.
        return self.flow_index.h_link

    def link_positions(self, table: str) -> np.ndarray:
        """The deal row of every row of `activities` or `stage_history` (-1: links to no exported deal)."""
        return self.activity_positions if table == "activities" else self.history_positions

    @cached_property
    def move_positions(self) -> np.ndarray:
        """The deal row of every row of `moves`, -1 for unknown deals."""
        return _deals.build_move_positions(self)

    @cached_property
    def owner_codes(self) -> tuple[np.ndarray, pd.Index]:
        """(owner code per deal row, owner labels); deals without an owner under NO_OWNER."""
        return _deals.build_owner_codes(self)

    @cached_property
    def deal_status_codes(self) -> np.ndarray:
        """Each deal row's status as 0 open, 1 won, 2 lost."""
        return _deals.build_status_codes(self)

    @cached_property
    def activity_timeline(self) -> _deals.ActivityTimeline:
        """The activities with a known deal and time as sorted keys, for counts between two times."""
        return _deals.build_timeline(self)

    # -- how deals moved ---------------------------------------------------------------------

    @cached_property
    def _order_and_pairs(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        return _order.build_stage_order(self)

    @property
    def stage_order(self) -> pd.DataFrame:
        """Stage order and kind per pipeline, declared or inferred (audit.derived.stage_order)."""
        return self._order_and_pairs[0]

    @property
    def stage_pairs(self) -> pd.DataFrame:
        """How many deals entered stage_a before stage_b, per pipeline: the evidence behind an
        inferred order."""
        return self._order_and_pairs[1]

    @cached_property
    def stage_table(self) -> _flow.StageTable:
        """The stage order as arrays over flow-index stage keys."""
        return _flow.build_stage_table(self)

    @cached_property
    def moves(self) -> pd.DataFrame:
        """Stage history, one row per change, with order and direction (audit.derived.flow)."""
        return _flow.build_moves(self)

    @cached_property
    def move_arrays(self) -> _flow.MoveArrays:
        """The numbers of `moves` (orders, kind, direction, previous change) as arrays over the
        flow index's history rows: what a check reads before it takes text for its findings."""
        return _flow.build_move_arrays(self)

    @cached_property
    def stage_visits(self) -> pd.DataFrame:
        """One row per stay of a deal in a stage (audit.derived.flow)."""
        return _flow.build_visits(self)

    @cached_property
    def stage_flow(self) -> _flow.StageFlow:
        """How deals pass through each stage of `stage_table`."""
        return _flow.build_stage_flow(self)

    @cached_property
    def current_stay(self) -> tuple[np.ndarray, np.ndarray]:
        """Per deal code: when the deal entered the stage it is in now, and that stage's code."""
        return _flow.build_current_stay(self)

    @cached_property
    def order_steps(self) -> pd.DataFrame:
        """The real steps of each pipeline and how far their order is supported (audit.derived.steps)."""
        return _steps.build_order_steps(self)

    @cached_property
    def stage_counts(self) -> pd.DataFrame:
        """Per pipeline, stage and owner: entered, resolved, advanced, lost (audit.derived.funnel)."""
        return _funnel.build_stage_counts(self, self.stage_order)

    @cached_property
    def expected_status(self) -> pd.Series:
        """Per row of the deals table, the status its stage's kind implies (audit.derived.stage_order)."""
        return _order.build_expected_status(self)

    @cached_property
    def pipeline_owners(self) -> pd.DataFrame:
        """Per pipeline: owned deals, owners, the main owner and their share (audit.derived.stage_tables)."""
        return _stage_tables.build_pipeline_owners(self)

    # -- the phone system's calls -------------------------------------------------------------

    @cached_property
    def number_deals(self) -> _calls.NumberDeals:
        """The deals' contact phones as (number code, deal row) pairs (audit.derived.calls)."""
        return _calls.build_number_deals(self)

    @cached_property
    def client_calls(self) -> _calls.ClientCalls:
        """The calls with a client number, with the number's deals and whether anyone knows it."""
        return _calls.build_client_calls(self)

    # -- memory ------------------------------------------------------------------------------

    # Per-stay and per-change arrays (about 0.3 GB at a million deals) that only the checks of
    # the deals' flow read; the tables built from them (stage_flow, stage_counts, stage_order)
    # stay cached.
    FLOW_VIEWS = ("visit_arrays", "move_arrays", "current_stay", "moves", "stage_visits")

    def release_flow_views(self) -> None:
        """Drop FLOW_VIEWS once no check left to run reads them (the runner knows): a later
        reader builds them again, so this costs time at worst, never a different answer."""
        for name in self.FLOW_VIEWS:
            self.__dict__.pop(name, None)

    # -- work several checks share -----------------------------------------------------------

    def shared(self, compute: Callable[..., T], *args: Any) -> T:
        """`compute(self, *args)` once per run: work several checks share that is not a table of its
        own, or that depends on a setting (the Great Expectations validation behind HY01-HY05 per
        as_of, the calls matched to deals per as_of and window), kept under the function itself."""
        key = (compute, *args)
        if key not in self._shared:
            self._shared[key] = compute(self, *args)
        return self._shared[key]
