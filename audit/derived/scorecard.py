"""The owner scorecard: deals, outcomes, amounts, activity and findings per manager, and the
same figures for the whole team (the row a manager is compared with)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Sequence

import numpy as np
import pandas as pd

from audit.derived.deal_index import NO_OWNER, impossible_deals
from audit.model.findings import CheckResult, Family
from audit.model.verdicts import Scope, add_verdicts

if TYPE_CHECKING:
    from audit.derived.tables import Derived

OWNER_COLUMNS = ["owner", "deals", "open", "won", "lost", "win_rate", "won_amount", "open_amount", "activities",
                 "activities_per_deal", "median_cycle_days", "impossible_deals", "talk_in_crm_share",
                 "numbers_outside_crm", "findings", *[f"findings_{f.value}" for f in Family], "checks"]
# From the phone system's call log, per manager: the team has no row of its own there.
CALL_COLUMNS = ("talk_in_crm_share", "numbers_outside_crm")
_CATALOGUE_ORDER = {prefix: i for i, prefix in enumerate(("ST", "SG", "OF", "FN", "HY"))}
# Findings about these belong to the deal's owner, "(no owner)" when the deal has none.
_OWNED = ("deal", "activity", "lead")


def owners_table(d: Derived, findings: pd.DataFrame, as_of: pd.Timestamp | None = None,
                 results: Sequence[CheckResult] = ()) -> pd.DataFrame:
    """Scorecard: one row per owner of deals (deals without an owner under "(no owner)"),
    sorted by owner.

    - deals, open, won, lost: the owner's deals by status (a deal without a status counts as open);
    - win_rate = won / (won + lost) over the deals with possible dates and amounts, empty with no
      such closed deal;
    - won_amount, open_amount: the amounts of the owner's won deals and open deals (his pipeline);
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
      the owner; findings about a deal, activity or lead without an owner count under "(no owner)"),
      findings_<family> the same per check family, and checks: the codes of the checks that
      found something of his, in catalogue order.
    """
    deals = d.deal_index.deals
    if deals.empty:
        return pd.DataFrame({c: pd.Series(dtype=object if c in ("owner", "checks") else float)
                             for c in OWNER_COLUMNS})
    codes, labels = d.owner_codes
    out = _scorecard(d, codes, len(labels), as_of)
    out.insert(0, "owner", labels.to_numpy(dtype=object))
    add_verdicts(out, Scope.OWNER, results)
    out = pd.concat([out, _finding_counts(_owned_by(findings), out["owner"])], axis=1)
    return out[OWNER_COLUMNS]


def team_row(d: Derived, findings: pd.DataFrame, as_of: pd.Timestamp | None = None) -> dict[str, Any]:
    """The scorecard's figures for all deals together (no owner column): what each manager's
    row is compared with. Empty when there are no deals."""
    deals = d.deal_index.deals
    if deals.empty:
        return {}
    figures = pd.concat([_scorecard(d, np.zeros(len(deals), dtype=np.int64), 1, as_of),
                         _finding_counts(_owned_by(findings, "team"), pd.Series(["team"]))], axis=1)
    team = {c: (figures[c].iloc[0] if c not in CALL_COLUMNS else None) for c in OWNER_COLUMNS if c != "owner"}
    return {k: (None if v is pd.NA else v.item() if hasattr(v, "item") else v) for k, v in team.items()}


def _scorecard(d: Derived, codes: np.ndarray, n: int, as_of: pd.Timestamp | None) -> pd.DataFrame:
    """The figures per group of deals (`codes`: the group of each deal row, 0..n-1)."""
    crm, deals = d.crm, d.deal_index.deals
    out = pd.DataFrame(index=range(n))
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
    amount = pd.to_numeric(deals["amount"], errors="coerce").to_numpy(dtype=float, na_value=np.nan) \
        if "amount" in deals else np.full(len(deals), np.nan)
    known = np.isfinite(amount)
    for column, in_status in (("won_amount", status == 1), ("open_amount", (status != 1) & (status != 2))):
        picked = in_status & known
        total = np.bincount(codes[picked], weights=amount[picked], minlength=n)
        # No amount exported at all: empty, not zero.
        out[column] = total if known.any() else np.nan
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
    return out


def _owned_by(findings: pd.DataFrame | None, label: str | None = None) -> pd.DataFrame:
    """Findings with the owner they count for: their own, else "(no owner)" for findings about a
    deal, activity or lead (or `label` for every finding, for the team row)."""
    if findings is None or not len(findings) or "owner" not in findings.columns:
        return findings if findings is not None else pd.DataFrame()
    owner = findings["owner"].astype(object)
    if label is not None:
        owner = pd.Series(label, index=findings.index, dtype=object)
    elif "entity_type" in findings.columns:
        ownerless = owner.isna() & findings["entity_type"].isin(_OWNED)
        owner = owner.where(~ownerless, NO_OWNER)
    return findings.assign(owner=owner)


def _finding_counts(findings: pd.DataFrame, owners: pd.Series) -> pd.DataFrame:
    cols = ["findings", *[f"findings_{f.value}" for f in Family]]
    counts = pd.DataFrame(0, index=owners.index, columns=cols)
    counts["checks"] = pd.Series([[] for _ in range(len(owners))], index=owners.index, dtype=object)
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
    pairs = pd.DataFrame({"at": at[hit], "code": named["code"].astype(str).to_numpy()[hit]}).drop_duplicates()
    pairs["family"] = pairs["code"].str[:2].map(_CATALOGUE_ORDER).fillna(len(_CATALOGUE_ORDER))
    by_owner = pairs.sort_values(["family", "code"]).groupby("at")["code"].agg(list).to_dict()
    counts["checks"] = [by_owner.get(i, []) for i in range(len(owners))]
    return counts
