"""ST01 lost-deals-missing."""

from __future__ import annotations

import pandas as pd

from audit.model import CrmData
from audit.model.gauge import Fails, Gauge, Unit
from checks.base import Check, CheckResult, Family, RunContext, Severity
from audit.model import text as ru
from audit.model.params import COUNT, SHARE


class LostDealsMissing(Check):
    """Closed deals with no or implausibly few lost ones, overall and per pipeline.

    Closed = won + lost. The data as a whole gets one `dataset` finding (entity_id "all")
    when at least `min_closed` deals are closed and fewer than `max_lost_share` of them
    are lost; each pipeline that meets the same rule gets a `pipeline` finding. Pipeline
    findings are emitted only when the export names two or more pipelines: with a single
    pipeline the dataset finding already says everything.
    """

    code = "ST01"
    name = "lost-deals-missing"
    title_ru = "Нет проигранных сделок"
    family = Family.STERILE
    severity = Severity.HIGH
    gauge = Gauge("lost share of closed deals", "доля проигранных среди закрытых сделок", Unit.SHARE, Fails.BELOW)
    evidence_keys = ("closed", "won", "lost", "lost_share")
    needs = {"deals": ("status",)}
    params = {"max_lost_share": 0.2, "min_closed": 30}
    param_rules = {"max_lost_share": SHARE, "min_closed": COUNT}
    rationale = ("Every sales team loses more deals than it wins or close to it; a CRM whose closed "
                 "deals are almost all won holds only the successes. The losses, and what they "
                 "teach about price, competitors and objections, live in someone's notes.")
    rationale_ru = ("Любой отдел продаж проигрывает много сделок; если среди закрытых сделок в CRM "
                    "почти одни выигранные, значит, в неё попадают только успехи. Проигрыши и то, "
                    "чему они учат (цена, конкуренты, возражения), остаются в личных записях.")
    fix = ("Require every deal to end as won or lost in the CRM (no deleting dead deals); add a lost "
           "stage to each pipeline and close stale deals there with a reason.")
    fix_ru = ("Требуйте, чтобы каждая сделка завершалась в CRM выигрышем или проигрышем (не удалять "
              "мёртвые сделки); добавьте этап «Закрыто и не реализовано» в каждую воронку и "
              "закрывайте туда зависшие сделки с причиной.")
    todo = "Close dead deals as lost, with a reason"
    todo_ru = "Закройте мёртвые сделки проигрышем с причиной"

    def run(self, crm: CrmData, ctx: RunContext) -> CheckResult:
        max_share, min_closed = float(ctx["max_lost_share"]), int(ctx["min_closed"])
        deals = crm.deals
        closed = deals.loc[deals["status"].isin(["won", "lost"]).to_numpy(), ["pipeline", "status"]]
        lost = closed["status"].eq("lost")
        if len(closed) < min_closed:
            # No pipeline can reach the minimum either: nothing to judge, said with the numbers.
            return self.too_few(len(closed), min_closed, "closed deals", "judge the lost share",
                                "закрытых сделок", "судить о доле проигрышей")

        by_pipeline = pd.DataFrame({
            "closed": closed.groupby("pipeline").size(),
            "lost": lost.groupby(closed["pipeline"]).sum(),
        }).rename_axis("pipeline").reset_index()
        overall = pd.DataFrame({"pipeline": [None], "closed": [len(closed)], "lost": [int(lost.sum())]})
        multi = "pipeline" in crm.provided.get("deals", ()) and deals["pipeline"].nunique() >= 2
        parts = [overall.assign(scope="dataset", entity_id="deals")]  # a dataset finding names its table
        if multi:
            parts.append(by_pipeline.assign(scope="pipeline", entity_id=by_pipeline["pipeline"]))
        table = pd.concat(parts, ignore_index=True)
        table["closed"] = table["closed"].astype(int)
        table["lost"] = table["lost"].astype(int)
        table["won"] = table["closed"] - table["lost"]
        table["lost_share"] = table["lost"] / table["closed"].where(table["closed"] > 0)
        bad = table[(table["closed"] >= min_closed) & (table["lost_share"] < max_share)]

        where = bad["scope"].map({"dataset": "closed deals", "pipeline": "closed deals in this pipeline"})
        message = (ru.nums(bad["lost"]) + " of " + ru.nums(bad["closed"]) + " " + where
                   + " are lost (" + ru.pcts(bad["lost_share"]) + f", below the {ru.pct(max_share)} floor)")
        where_ru = bad["scope"].map({"dataset": "Проиграно ", "pipeline": "В этой воронке проиграно "})
        message_ru = (where_ru + ru.nums(bad["lost"], "ru") + " из " + ru.nums(bad["closed"], "ru") + " "
                      + ru.plurals(bad["closed"], "закрытой сделки", "закрытых сделок", "закрытых сделок")
                      + " (" + ru.pcts(bad["lost_share"], "ru") + f", ниже порога {ru.pct(max_share, 'ru')})")
        findings = [self.findings(part, entity_type=scope, entity_id=part["entity_id"],
                                  message=message[part.index], message_ru=message_ru[part.index], owner=None,
                                  pipeline=part["pipeline"], stage=None,
                                  evidence={"closed": part["closed"], "won": part["won"],
                                            "lost": part["lost"], "lost_share": part["lost_share"].round(4)})
                    for scope, part in bad.groupby("scope", sort=False)]
        findings = pd.concat(findings, ignore_index=True) if findings else None

        share = float(lost.mean())
        summary = (f"{ru.num(lost.sum())} of {ru.en_count(len(closed), 'closed deal', 'closed deals')} "
                   f"({ru.pct(share)}) are lost")
        summary_ru = (f"проиграно {ru.num(lost.sum(), 'ru')} из {ru.num(len(closed), 'ru')} "
                      f"{ru.plural(len(closed), 'закрытой сделки', 'закрытых сделок', 'закрытых сделок')} "
                      f"({ru.pct(share, 'ru')})")
        n_pipes = int((bad["scope"] == "pipeline").sum())
        if n_pipes:
            summary += f"; {ru.en_count(n_pipes, 'pipeline', 'pipelines')} below {ru.pct(max_share)}"
            summary_ru += (f"; в {n_pipes} {ru.plural(n_pipes, 'воронке', 'воронках', 'воронках')} "
                           f"доля проигрышей ниже {ru.pct(max_share, 'ru')}")
        return self.result(findings=findings, metric=round(share, 4), threshold=max_share, message=summary,
                           message_ru=summary_ru, judged=len(closed))
