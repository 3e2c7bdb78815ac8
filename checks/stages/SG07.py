"""SG07 dead-stage."""

from __future__ import annotations

import numpy as np
import pandas as pd

from audit.derived.flowindex import distinct
from audit.model import CrmData
from checks import vocab
from audit.model.gauge import Fails, Gauge, Unit
from checks.base import Check, CheckResult, Derived, Family, RunContext, Severity
from checks.links import skip_if_unlinked
from audit.model import text as ru
from audit.model.params import DAYS

DAY_US = 86_400_000_000


class DeadStage(Check):
    """Configured stages that no deal entered in the audited period."""

    code = "SG07"
    name = "dead-stage"
    title_ru = "Неиспользуемые этапы"
    family = Family.STAGES
    severity = Severity.LOW
    gauge = Gauge("share of configured stages no deal entered",
                  "доля настроенных этапов, на которые не попала ни одна сделка", Unit.SHARE, Fails.ABOVE)
    verdicts = ("dead",)
    evidence_keys = ("order", "kind", "pipeline_deals", "period_days", "last_entered_at")
    needs = {"deals": ("stage",), "stage_history": (), "pipelines": ("stage",)}
    params = {"period_days": 0}  # 0: the whole export
    param_rules = {"period_days": DAYS}
    rationale = ("A stage no deal ever enters is not a step of the real sales process. It clutters the "
                 "funnel and its zero conversion misleads; often the step happens, but outside the CRM.")
    rationale_ru = ("Этап, на который не попадает ни одна сделка, не является шагом реального процесса продаж. "
                    "Он загромождает воронку и искажает конверсию; часто сам шаг выполняется, но мимо CRM.")
    fix = ("Remove the listed stages, or, if the step does happen, make the team move deals through it "
           "(an automation on the event that completes it helps).")
    fix_ru = ("Удалите перечисленные этапы или, если этот шаг на самом деле выполняется, добейтесь, чтобы "
              "сделки через него проходили (поможет автоматический перевод по событию, которое его завершает).")
    todo = "Remove the stage, or move deals through it"
    todo_ru = "Удалите этап или проводите через него сделки"

    def run(self, crm: CrmData, ctx: RunContext) -> CheckResult:
        # History of no exported deal: every stage the deals passed through would look unvisited.
        if (skipped := skip_if_unlinked(self, ctx.derived, "stage_history")) is not None:
            return skipped
        period = float(ctx["period_days"])
        ix, v = ctx.derived.flow_index, ctx.derived.visit_arrays
        declared = crm.pipelines[["pipeline", "stage"]].dropna().drop_duplicates()
        declared = declared[~vocab.is_inbox_stage(declared["stage"], ctx.vocab).to_numpy()]

        # Pipelines with deals are the ones whose stages can be judged.
        deals_per_pipe = np.bincount(ix.deal_pipe[ix.deal_pipe >= 0], minlength=len(ix.pipelines))
        in_data = pd.Series(deals_per_pipe, index=ix.pipelines.to_pylist())
        declared = declared[declared["pipeline"].isin(in_data.index[in_data > 0])]
        if declared.empty:
            return self.skip("no configured stage belongs to a pipeline that has deals: nothing to judge",
                             "ни один настроенный этап не относится к воронке со сделками: оценивать нечего")

        # Entered: any stay (history to_stage, a deal's first from_stage) in the period, and the
        # stage every deal sits in now.
        since = pd.Timestamp(ctx.as_of).value // 1000 - int(period * DAY_US) if period > 0 else None
        recent = v.at >= since if since is not None else np.ones(len(v.at), dtype=bool)
        entered = distinct(np.concatenate([v.key[recent], ix.deal_key]), ix.key_space)
        seen = ix.key_frame(entered)
        seen_steps = set(zip(seen["pipeline"], vocab.normalize(seen["stage"]).fillna("")))
        steps = vocab.normalize(declared["stage"]).fillna("")
        dead = declared[[(p, s) not in seen_steps for p, s in zip(declared["pipeline"], steps)]].copy()

        order = ctx.derived.stage_order.set_index(["pipeline", "stage"])
        place = order.reindex(pd.MultiIndex.from_frame(dead[["pipeline", "stage"]]))
        dead["order"] = place["order"].to_numpy()
        dead["kind"] = place["kind"].to_numpy()
        dead["deals"] = in_data.reindex(dead["pipeline"]).to_numpy()
        total = order["kind"].groupby(level="pipeline").size()
        dead["of"] = total.reindex(dead["pipeline"]).to_numpy()
        if period > 0 and len(dead):
            dead["last_entered_at"] = _last_entry(ctx.derived, dead)
        findings = self._findings(dead, period) if len(dead) else None
        n, k = len(declared), len(dead)
        window = f" in the last {ru.num(period, digits=1)} days" if period > 0 else ""
        text = (f"{k} of {n} configured stages were entered by no deal{window}" if k
                else f"every one of {n} configured stages was entered by some deal{window}")
        window_ru = f" за последние {ru.num(period, 'ru', digits=1)} {ru.plural(period, 'день', 'дня', 'дней')}" if period > 0 else ""
        text_ru = (f"этапов, на которые не попала ни одна сделка{window_ru}: {k} из {n} настроенных" if k
                   else f"на каждый из {n} "
                        f"{ru.plural(n, 'настроенного этапа', 'настроенных этапов', 'настроенных этапов')} "
                        f"попадала хотя бы одна сделка{window_ru}")
        return self.result(findings=findings, metric=round(k / n, 4), threshold=0.0, message=text,
                           message_ru=text_ru, judged=n, verdicts=self.verdict_table(findings, dead=True))

    def _findings(self, dead: pd.DataFrame, period: float) -> pd.DataFrame:
        known = dead["order"].notna() & dead["of"].notna()
        place = (" (" + dead["order"].fillna(0).astype(int).astype(str) + " of "
                 + dead["of"].fillna(0).astype(int).astype(str) + ")").where(known, "")
        window = f" in the last {ru.num(period, digits=1)} days" if period > 0 else ""
        message = ("configured stage '" + dead["stage"] + "'" + place + " of pipeline '" + dead["pipeline"]
                   + "': no deal entered it" + window + "; " + ru.nums(dead["deals"]) + " deals in the pipeline")
        place_ru = (" (" + dead["order"].fillna(0).astype(int).astype(str) + " из "
                    + dead["of"].fillna(0).astype(int).astype(str) + ")").where(known, "")
        window_ru = f" за последние {ru.num(period, 'ru', digits=1)} {ru.plural(period, 'день', 'дня', 'дней')}" if period > 0 else ""
        message_ru = ("Настроенный этап «" + dead["stage"] + "»" + place_ru + " воронки «" + dead["pipeline"]
                      + "»: ни одна сделка на него не попадала" + window_ru + "; в воронке "
                      + ru.counts(dead["deals"], "сделка", "сделки", "сделок"))
        evidence = {"order": dead["order"].astype("Int64"), "kind": dead["kind"], "pipeline_deals": dead["deals"]}
        if period > 0:
            evidence["period_days"] = period
            evidence["last_entered_at"] = dead["last_entered_at"]
            entered = dead["last_entered_at"].notna()
            message = message.where(~entered, message + " (last entered " + ru.dates(dead["last_entered_at"]) + ")")
            message_ru = message_ru.where(~entered, message_ru + " (последний раз — "
                                          + ru.dates(dead["last_entered_at"], "ru") + ")")
        return self.findings(dead, entity_type="stage", entity_id=dead["pipeline"] + "/" + dead["stage"],
                             message=message, message_ru=message_ru, evidence=evidence, owner=None)


def _last_entry(d: Derived, dead: pd.DataFrame) -> pd.Series:
    """When each stage was last entered before the period (NaT if never)."""
    ix, v = d.flow_index, d.visit_arrays
    keys = ix.keys_of(dead)
    vkeys = v.key
    mask = np.isin(vkeys, keys[keys >= 0])
    last = pd.Series(v.at[mask]).groupby(vkeys[mask]).max()
    at = pd.Series(keys).map(last)
    return pd.Series(pd.to_datetime(at.to_numpy(dtype=float), unit="us"), index=dead.index).astype("datetime64[us]")
