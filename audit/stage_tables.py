"""Stage and pipeline tables: every stage with its verdicts, every pipeline with its owners and twin."""

from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd

from audit.findings import CheckResult
from audit.model import CrmData


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
