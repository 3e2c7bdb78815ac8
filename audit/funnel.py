"""The funnel table: per pipeline, stage and owner (and the team), how deals advance."""

from __future__ import annotations


import pandas as pd

from audit.model import CrmData


def funnel_table(crm: CrmData, order: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(columns=["pipeline", "stage", "order", "owner", "entered", "advanced", "lost",
                                 "conversion", "median_dwell_days"])
