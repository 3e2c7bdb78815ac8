"""SG03 rotting-deal."""

from __future__ import annotations

import numpy as np
import pandas as pd

from audit.derived.flowindex import group_ends
from audit.model import CrmData
from audit.model.gauge import Fails, Gauge, Unit
from checks.base import PER_STAGE_COUNT, Check, CheckResult, Family, RunContext, Severity
from checks.links import skip_if_unlinked
from audit.model import text as ru
from audit.model.params import DAYS, number

DAY_US = 86_400e6


class RottingDeal(Check):
    """Open deals that have sat in their current stage far longer than deals usually stay there."""

    code = "SG03"
    name = "rotting-deal"
    title_ru = "Зависшие сделки"
    family = Family.STAGES
    severity = Severity.MEDIUM
    gauge = Gauge("share of open deals rotting in their stage",
                  "доля открытых сделок, зависших на этапе", Unit.SHARE, Fails.ABOVE)
    verdicts = ("rotting_now",)
    evidence_keys = ("days_in_stage", "stage_median_days", "limit_days", "stage_completed_stays", "entered_stage_at")
    needs = {"deals": ("stage", "status"), "stage_history": ()}
    params = {"min_days": 30, "factor": 3.0}
    param_rules = {"min_days": DAYS, "factor": number(0.0, 1000.0)}
    rationale = ("A deal that has not moved for many times the usual stay in its stage is usually dead: the "
                 "client went silent or bought elsewhere, and the loss was never recorded. Such deals inflate "
                 "the pipeline and hide the real loss rate.")
    rationale_ru = ("Сделка, которая стоит на этапе в разы дольше обычного, как правило, уже мертва: клиент "
                    "пропал или купил у другого, а проигрыш так и не записали. Такие сделки раздувают воронку "
                    "и прячут настоящую долю проигрышей.")
    fix = ("Review each listed deal with its owner: move it to the stage it has really reached, or close it "
           "as lost with the reason; set a next step with a date on the ones that are alive.")
    fix_ru = ("Разберите каждую сделку с ответственным: переведите на этап, которого она действительно "
              "достигла, или закройте как проигранную с причиной; живым сделкам поставьте следующий шаг с датой.")
    todo = "Move it on, or close it as lost with a reason"
    todo_ru = "Продвиньте сделку или закройте проигрышем с причиной"
    dated_by = ("entered_stage_at",)

    def run(self, crm: CrmData, ctx: RunContext) -> CheckResult:
        if (skipped := skip_if_unlinked(self, ctx.derived, "stage_history")) is not None:
            return skipped
        min_days, factor = float(ctx["min_days"]), float(ctx["factor"])
        d = ctx.derived
        ix, v, st, flow = d.flow_index, d.visit_arrays, d.stage_table, d.stage_flow
        last = group_ends(v.deal)
        key = v.key
        row = st.position(key)
        # What "usual" means for a stage: the median completed stay in that pipeline+stage.
        median, completed = flow.median_dwell_days, flow.completed
        limit = np.fmax(min_days, factor * median)

        # The current stay of each open deal, trusted only when it is in the deal's current stage.
        is_open = ix.status_is("open")
        mine = last & (v.deal < ix.n_deals)
        cur = np.flatnonzero(mine)
        deal = v.deal[cur]
        same_stage = key[cur] == ix.deal_key[deal]
        judged = cur[is_open[deal] & same_stage & (row[cur] >= 0)]
        n_open = int(is_open.sum())
        if not len(judged):
            return self.skip(
                f"no open deal whose time in its current stage is known ({ru.num(n_open)} open deals: none sits "
                "in the stage the history last moved it to)" if n_open else f"no open deal among {ru.num(ix.n_deals)} deals",
                f"нет открытых сделок с известным временем на текущем этапе (открытых: {ru.num(n_open, 'ru')}; ни "
                "одна не стоит на этапе, куда её последний раз перевела история)" if n_open
                else f"среди сделок ({ru.num(ix.n_deals, 'ru')}) нет открытых")
        days = (pd.Timestamp(ctx.as_of).value // 1000 - v.at[judged]) / DAY_US
        r = row[judged]
        rotting = days > limit[r]
        hit = judged[rotting]
        r, days = r[rotting], days[rotting]

        # The basis of each stage's limit, worded once per stage rather than once per deal.
        basis = np.array([f"{ru.num(factor, digits=1)} × the usual {ru.num(m, digits=1)} days in this stage, "
                          f"at least {ru.num(min_days, digits=1)}" if m == m
                          else f"no completed stays in this stage to compare, at least {ru.num(min_days, digits=1)}"
                          for m in np.round(median, 1)], dtype=object)
        basis_ru = np.array([f"{ru.num(factor, 'ru', 1)} × обычные {ru.count(m, 'день', 'дня', 'дней')} на этапе, "
                             f"но не меньше {ru.num(min_days, 'ru', 1)}" if m == m
                             else "завершённых пребываний на этапе для сравнения нет, не меньше "
                                  f"{ru.num(min_days, 'ru', 1)}"
                             for m in np.round(median, 1)], dtype=object)
        findings = self._findings(crm, ix, v, hit, days, median[r], limit[r], completed[r], basis[r], basis_ru[r])
        k, judged_n = len(hit), len(judged)
        share = k / judged_n
        unjudged = n_open - judged_n
        text = (f"{ru.num(k)} of {ru.num(judged_n)} open deals ({ru.pct(share)}) sit in their stage longer than "
                f"{ru.num(factor, digits=1)} × the stage's usual stay (at least {ru.num(min_days, digits=1)} days)")
        text_ru = (f"{ru.num(k, 'ru')} из {ru.num(judged_n, 'ru')} "
                   f"{ru.plural(judged_n, 'открытой сделки', 'открытых сделок', 'открытых сделок')} "
                   f"({ru.pct(share, 'ru')}) {ru.plural(k, 'стоит', 'стоят', 'стоят')} на своём этапе дольше, чем "
                   f"{ru.num(factor, 'ru', 1)} × обычное время на этапе (не меньше "
                   f"{ru.count(min_days, 'дня', 'дней', 'дней')})")
        if unjudged:
            text += (f"; {ru.num(unjudged)} open deals not judged (history's last stage is not their current stage, "
                     f"or no stay recorded)")
            text_ru += (f"; не оценивались открытые сделки ({ru.num(unjudged, 'ru')}): последний этап в истории не совпадает "
                        "с текущим или пребывание на нём не записано")
        return self.result(findings=findings, metric=round(share, 4), threshold=0.0, message=text,
                           message_ru=text_ru, judged=judged_n,
                           verdicts=self.verdict_table(findings, rotting_now=PER_STAGE_COUNT))

    def _findings(self, crm, ix, v, hit, days, median, limit, completed, basis, basis_ru) -> pd.DataFrame | None:
        if not len(hit):
            return None
        deals = crm.deals.iloc[ix.deal_rows[v.deal[hit]]]
        index = deals.index
        days_s = pd.Series(np.round(days, 1), index=index)
        limit_s = pd.Series(np.round(limit, 1), index=index)
        message = ("open " + ru.nums(days_s) + " days in stage '" + deals["stage"]
                   + "' (limit " + ru.nums(limit_s) + " days: "
                   + pd.Series(basis, index=index, dtype="str") + ")")
        days_int, limit_int = days_s.round().astype(int), limit_s.round().astype(int)
        message_ru = ("Стоит на этапе «" + deals["stage"] + "» уже " + ru.counts(days_int, "день", "дня", "дней")
                      + " (предел " + ru.counts(limit_int, "день", "дня", "дней") + ": "
                      + pd.Series(basis_ru, index=index, dtype="str") + ")")
        # ISO text straight from numpy: pandas' strftime costs seconds per million findings.
        entered = np.datetime_as_string(v.at[hit].view("datetime64[us]"), unit="s")
        return self.findings(deals, entity_type="deal", message=message, message_ru=message_ru, evidence={
            "days_in_stage": days_s, "stage_median_days": pd.Series(np.round(median, 1), index=index),
            "limit_days": limit_s, "stage_completed_stays": pd.Series(completed, index=index),
            "entered_stage_at": pd.Series(entered, index=index, dtype="str"),
        })
