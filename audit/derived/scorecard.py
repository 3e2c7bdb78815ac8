"""The owner scorecard: deals, outcomes, activity and findings per manager."""

from __future__ import annotations

from typing import TYPE_CHECKING, Sequence

import numpy as np
import pandas as pd

from audit.derived.deal_index import impossible_deals
from audit.model.findings import CheckResult, Family
from audit.model.verdicts import Scope, add_verdicts

if TYPE_CHECKING:
    from audit.derived.tables import Derived

OWNER_COLUMNS = ["owner", "deals", "open", "won", "lost", "win_rate", "activities",
                 "activities_per_deal", "median_cycle_days", "impossible_deals", "talk_in_crm_share",
                 "numbers_outside_crm", "findings", *[f"findings_{f.value}" for f in Family]]


def owners_table(d: Derived, findings: pd.DataFrame, as_of: pd.Timestamp | None = None,
                 results: Sequence[CheckResult] = ()) -> pd.DataFrame:
    """Scorecard: one row per owner of deals (deals without an owner under "(no owner)"),
    sorted by owner.

    - deals, open, won, lost: the owner's deals by status (a deal without a status counts as open);
    - win_rate = won / (won + lost) over the deals with possible dates and amounts, empty with no
      such closed deal;
    - activities: activities logged on the owner's deals (the deal's owner, whoever logged them),
      empty when no activities were exported; activities_per_deal = activities / deals;
    - median_cycle_days: median days from creation to close of the owner's closed deals;
    - impossible_deals: the owner's deals with impossible dates (closed before created, dated after
      `as_of`) or a negative amount, left out of win_rate and median_cycle_days: HY03 and HY04 count
      them, and a deal closed before it was created would give a negative cycle;
    - talk_in_crm_share, numbers_outside_crm: from the phone system's call log, as the checks that
      judged it published them (`results`, audit.model.verdicts; empty when none did): the share
      of the owner's client talk time during a deal's life that left an activity on the deal, and
      the numbers he keeps talking to that no deal or lead knows;
    - findings: findings that name the owner (deal findings carry the deal's owner, owner findings
      the owner), and findings_<family> the same per check family.
    """
    crm, deals = d.crm, d.deal_index.deals
    if deals.empty:
        return pd.DataFrame({c: pd.Series(dtype=object if c == "owner" else float) for c in OWNER_COLUMNS})
    codes, labels = d.owner_codes
    n = len(labels)
    out = pd.DataFrame({"owner": labels.to_numpy(dtype=object)})
    # Statuses outside open/won/lost (unmapped labels) count as open: the deal is not closed.
    status = d.deal_status_codes
    out["deals"] = np.bincount(codes, minlength=n)
    out["won"] = np.bincount(codes[status == 1], minlength=n)
    out["lost"] = np.bincount(codes[status == 2], minlength=n)
    out["open"] = out["deals"] - out["won"] - out["lost"]
    impossible = impossible_deals(d, as_of)
    ok = ~impossible
    won_ok = np.bincount(codes[(status == 1) & ok], minlength=n)
    closed = won_ok + np.bincount(codes[(status == 2) & ok], minlength=n)
    out["win_rate"] = (pd.Series(won_ok) / pd.Series(closed).where(pd.Series(closed) > 0)).round(4)
    if crm.activities is not None:
        pos = d.activity_positions
        acts = np.bincount(codes[pos[pos >= 0]], minlength=n)
        out["activities"] = pd.array(acts, dtype="Int64")
        out["activities_per_deal"] = (acts / out["deals"]).round(2)
    else:
        out["activities"] = pd.array([pd.NA] * n, dtype="Int64")
        out["activities_per_deal"] = np.nan
    cycle = (deals["closed_at"] - deals["created_at"]).dt.total_seconds() / 86400
    is_closed = (status > 0) & ok
    cycle = pd.Series(cycle.to_numpy(dtype=float, na_value=np.nan)[is_closed])
    out["median_cycle_days"] = cycle.groupby(codes[is_closed]).median().reindex(range(n)).round(1).to_numpy()
    out["impossible_deals"] = np.bincount(codes[impossible], minlength=n)
    add_verdicts(out, Scope.OWNER, results)
    out = pd.concat([out, _finding_counts(findings, out["owner"])], axis=1)
    return out[OWNER_COLUMNS]


def _finding_counts(findings: pd.DataFrame, owners: pd.Series) -> pd.DataFrame:
    cols = ["findings", *[f"findings_{f.value}" for f in Family]]
    counts = pd.DataFrame(0, index=owners.index, columns=cols)
    if findings is None or not len(findings) or "owner" not in findings.columns:
        return counts
    named = findings[findings["owner"].notna()]
    at = pd.Index(owners).get_indexer(named["owner"])
    hit = at >= 0
    counts["findings"] = np.bincount(at[hit], minlength=len(owners))
    if "family" in named.columns:
        family = named["family"].to_numpy(dtype=object)
        for fam in Family:
            mask = hit & (family == fam.value)
            counts[f"findings_{fam.value}"] = np.bincount(at[mask], minlength=len(owners))
    return counts
