"""Which findings a sheet shows when there are more than it may hold."""

from __future__ import annotations

import numpy as np
import pandas as pd

from audit.model.findings import Severity


def capped_findings(findings: pd.DataFrame, cap: int) -> pd.DataFrame:
    """The findings to show, at most `cap`, most severe first, then by code and amount.

    When there are more, the most severe are kept and, within a severity, every check
    keeps its share (the first rows of each check, largest amounts first): one check
    flagging a million activities does not crowd out the others.
    """
    n = len(findings)
    if n == 0:
        return findings
    sev = findings["severity"].map({s.label: int(s) for s in Severity}).fillna(-1).to_numpy()
    amount = pd.to_numeric(findings.get("amount"), errors="coerce") if "amount" in findings \
        else pd.Series(np.nan, index=findings.index)
    amount_key = -amount.fillna(-np.inf).to_numpy()
    # Integer codes: lexsort on object arrays of text is ten times slower.
    code = pd.factorize(findings["code"].astype(str), sort=True)[0]
    position = np.arange(n)
    # Rank of each finding within its check: largest amount first, then as the check listed them.
    by_check = np.lexsort((position, amount_key, code))
    code_sorted = code[by_check]
    starts = np.r_[0, np.flatnonzero(code_sorted[1:] != code_sorted[:-1]) + 1]
    group_start = np.repeat(starts, np.diff(np.r_[starts, n]))
    rank = np.empty(n, dtype=np.int64)
    rank[by_check] = np.arange(n) - group_start
    keep = np.lexsort((position, code, rank, -sev))[:cap] if n > cap else position
    shown = np.lexsort((rank[keep], code[keep], -sev[keep]))
    return findings.iloc[keep[shown]]
