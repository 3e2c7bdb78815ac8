"""Stage and pipeline tables: every stage with its verdicts, every pipeline with its owners and twin.

The numbers come from the data (stage order, audit.derived.flow); the verdicts are the tables the
checks that judged them published on their results (audit.model.verdicts: vague, hub, dead,
parked_now, rotting_now; personal, twin, similarity), so the tables say exactly what the checks
said without reading their codes or findings. A verdict column is None when no check published it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Sequence

import numpy as np
import pandas as pd

from audit.derived.flowindex import take_text
from audit.model.findings import CheckResult
from audit.model.verdicts import Scope, add_verdicts

if TYPE_CHECKING:
    from audit.derived.tables import Derived

STAGE_COLUMNS = ["pipeline", "stage", "order", "kind", "declared", "verdict", "result_named", "vague", "hub",
                 "dead", "deals_now", "open_now", "amount_now", "stays", "median_dwell_days", "entered_from",
                 "back_share", "rotting_now", "parked_now"]
PIPELINE_COLUMNS = ["pipeline", "deals", "open", "won", "lost", "owners_count", "owner_names", "main_owner",
                    "main_owner_share", "stages", "declared", "personal", "twin", "similarity"]
# entered_from counts source stages that each bring at least this share of a stage's entries
# (SG08's default), so one-off skips do not make every stage look fed from everywhere.
SOURCE_SHARE = 0.1
MAX_OWNER_NAMES = 10


def stages_table(d: Derived, results: Sequence[CheckResult]) -> pd.DataFrame:
    """One row per (pipeline, stage) of the audit's stage order."""
    crm, order = d.crm, d.stage_order
    if order is None or order.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in STAGE_COLUMNS})
    ix, st = d.flow_index, d.stage_table
    out = order[["pipeline", "stage", "order", "kind", "declared"]].reset_index(drop=True)
    keys = ix.keys_of(out)
    row = st.position(keys)

    # Deals sitting in each stage now (all, open, open amount).
    deal_row = st.position(ix.deal_key)
    placed = deal_row >= 0
    is_open = ix.status_is("open") & placed
    amount = crm.deals["amount"].to_numpy(dtype=float, na_value=np.nan)[ix.deal_rows]
    size = len(st.keys)
    now = np.bincount(deal_row[placed], minlength=size)
    open_now = np.bincount(deal_row[is_open], minlength=size)
    # Negative amounts are HY04's: left out, they would shrink the sum at stake.
    amount = np.where(amount < 0, np.nan, amount)
    amount_now = np.bincount(deal_row[is_open], weights=np.nan_to_num(amount[is_open]), minlength=size)

    def at(values: np.ndarray, fill) -> np.ndarray:
        values = np.asarray(values)
        if len(values) == 0:
            return np.full(len(row), fill)
        return np.where(row >= 0, values[np.maximum(row, 0)], fill)

    out["deals_now"] = at(now, 0).astype(int)
    out["open_now"] = at(open_now, 0).astype(int)
    out["amount_now"] = at(amount_now, 0.0)
    if crm.stage_history is not None:
        flow = d.stage_flow
        out["stays"] = at(flow.stays, 0).astype(int)
        out["median_dwell_days"] = np.round(at(flow.median_dwell_days, np.nan).astype(float), 1)
        out["entered_from"] = at(flow.strong_sources(SOURCE_SHARE), 0).astype(int)
        out["back_share"] = np.round(at(flow.backward_share, 0.0).astype(float), 4)
    else:
        for c in ("stays", "median_dwell_days", "entered_from", "back_share"):
            out[c] = np.nan

    add_verdicts(out, Scope.STAGE, results)
    is_final = out["kind"].ne("open")
    out["result_named"] = _negate(out["vague"]).where(~is_final, None)
    out["verdict"] = _verdicts(out, is_final)
    return out[STAGE_COLUMNS]


def pipelines_table(d: Derived, results: Sequence[CheckResult]) -> pd.DataFrame:
    """One row per pipeline with deals or declared stages (deals without a pipeline are one row too)."""
    crm = d.crm
    owners = d.pipeline_owners
    ix = d.flow_index
    status = {s: np.bincount(ix.deal_pipe[ix.status_is(s) & (ix.deal_pipe >= 0)], minlength=len(ix.pipelines))
              for s in ("open", "won", "lost")}
    counts = pd.DataFrame({s: v for s, v in status.items()}, index=ix.pipelines.to_pylist())
    counts["deals"] = np.bincount(ix.deal_pipe[ix.deal_pipe >= 0], minlength=len(ix.pipelines))
    out = counts.join(owners.set_index("pipeline"), how="left")
    declared = set()
    if crm.pipelines is not None:
        declared = set(crm.pipelines["pipeline"].dropna())
        extra = sorted(declared - set(out.index))
        out = pd.concat([out, pd.DataFrame(index=extra)])
    out = out[(out["deals"].fillna(0) > 0) | out.index.isin(declared)]
    out.index.name = "pipeline"
    out = out.reset_index()
    for c in ("deals", "open", "won", "lost", "owners_count"):
        out[c] = out[c].fillna(0).astype(int)
    order = d.stage_order
    open_stages = order[order["kind"].eq("open")].groupby("pipeline").size()
    out["stages"] = out["pipeline"].map(open_stages).fillna(0).astype(int)
    out["declared"] = out["pipeline"].isin(declared)

    add_verdicts(out, Scope.PIPELINE, results)
    return out[PIPELINE_COLUMNS]


def build_pipeline_owners(d: Derived) -> pd.DataFrame:
    """Per pipeline: deals that have an owner (`owned`), distinct owners, the main owner and
    their share of the owned deals, and the owners' names by deals (at most ten).
    `Derived.pipeline_owners`; SG05 judges these."""
    ix = d.flow_index
    owned = (ix.deal_owner >= 0) & (ix.deal_pipe >= 0)
    n_owners = max(len(ix.owners), 1)
    pair = pd.Series(ix.deal_pipe[owned] * n_owners + ix.deal_owner[owned]).value_counts()
    pairs = pd.DataFrame({"pipe": pair.index // n_owners, "owner": pair.index % n_owners, "n": pair.to_numpy()})
    pairs["name"] = take_text(ix.owners, pairs["owner"].to_numpy()).to_numpy()
    pairs = pairs.sort_values(["pipe", "n", "name"], ascending=[True, False, True])
    per = pairs.groupby("pipe", sort=True).agg(owned=("n", "sum"), owners_count=("n", "size"),
                                               main_owner=("name", "first"), top_n=("n", "first"),
                                               owner_names=("name", lambda s: list(s[:MAX_OWNER_NAMES])))
    all_pipes = np.unique(ix.deal_pipe[ix.deal_pipe >= 0])
    per = per.reindex(all_pipes)
    owned_n = per["owned"].fillna(0).astype(int)
    return pd.DataFrame({
        "pipeline": take_text(ix.pipelines, per.index.to_numpy()).to_numpy(),
        "owned": owned_n.to_numpy(),
        "owners_count": per["owners_count"].fillna(0).astype(int).to_numpy(),
        "main_owner": per["main_owner"].to_numpy(dtype=object),
        "main_owner_share": (per["top_n"] / owned_n.where(owned_n > 0)).fillna(0.0).round(4).to_numpy(),
        "owner_names": per["owner_names"].to_numpy(dtype=object),
    })


def _negate(flags: pd.Series) -> pd.Series:
    return flags.map(lambda v: None if v is None else not v)


def _verdicts(out: pd.DataFrame, is_final: pd.Series) -> pd.Series:
    """'final', or the open stage's verdicts joined: result-named / vague, hub, dead, parked."""
    parts = []
    for col, label in (("result_named", "result-named"), ("vague", "vague"), ("hub", "hub"), ("dead", "dead")):
        parts.append(out[col].map(lambda v, label=label: label if v is True else ""))
    parts.append(out["parked_now"].map(lambda v: "parked" if v == v and v > 0 else ""))
    joined = pd.concat(parts, axis=1).apply(lambda r: ", ".join(p for p in r if p), axis=1) \
        if len(out) else pd.Series(dtype=object)
    joined = joined.where(~is_final, "final")
    return joined.where(joined.ne(""), None)
