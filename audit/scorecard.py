"""The owner scorecard: deals, outcomes, activity and findings per manager."""

from __future__ import annotations


import numpy as np
import pandas as pd

from audit.findings import Family
from audit.model import CrmData

OWNER_COLUMNS = ["owner", "deals", "open", "won", "lost", "win_rate", "activities",
                 "activities_per_deal", "median_cycle_days", "findings",
                 *[f"findings_{f.value}" for f in Family]]


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
