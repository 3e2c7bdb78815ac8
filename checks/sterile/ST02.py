"""ST02 owner-never-loses."""

from __future__ import annotations

import numpy as np
import pandas as pd

from audit.model import CrmData
from audit.model.gauge import Fails, Gauge, Unit
from checks.base import Check, CheckResult, Family, RunContext, Severity
from checks.stats import benjamini_hochberg, lower_tail_p
from audit.model import text as ru
from audit.model.params import COUNT, SHARE


class OwnerNeverLoses(Check):
    """Owners whose lost share is far below the rest of the team's.

    Two rules, on owners with at least `min_closed` closed (won + lost) deals:

    * zero: the owner has no lost deal at all;
    * test: a one-sided binomial test of the owner's lost count against the lost share of
      the rest of the team (all other owners' closed deals, so a dominant owner does not
      dilute the yardstick), p-values adjusted by Benjamini-Hochberg across the tested
      owners and flagged at q <= `fdr`, and only when the owner's lost share is below
      `max_share_ratio` x the rest's: with thousands of deals a tiny, harmless gap is
      "significant", and a sales director cares about owners who lose half as often.

    Both rules need a yardstick: the rest of the team must lose some deals. A team where
    nobody loses (a lone owner included) is not several owners who never lose, it is one
    sterile team, and that is ST01's finding: the check is skipped then, with that reason.
    Deals with no owner are left out.
    """

    code = "ST02"
    name = "owner-never-loses"
    title_ru = "Менеджер почти не проигрывает"
    family = Family.STERILE
    severity = Severity.HIGH
    gauge = Gauge("share of owners who lose far less than the team",
                  "доля менеджеров, которые проигрывают намного реже команды", Unit.SHARE, Fails.ABOVE)
    evidence_keys = ("closed", "lost", "lost_share", "team_lost_share", "p_value", "q_value")
    needs = {"deals": ("status", "owner")}
    params = {"min_closed": 15, "fdr": 0.05, "max_share_ratio": 0.5}
    param_rules = {"min_closed": COUNT, "fdr": SHARE, "max_share_ratio": SHARE}
    rationale = ("Managers on one team sell to similar clients and lose at similar rates. One whose "
                 "CRM record shows almost no losses is not a genius closer: their lost deals are "
                 "deleted, left open forever, or never entered. The team's loss statistics and that "
                 "manager's coaching both suffer.")
    rationale_ru = ("Менеджеры одного отдела работают с похожими клиентами и проигрывают примерно "
                    "одинаково. Если у менеджера в CRM почти нет проигрышей, дело не в таланте: его "
                    "проигранные сделки удаляются, висят открытыми или вообще не заводятся. Страдают "
                    "и статистика отказов, и обучение этого менеджера.")
    fix = ("Review the owner's open and deleted deals with them; close dead deals as lost with a "
           "reason; forbid deleting deals (archive as lost instead).")
    fix_ru = ("Разберите с менеджером его открытые и удалённые сделки; закройте мёртвые как "
              "проигранные с причиной; запретите удаление сделок (вместо этого — закрытие с отказом).")
    todo = "Review his open deals; close dead ones as lost"
    todo_ru = "Разберите его открытые сделки, мёртвые закройте проигрышем"

    def run(self, crm: CrmData, ctx: RunContext) -> CheckResult:
        min_closed, fdr, ratio = int(ctx["min_closed"]), float(ctx["fdr"]), float(ctx["max_share_ratio"])
        deals = crm.deals
        closed = deals.loc[(deals["status"].isin(["won", "lost"]) & deals["owner"].notna()).to_numpy(),
                           ["owner", "status"]]
        is_lost = closed["status"].eq("lost")
        owners = pd.DataFrame({
            "closed": closed.groupby("owner").size(),
            "lost": is_lost.groupby(closed["owner"]).sum(),
        }).rename_axis("owner").reset_index()
        owners["lost"] = owners["lost"].astype(int)
        owners["lost_share"] = owners["lost"] / owners["closed"]
        rest_closed = len(closed) - owners["closed"]
        rest_lost = int(is_lost.sum()) - owners["lost"]
        owners["team_lost_share"] = rest_lost / rest_closed.where(rest_closed > 0)

        judged = owners[owners["closed"] >= min_closed].copy()
        if judged.empty:
            most = int(owners["closed"].max()) if len(owners) else 0
            return self.skip(
                f"no owner has {min_closed} closed deals (the most: {most}, of {len(owners)} owners with closed "
                f"deals): too few to judge an owner's lost share, needs {min_closed}",
                f"ни у одного менеджера нет {min_closed} закрытых сделок (больше всего — {most}, менеджеров с "
                f"закрытыми сделками: {len(owners)}): слишком мало, чтобы судить о доле проигрышей менеджера "
                f"(нужно не меньше {min_closed})")
        if not is_lost.any():
            return self._nobody_loses(len(closed), len(judged))
        judged["p_value"] = np.nan
        judged["q_value"] = np.nan
        # Nothing to compare with: a lone owner, or a rest of the team that never loses.
        testable = judged["team_lost_share"].gt(0)
        if testable.any():
            t = judged[testable]
            p = lower_tail_p(t["lost"].to_numpy(), t["closed"].to_numpy(), t["team_lost_share"].to_numpy())
            judged.loc[testable, "p_value"] = p
            judged.loc[testable, "q_value"] = benjamini_hochberg(p)
        zero = judged["lost"].eq(0) & judged["team_lost_share"].gt(0)
        tested = (judged["q_value"].le(fdr)
                  & (judged["lost_share"] < ratio * judged["team_lost_share"]))
        bad = judged[zero | tested]

        findings = self.findings(
            bad, entity_type="owner", message=_messages(bad, fdr, ratio), message_ru=_messages_ru(bad, fdr, ratio),
            pipeline=None, stage=None,
            evidence={"closed": bad["closed"], "lost": bad["lost"], "lost_share": bad["lost_share"].round(4),
                      "team_lost_share": bad["team_lost_share"].round(4),
                      "p_value": _significant(bad["p_value"]), "q_value": _significant(bad["q_value"])})
        share = len(bad) / len(judged)
        summary = (f"{len(bad)} of {ru.en_count(len(judged), 'owner', 'owners')} with {min_closed}+ closed deals "
                   "lose far less than the team")
        summary_ru = (f"у {len(bad)} из {len(judged)} "
                      f"{ru.plural(len(judged), 'менеджера', 'менеджеров', 'менеджеров')} "
                      f"с {min_closed}+ закрытыми сделками проигрышей намного меньше, чем у остальной команды")
        return self.result(findings=findings, metric=round(share, 4), threshold=0.0, message=summary,
                           message_ru=summary_ru, affected=len(bad), judged=len(judged))


    def _nobody_loses(self, closed: int, owners: int) -> CheckResult:
        """A team where nobody loses is one sterile team (ST01's finding), not several owners who
        never lose: without losses on the team there is no yardstick for any owner."""
        return self.skip(
            f"nobody on the team lost a deal ({closed} closed, all won; {owners} owners with enough closed "
            f"deals): no one to compare an owner with; a team without losses is ST01's finding",
            f"в команде нет ни одной проигранной сделки (закрыто {closed}, все выиграны; менеджеров с "
            f"достаточным числом закрытых сделок: {owners}): менеджера не с кем сравнить; команда без "
            f"проигрышей — находка ST01")


def _messages(bad: pd.DataFrame, fdr: float, ratio: float) -> pd.Series:
    """'0 lost of 70 closed deals (0%), the rest of the team loses 66%: far less, not by chance'
    (the corrected p-value stays in the evidence)."""
    if bad.empty:
        return pd.Series([], dtype=object)
    text = (ru.nums(bad["lost"]) + " lost of " + ru.nums(bad["closed"]) + " closed deals ("
            + ru.pcts(bad["lost_share"]) + ")")
    team = ", the rest of the team loses " + ru.pcts(bad["team_lost_share"])
    text = text + team.where(bad["team_lost_share"].notna(), "")
    sig = bad["q_value"].le(fdr) & (bad["lost_share"] < ratio * bad["team_lost_share"])
    return text + pd.Series(": far less, and not by chance", index=bad.index).where(sig, "")


def _messages_ru(bad: pd.DataFrame, fdr: float, ratio: float) -> pd.Series:
    if bad.empty:
        return pd.Series([], dtype=object)
    text = ("Проиграно " + ru.nums(bad["lost"], "ru") + " из " + ru.nums(bad["closed"], "ru") + " "
            + ru.plurals(bad["closed"], "закрытой сделки", "закрытых сделок", "закрытых сделок")
            + " (" + ru.pcts(bad["lost_share"], "ru") + ")")
    team = ", у остальной команды — " + ru.pcts(bad["team_lost_share"], "ru")
    text = text + team.where(bad["team_lost_share"].notna(), "")
    sig = bad["q_value"].le(fdr) & (bad["lost_share"] < ratio * bad["team_lost_share"])
    return text + pd.Series(": намного меньше, и это не случайность", index=bad.index).where(sig, "")


def _significant(values: pd.Series, digits: int = 3) -> pd.Series:
    """p-values to 3 significant digits, kept as objects: the evidence writer rounds floats to
    6 decimals, which would turn a telling 1e-9 into 0. One value per owner, so a map is cheap."""
    return values.map(lambda v: float(f"{v:.{digits}g}") if pd.notna(v) else None).astype(object)
