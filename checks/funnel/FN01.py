"""FN01 owner-stage-conversion."""

from __future__ import annotations

from audit.derived.deal_index import NO_OWNER
from audit.derived.funnel import TEAM
from audit.model import CrmData
from audit.model import text as ru
from audit.model.gauge import Fails, Gauge, Unit
from checks.base import Check, CheckResult, Family, RunContext, Severity
from checks.links import skip_if_unlinked
from checks.stats import benjamini_hochberg, lower_tail_p
from audit.model.params import COUNT, SHARE


class OwnerStageConversion(Check):
    """Owners whose conversion from a stage to the next is far below the rest of the team's."""

    code = "FN01"
    name = "owner-stage-conversion"
    title_ru = "Низкая конверсия менеджера на этапе"
    family = Family.FUNNEL
    severity = Severity.MEDIUM
    gauge = Gauge("chance that the lowest owner's stage conversion is a fluke, allowing for the pairs compared",
                  "вероятность, что самая низкая конверсия менеджера на этапе случайна (с поправкой на число "
                  "сравнений)", Unit.Q_VALUE, Fails.BELOW)
    evidence_keys = ("owner_rate", "team_rate", "n", "advanced", "team_n", "team_advanced", "p_value", "q_value")
    needs = {"deals": ("owner",), "stage_history": ()}
    # One-sided binomial test of each owner against the rest of the team's rate at the stage,
    # Benjamini-Hochberg over all owner x stage tests at `fdr`, and an effect floor: the owner's
    # conversion must be at least `min_gap` below the team's. Owner and rest of team need
    # `min_deals` resolved deals at the stage.
    params = {"min_deals": 10, "fdr": 0.05, "min_gap": 0.15}
    param_rules = {"min_deals": COUNT, "fdr": SHARE, "min_gap": SHARE}
    rationale = ("One manager is strong at first contact and weak at closing, another the opposite. "
                 "Seen per stage, the team's statistics show where each one loses deals, so coaching "
                 "targets that stage instead of a general 'sell more'.")
    rationale_ru = ("Один менеджер силён на первом контакте и слаб на закрытии, другой наоборот. "
                    "Статистика по этапам показывает, где именно каждый теряет сделки, и обучение "
                    "бьёт в этот этап, а не в общее «продавай больше».")
    fix = ("Review the listed stages with each owner: listen to calls, read the proposals, and "
           "compare with the colleagues who convert at that stage.")
    fix_ru = ("Разберите перечисленные этапы с каждым менеджером: послушайте звонки, посмотрите "
              "предложения и сравните с коллегами, у которых на этом этапе конверсия выше.")
    todo = "Review this stage's deals with the manager"
    todo_ru = "Разберите сделки этого этапа с менеджером"

    def run(self, crm: CrmData, ctx: RunContext) -> CheckResult:
        if (skipped := skip_if_unlinked(self, ctx.derived, "stage_history")) is not None:
            return skipped
        counts = ctx.derived.stage_counts
        per = counts[counts["kind"].eq("open") & counts["owner"].ne(TEAM) & counts["owner"].ne(NO_OWNER)]
        per = per[per["resolved"] > 0].copy()
        keys = ["pipeline", "stage"]
        # The rest of the team: every other owner at the same stage (deals without an owner aside).
        totals = per.groupby(keys)[["resolved", "advanced"]].transform("sum")
        per["team_n"] = totals["resolved"] - per["resolved"]
        per["team_advanced"] = totals["advanced"] - per["advanced"]
        tested = per[(per["resolved"] >= ctx["min_deals"]) & (per["team_n"] >= ctx["min_deals"])].copy()
        if tested.empty:
            most = int(per["resolved"].max()) if len(per) else 0
            return self.skip(
                f"no owner and stage with {ctx['min_deals']} resolved deals for the owner and for the rest of the "
                f"team (the most for one owner at a stage: {most}): too few to compare conversion, needs "
                f"{ctx['min_deals']}",
                f"нет ни одной пары «менеджер — этап», где и у менеджера, и у остальной команды {ctx['min_deals']}+ "
                f"сделок с известным исходом (больше всего у одного менеджера на этапе — {most}): слишком мало, "
                f"чтобы сравнивать конверсию (нужно не меньше {ctx['min_deals']})")
        n, a = tested["resolved"].to_numpy(), tested["advanced"].to_numpy()
        tested["owner_rate"] = a / n
        tested["team_rate"] = tested["team_advanced"] / tested["team_n"]
        # One-sided binomial test: P(an owner converting like the rest of the team advances <= a of n).
        tested["p_value"] = lower_tail_p(a, n, tested["team_rate"].to_numpy())
        tested["q_value"] = benjamini_hochberg(tested["p_value"].to_numpy())
        low = ((tested["q_value"] <= ctx["fdr"])
               & (tested["owner_rate"] <= tested["team_rate"] - ctx["min_gap"]))
        flagged = tested[low].sort_values(["pipeline", "order", "owner"])
        # False alarms are controlled across all the pairs compared (Benjamini-Hochberg at `fdr`):
        # said in words, the rate stays in the settings and the q-values in the evidence.
        message = (f"{ru.num(len(flagged))} of {ru.num(len(tested))} manager-stage pairs convert far below the "
                   "rest of the team, not by chance")
        message_ru = (f"пар «менеджер — этап» с конверсией намного ниже, чем у остальной команды, и не случайно: "
                      f"{ru.num(len(flagged), 'ru')} из {ru.num(len(tested), 'ru')}")
        if flagged.empty:
            return self.result(metric=float(tested["q_value"].min()), threshold=ctx["fdr"],
                               message=message, message_ru=message_ru, judged=len(tested))
        text = (flagged["owner"] + " at '" + flagged["stage"] + "' (" + flagged["pipeline"] + "): "
                + ru.nums(flagged["advanced"]) + " of " + ru.nums(flagged["resolved"])
                + " deals (" + ru.pcts(flagged["owner_rate"]) + ") moved on, "
                + "against " + ru.pcts(flagged["team_rate"])
                + " for the rest of the team: far below, not by chance")
        text_ru = (flagged["owner"] + " на этапе «" + flagged["stage"] + "» (воронка «" + flagged["pipeline"]
                   + "»): дальше продвинулось " + ru.nums(flagged["advanced"], "ru") + " из "
                   + ru.nums(flagged["resolved"], "ru") + " "
                   + ru.plurals(flagged["resolved"], "сделки", "сделок", "сделок") + " ("
                   + ru.pcts(flagged["owner_rate"], "ru") + "), у остальной команды — "
                   + ru.pcts(flagged["team_rate"], "ru") + ": намного ниже, и не случайно")
        return self.result(
            findings=self.findings(
                flagged, entity_type="owner", message=text, message_ru=text_ru,
                evidence={"owner_rate": flagged["owner_rate"].round(4),
                          "team_rate": flagged["team_rate"].round(4),
                          "n": flagged["resolved"], "advanced": flagged["advanced"],
                          "team_n": flagged["team_n"], "team_advanced": flagged["team_advanced"],
                          "p_value": flagged["p_value"], "q_value": flagged["q_value"]}),
            metric=float(tested["q_value"].min()), threshold=ctx["fdr"], message=message, message_ru=message_ru,
            judged=len(tested))
