"""SG01 vague-stage."""

from __future__ import annotations

import numpy as np
import pandas as pd

from audit.model import CrmData
from checks import vocab
from audit.model.gauge import Fails, Gauge, Unit
from checks.base import Check, CheckResult, Derived, Family, RunContext, Severity
from audit.model import text as ru


class VagueStage(Check):
    """Open pipeline stages whose names describe a state (Objections, Thinking, In progress), not a result."""

    code = "SG01"
    name = "vague-stage"
    title_ru = "Этапы без результата в названии"
    family = Family.STAGES
    severity = Severity.HIGH
    gauge = Gauge("share of open stages that name a state",
                  "доля открытых этапов, названных по состоянию", Unit.SHARE, Fails.ABOVE)
    verdicts = ("vague",)
    evidence_keys = ("word", "deals_now", "open_deals_now")
    needs = {"deals": ("stage",)}
    rationale = ("A stage should say what has been achieved (\"Proposal sent\", \"Contract signed\"). "
                 "A stage named after a state (\"Objections\", \"Thinking\", \"In progress\") hides where "
                 "the client is stuck: objections happen at every stage, and the funnel can no longer show "
                 "which step loses deals.")
    rationale_ru = ("Этап должен называть достигнутый результат («КП отправлено», «Договор подписан»). "
                    "Этап-состояние («Возражения», «Думает», «В работе») скрывает, где застрял клиент: "
                    "возражения возникают на любом этапе, и воронка перестаёт показывать, на каком шаге "
                    "теряются сделки.")
    fix = ("Rename each listed stage after the result that ends it, or remove it: record objections as a "
           "field or a task with the reason and the conditions under which the client would buy, and keep "
           "the deal in the stage where it really is.")
    fix_ru = ("Переименуйте каждый этап по результату, которым он заканчивается, или уберите его: "
              "возражение фиксируйте полем или задачей с причиной и условиями, при которых клиент купит, "
              "а сделку держите на том этапе, где она на самом деле находится.")
    todo = "Rename the stage after its result"
    todo_ru = "Переименуйте этап по его результату"

    def run(self, crm: CrmData, ctx: RunContext) -> CheckResult:
        stages = _open_stages(ctx.derived)
        # A CRM inbox ("Неразобранное") is where requests wait before the funnel: not a stage.
        stages = stages[~vocab.is_inbox_stage(stages["stage"], ctx.vocab)]
        if stages.empty:
            return self.skip("no open stage to judge: every stage in the export is final (won or lost) or an inbox",
                             "оценивать нечего: все этапы в выгрузке финальные (выигрыш или проигрыш) или входящие")
        word = vocab.vague_stage_word(stages["stage"], ctx.vocab)
        vague = stages.assign(word=word)[word.notna()]
        # Deals sitting in each vague stage now, counted on the few matching deals only.
        deals = crm.deals
        here = deals[deals["stage"].isin(vague["stage"].unique())]
        counts = here.groupby(["pipeline", "stage"], sort=False).size().rename("deals_now")
        open_counts = here[here["status"].eq("open")].groupby(["pipeline", "stage"], sort=False).size()
        keys = pd.MultiIndex.from_frame(vague[["pipeline", "stage"]])
        vague["deals_now"] = counts.reindex(keys).fillna(0).astype(int).to_numpy()
        vague["open_now"] = open_counts.reindex(keys).fillna(0).astype(int).to_numpy()
        vague = vague.sort_values(["deals_now", "pipeline", "stage"], ascending=[False, True, True])

        noun = np.where(vague["deals_now"].eq(1), " deal", " deals")
        message = ("stage '" + vague["stage"] + "' names a state ('" + vague["word"]
                   + "'), not a result; " + ru.nums(vague["deals_now"]) + noun + " in it now")
        message_ru = ("Этап «" + vague["stage"] + "» называет состояние («" + vague["word"]
                      + "»), а не результат; сейчас на нём "
                      + ru.counts(vague["deals_now"], "сделка", "сделки", "сделок"))
        evidence = {"word": vague["word"], "deals_now": vague["deals_now"]}
        if "status" in crm.provided.get("deals", ()):
            evidence["open_deals_now"] = vague["open_now"]
        findings = self.findings(vague, entity_type="stage",
                                 entity_id=vague["pipeline"] + "/" + vague["stage"],
                                 message=message, message_ru=message_ru, evidence=evidence)
        n, k = len(stages), len(vague)
        share = k / n if n else 0.0
        named = ", ".join(f"'{s}'" for s in vague["stage"].drop_duplicates().head(5))
        more = "…" if vague["stage"].nunique() > 5 else ""
        text = (f"{k} of {ru.en_count(n, 'open stage', 'open stages')} name a state, not a result: {named}{more}"
                if k else f"all {ru.en_count(n, 'open stage', 'open stages')} name a result")
        named_ru = ", ".join(f"«{s}»" for s in vague["stage"].drop_duplicates().head(5))
        text_ru = (f"{k} из {n} {ru.plural(n, 'открытого этапа', 'открытых этапов', 'открытых этапов')} "
                   f"{ru.plural(k, 'называет', 'называют', 'называют')} состояние, а не результат: {named_ru}{more}"
                   if k else f"все открытые этапы ({n}) названы по результату")
        return self.result(findings=findings, metric=round(share, 4), threshold=0.0, message=text,
                           message_ru=text_ru, judged=n, verdicts=self.verdict_table(findings, vague=True))


def _open_stages(d: Derived) -> pd.DataFrame:
    """(pipeline, stage) of every open stage: by the stage order (declared or inferred from
    history and deal statuses), else every stage deals or history mention."""
    crm, order = d.crm, d.stage_order
    if len(order):
        stages = order.loc[order["kind"].eq("open"), ["pipeline", "stage"]]
    else:
        parts = [crm.deals[["pipeline", "stage"]]]
        h = crm.stage_history
        if h is not None:
            parts += [h[["pipeline", "to_stage"]].rename(columns={"to_stage": "stage"}),
                      h[["pipeline", "from_stage"]].rename(columns={"from_stage": "stage"})]
        stages = pd.concat(parts, ignore_index=True)
    return stages.dropna().drop_duplicates().reset_index(drop=True)
