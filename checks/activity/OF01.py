"""OF01 silent-stage-change."""

from __future__ import annotations

import numpy as np
import pandas as pd

from audit.derived.flow import move_text
from audit.derived.flowindex import take_text, to_datetime
from audit.model import CrmData
from audit.model import text as ru
from checks.links import skip_if_unlinked
from checks.activity._times import iso, readable
from audit.model.gauge import Fails, Gauge, Unit
from checks.base import Check, CheckResult, Family, RunContext, Severity
from audit.model.params import SHARE


class SilentStageChange(Check):
    """Forward stage changes with no activity logged since the deal's previous change."""

    code = "OF01"
    name = "silent-stage-change"
    title_ru = "Смена этапа без зафиксированного контакта"
    family = Family.ACTIVITY
    severity = Severity.HIGH
    gauge = Gauge("share of forward stage changes with no activity",
                  "доля переходов вперёд без контактов", Unit.SHARE, Fails.ABOVE)
    evidence_keys = ("from_stage", "to_stage", "changed_at", "previous_change_at", "first_change",
                     "activities_since_previous")
    needs = {"deals": ("created_at",), "stage_history": (), "activities": ()}
    # max_share: the share of silent changes tolerated before the check fails (0 = none).
    params = {"max_share": 0.0}
    param_rules = {"max_share": SHARE}
    rationale = ("A deal does not move forward by itself: a call, a meeting or a letter moved it. "
                 "When the stage changes and the CRM holds no contact since the previous change, "
                 "the conversation happened somewhere else (a personal phone, a messenger, a "
                 "mailbox the CRM does not see) and the CRM only records the outcome.")
    rationale_ru = ("Сделка не продвигается сама: её двигает звонок, встреча или письмо. Если этап "
                    "сменился, а в CRM нет ни одного контакта с прошлой смены этапа, разговор шёл "
                    "мимо CRM (личный телефон, мессенджер, почта, которую CRM не видит), и в CRM "
                    "попадает только результат.")
    fix = ("Connect telephony, mail and messengers so contacts are logged automatically; ask the "
           "owners of the listed deals where the conversation that moved the deal took place.")
    fix_ru = ("Подключите телефонию, почту и мессенджеры, чтобы контакты попадали в CRM сами; "
              "спросите ответственных по перечисленным сделкам, где прошёл разговор, который "
              "сдвинул сделку.")
    todo = "Log the contact that moved the deal"
    todo_ru = "Внесите контакт, который сдвинул сделку"
    dated_by = ("changed_at",)

    def run(self, crm: CrmData, ctx: RunContext) -> CheckResult:
        if (skipped := skip_if_unlinked(self, ctx.derived, "activities", "stage_history")) is not None:
            return skipped
        d = ctx.derived
        ix, a = d.flow_index, d.move_arrays
        n = len(ix.h_deal)
        # The moves' numbers, not their text: text is taken for the silent changes only.
        forward = np.flatnonzero((a.direction == 0) & (a.to_kind != 2))
        # A history row's deal code is its deal's row (audit.derived.deal_index); moves of deals
        # missing from deals, or with no deal id, are HY06's and HY01's business.
        deal = ix.h_deal[forward]
        forward = forward[(deal >= 0) & (deal < ix.n_deals)]
        pos = ix.h_deal[forward].astype(np.int64)
        total = len(forward)
        if not total:
            return self.skip(f"no forward stage change of an exported deal among {ru.num(n)} stage changes",
                             f"среди смен этапа ({ru.num(n, 'ru')}) нет ни одного перехода вперёд у выгруженной сделки")
        at = ix.h_at.view("datetime64[us]")
        prev_at = a.prev_at.view("datetime64[us]")
        logged = d.activity_timeline.count_between(pos, prev_at[forward], at[forward])
        rows = forward[logged == 0]
        share = len(rows) / total
        message = (f"{ru.num(len(rows))} of {ru.num(total)} forward stage changes ({ru.pct(share)}) had no activity "
                   "logged since the previous change")
        message_ru = (f"переходов вперёд по этапам без единого контакта с предыдущей смены этапа: "
                      f"{ru.num(len(rows), 'ru')} из {ru.num(total, 'ru')} ({ru.pct(share, 'ru')})")
        if share <= ctx["max_share"]:
            return self.result(metric=round(share, 4), threshold=ctx["max_share"],
                               message=message, message_ru=message_ru, affected=len(rows), failed=False,
                               judged=total)
        index = pd.Index(rows)
        silent = pd.DataFrame({name: take_text(vocab, codes, index)
                               for name, (vocab, codes) in move_text(ix, rows).items()}, index=index)
        silent["changed_at"] = to_datetime(ix.h_at[rows], index)
        silent["prev_changed_at"] = to_datetime(a.prev_at[rows], index)
        # The deal's first recorded change: "since" is the deal's creation.
        first = (rows == 0) | (ix.h_deal[rows] != ix.h_deal[np.maximum(rows - 1, 0)])
        silent = silent.assign(first_change=first)
        prev = readable(silent["prev_changed_at"]).fillna("?")
        since = ("the deal was created on " + prev).where(silent["first_change"],
                                                           "the previous change on " + prev)
        text = ("moved " + silent["from_stage"].fillna("?") + " → " + silent["to_stage"]
                + " on " + readable(silent["changed_at"]) + " with no activity logged since " + since)
        prev_ru = readable(silent["prev_changed_at"], lang="ru").fillna("?")
        since_ru = ("создания сделки (" + prev_ru + ")").where(silent["first_change"],
                                                            "предыдущей смены этапа (" + prev_ru + ")")
        text_ru = ("Переход «" + silent["from_stage"].fillna("?") + "» → «" + silent["to_stage"]
                   + "» " + readable(silent["changed_at"], lang="ru") + ": с " + since_ru
                   + " не записано ни одного контакта")
        return self.result(
            findings=self.findings(
                silent, entity_type="deal", message=text, message_ru=text_ru, stage=silent["to_stage"],
                evidence={"from_stage": silent["from_stage"], "to_stage": silent["to_stage"],
                          "changed_at": iso(silent["changed_at"]),
                          "previous_change_at": iso(silent["prev_changed_at"]),
                          "first_change": silent["first_change"],
                          "activities_since_previous": 0}),
            metric=round(share, 4), threshold=ctx["max_share"], message=message, message_ru=message_ru,
            judged=total)
