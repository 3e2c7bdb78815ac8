"""Tables the reports render beside the findings: owner scorecard, funnel, stages,
pipelines, and the trust score. Computed once by the runner from canonical data and
check results; reports only lay them out.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd

from audit.config import Config
from audit.model import CrmData
from audit.result import Scores
from audit.stages import stage_order
from audit.findings import CheckResult, Family

OWNER_COLUMNS = ["owner", "deals", "open", "won", "lost", "win_rate", "activities",
                 "activities_per_deal", "median_cycle_days", "findings",
                 *[f"findings_{f.value}" for f in Family]]


def stage_order_table(crm: CrmData, cfg: Config) -> pd.DataFrame:
    return stage_order(crm)


def owners_table(crm: CrmData, findings: pd.DataFrame) -> pd.DataFrame:
    """Scorecard: one row per owner of deals."""
    deals = crm.deals.assign(owner=crm.deals["owner"].fillna("(no owner)"))
    if deals.empty:
        return pd.DataFrame(columns=OWNER_COLUMNS)
    status = pd.crosstab(deals["owner"], deals["status"].fillna("open"))
    out = pd.DataFrame(index=status.index)
    out["deals"] = status.sum(axis=1)
    for s in ("open", "won", "lost"):
        out[s] = status[s] if s in status.columns else 0
    closed = out["won"] + out["lost"]
    out["win_rate"] = (out["won"] / closed.where(closed > 0)).round(4)
    if crm.activities is not None:
        per_owner = crm.activities["deal_id"].map(
            deals.drop_duplicates("deal_id").set_index("deal_id")["owner"])
        out["activities"] = per_owner.value_counts().reindex(out.index).fillna(0).astype(int)
        out["activities_per_deal"] = (out["activities"] / out["deals"]).round(2)
    else:
        out["activities"] = np.nan
        out["activities_per_deal"] = np.nan
    cycle = (deals["closed_at"] - deals["created_at"]).dt.total_seconds() / 86400
    out["median_cycle_days"] = cycle.where(deals["status"].isin(["won", "lost"])).groupby(
        deals["owner"]).median().reindex(out.index).round(1)
    owner_findings = findings[findings["owner"].notna()] if len(findings) else findings
    out["findings"] = (owner_findings["owner"].value_counts().reindex(out.index).fillna(0).astype(int)
                       if len(owner_findings) else 0)
    for fam in Family:
        col = f"findings_{fam.value}"
        if len(owner_findings):
            sub = owner_findings[owner_findings["family"] == fam.value]
            out[col] = sub["owner"].value_counts().reindex(out.index).fillna(0).astype(int)
        else:
            out[col] = 0
    return out.reset_index().rename(columns={"index": "owner"})[OWNER_COLUMNS]


def funnel_table(crm: CrmData, order: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(columns=["pipeline", "stage", "order", "owner", "entered", "advanced", "lost",
                                 "conversion", "median_dwell_days"])


def stages_table(crm: CrmData, order: pd.DataFrame, results: Sequence[CheckResult],
                 as_of: pd.Timestamp) -> pd.DataFrame:
    deals_now = crm.deals.groupby(["pipeline", "stage"]).size().rename("deals_now").reset_index()
    if order.empty:
        return deals_now.assign(order=np.nan, kind=None)
    return order.merge(deals_now, on=["pipeline", "stage"], how="left").fillna({"deals_now": 0})


def pipelines_table(crm: CrmData, results: Sequence[CheckResult]) -> pd.DataFrame:
    d = crm.deals
    out = d.groupby("pipeline").agg(deals=("deal_id", "size"), owners=("owner", "nunique"))
    return out.reset_index()


def trust_scores(crm: CrmData, results: Sequence[CheckResult], findings: pd.DataFrame) -> Scores:
    return Scores(overall=100.0)
