"""SG02 parked-in-vague-stage."""

from __future__ import annotations

import numpy as np
import pandas as pd

from audit.derived.flowindex import NAT, to_datetime
from audit.model import CrmData
from checks import vocab
from audit.model.gauge import Fails, Gauge, Unit
from checks.base import PER_STAGE_COUNT, Check, CheckResult, Family, RunContext, Severity
from audit.model import text as ru
from audit.model.text import num


class ParkedInVagueStage(Check):
    """Open deals sitting in a stage whose name describes a state, not a result."""

    code = "SG02"
    name = "parked-in-vague-stage"
    title_ru = "Сделки на этапах без результата"
    family = Family.STAGES
    severity = Severity.MEDIUM
    gauge = Gauge("share of open deals parked in vague stages",
                  "доля открытых сделок на этапах без результата", Unit.SHARE, Fails.ABOVE)
    verdicts = ("parked_now",)
    evidence_keys = ("stage", "word", "days_in_stage", "entered_stage_at")
    needs = {"deals": ("stage", "status")}
    rationale = ("A deal parked in \"Objections\" or \"Thinking\" says only that it is stuck, not where: "
                 "nobody can tell which step to take next, and the pipeline value it carries is a guess.")
    rationale_ru = ("Сделка, припаркованная на этапе «Возражения» или «Думает», говорит лишь о том, что она "
                    "застряла, но не где: непонятно, какой шаг делать дальше, а её сумма в воронке — догадка.")
    fix = ("Move each listed deal to the stage whose result it has actually reached, record the client's "
           "objection with its reason, and set the next step as a task with a date.")
    fix_ru = ("Переведите каждую сделку на этап, результат которого она действительно достигла, запишите "
              "возражение клиента с причиной и поставьте следующий шаг задачей с датой.")
    todo = "Move the deal to the stage it has reached"
    todo_ru = "Переведите сделку на этап, которого она достигла"
    dated_by = ("entered_stage_at",)

    def run(self, crm: CrmData, ctx: RunContext) -> CheckResult:
        # Judged once per distinct deal and once per distinct stage name (audit.derived.flowindex codes).
        ix = ctx.derived.flow_index
        is_open = ix.status_is("open")
        vague_by_stage = vocab.is_vague_stage(pd.Series(ix.stages, dtype="str"), ctx.vocab).to_numpy()
        stage = ix.deal_stage
        vague = np.zeros(len(stage), dtype=bool)
        vague[stage >= 0] = vague_by_stage[stage[stage >= 0]]
        codes = np.flatnonzero(is_open & vague)
        columns = ["deal_id", "pipeline", "stage", "owner", "amount", "currency"]
        parked = crm.deals[columns].iloc[ix.deal_rows[codes]]
        word = vocab.vague_stage_word(parked["stage"], ctx.vocab)
        n_open = int(is_open.sum())
        if not n_open:
            return self.skip(f"no open deal among {ru.num(len(crm.deals))} deals: nothing can sit in a stage",
                             f"среди {ru.num(len(crm.deals), 'ru')} {ru.plural(len(crm.deals), 'сделки', 'сделок', 'сделок')} "
                             "нет открытых: стоять на этапе некому")

        days = pd.Series(np.nan, index=parked.index)
        entered = pd.Series(pd.NaT, index=parked.index, dtype="datetime64[us]")
        if crm.stage_history is not None:
            # Time in the current stay; trusted only when history's last stage is the deal's stage.
            stay_at, stay_stage = ctx.derived.current_stay
            same = (stay_stage[codes] == stage[codes]) & (stay_at[codes] != NAT)
            entered = to_datetime(np.where(same, stay_at[codes], NAT), parked.index)
            days = ((ctx.as_of - entered).dt.total_seconds() / 86400).clip(lower=0).round(1)

        known = days.notna()
        message = pd.Series("open deal sits in vague stage '", index=parked.index, dtype="str") \
            + parked["stage"] + "'"
        message = message.where(~known, message + " for " + ru.nums(days) + " days")
        days_ru = ru.counts(days.round().astype("Int64"), "день", "дня", "дней") + " "
        message_ru = ("Открытая сделка " + days_ru.where(known, "") + "стоит на этапе без результата «"
                      + parked["stage"] + "»")
        evidence = {"stage": parked["stage"], "word": word}
        if crm.stage_history is not None:
            evidence.update(days_in_stage=days, entered_stage_at=entered)
        findings = self.findings(parked, entity_type="deal", message=message, message_ru=message_ru,
                                 evidence=evidence)

        n, k = n_open, len(parked)
        share = k / n if n else 0.0
        amount = _amount_text(parked)
        text = (f"{ru.num(k)} of {ru.num(n)} open deals ({ru.pct(share)}){amount} sit in stages that name no result"
                if k else f"no open deal sits in a vague stage ({ru.en_count(n, 'open deal', 'open deals')})")
        text_ru = (f"{ru.num(k, 'ru')} из {ru.num(n, 'ru')} "
                   f"{ru.plural(n, 'открытой сделки', 'открытых сделок', 'открытых сделок')} ({ru.pct(share, 'ru')})"
                   f"{_amount_text(parked, ru=True)} {ru.plural(k, 'стоит', 'стоят', 'стоят')} на этапах, название "
                   "которых не говорит о результате"
                   if k else f"ни одна открытая сделка не стоит на этапе без результата (открытых сделок: "
                             f"{ru.num(n, 'ru')})")
        return self.result(findings=findings, metric=round(share, 4), threshold=0.0, message=text,
                           message_ru=text_ru, judged=n,
                           verdicts=self.verdict_table(findings, parked_now=PER_STAGE_COUNT))


def _amount_text(parked: pd.DataFrame, ru: bool = False) -> str:
    lang = "ru" if ru else "en"
    # A negative amount is HY04's: it would shrink the sum at stake.
    total = parked["amount"].where(parked["amount"] >= 0).sum()
    if not parked["amount"].notna().any():
        return ""
    currencies = parked["currency"].dropna().unique()
    mixed = " (разные валюты)" if ru else " (mixed currencies)"
    unit = f" {currencies[0]}" if len(currencies) == 1 else (mixed if len(currencies) else "")
    return f" {'на сумму' if ru else 'worth'} {num(total, lang)}{unit}"
