"""HY04 amount-range."""

from __future__ import annotations

import numpy as np
import pandas as pd

from audit.model import CrmData
from audit.model import text as ru
from audit.model.gauge import Fails, Gauge, Unit
from checks.base import CheckResult, Family, RunContext, Severity
from checks.hygiene._common import (
    GxCheck,
    failing,
    fmt_amount,
    rules_by_position,
    shared_validation,
)

ORDER = ("amount-negative", "won-amount-not-positive")


class AmountRange(GxCheck):
    """Deals with a negative amount, and won deals with a zero amount."""

    code = "HY04"
    name = "amount-range"
    title_ru = "Недопустимая сумма сделки"
    family = Family.HYGIENE
    severity = Severity.LOW
    gauge = Gauge("share of deals with an impossible amount",
                  "доля сделок с невозможной суммой", Unit.SHARE, Fails.ABOVE)
    evidence_keys = ("rules", "amount", "currency", "status", "row")
    needs = {"deals": ("amount",)}
    rationale = ("A negative amount is a refund or a typo booked as a deal, and a won deal worth zero "
                 "was closed without anyone entering what was sold: both skew revenue, average deal "
                 "size and every manager's totals.")
    rationale_ru = ("Отрицательная сумма — это возврат или опечатка, оформленные как сделка, а "
                    "выигранная сделка на ноль закрыта без указания, что продано: обе искажают "
                    "выручку, средний чек и итоги менеджеров.")
    fix = ("Require a positive amount on the won stage; correct the listed deals and book refunds as "
           "refunds, not as deals.")
    fix_ru = ("Требуйте положительную сумму на этапе «успешно»; исправьте перечисленные сделки, а "
              "возвраты оформляйте возвратами, а не сделками.")
    todo = "Correct the amount"
    todo_ru = "Исправьте сумму"
    dated_by = ("deal.closed_at", "deal.created_at")

    def run(self, crm: CrmData, ctx: RunContext) -> CheckResult:
        if (skipped := self.no_deals(crm)) is not None:
            return skipped
        with_amount = int(crm.deals["amount"].notna().sum())
        if not with_amount:
            return self.skip(f"none of {ru.num(len(crm.deals))} deals has an amount: no amount to judge",
                             f"ни у одной из {ru.num(len(crm.deals), 'ru')} сделок не указана сумма: проверять нечего")
        validation = shared_validation(ctx)
        hits = failing(validation.for_check(self.code))
        deals = crm.deals
        rules = rules_by_position(hits, ORDER)
        flagged = deals.iloc[rules.index] if len(rules) else deals.iloc[:0]
        amount = flagged["amount"]
        won = flagged["status"].eq("won").fillna(False).to_numpy()
        negative = (amount < 0).fillna(False).to_numpy()
        text = np.select([won & negative, negative, won],
                         ["won with a negative amount ", "negative amount ", "won with amount "],
                         default="amount ")
        message = pd.Series(text, index=flagged.index, dtype=object) + fmt_amount(amount)
        text_ru = np.select([won & negative, negative, won],
                            ["Выиграна с отрицательной суммой ", "Отрицательная сумма ", "Выиграна с суммой "],
                            default="Сумма ")
        # Thousands apart with spaces: "-85,000" reads as minus eighty-five in Russian.
        message_ru = pd.Series(text_ru, index=flagged.index, dtype=object) + fmt_amount(amount, "ru")
        evidence = {"rules": rules, "amount": amount, "currency": flagged["currency"],
                    "status": flagged["status"]}
        return self.deal_result(
            crm, validation, hits, ORDER, flagged, message=message, message_ru=message_ru, evidence=evidence,
            total=with_amount, summary=f"{ru.num(len(flagged))} of {ru.num(with_amount)} deals with an amount have an impossible one",
            summary_ru=(f"недопустимая сумма у {ru.num(len(flagged), 'ru')} из {ru.num(with_amount, 'ru')} "
                        f"{ru.plural(with_amount, 'сделки', 'сделок', 'сделок')} с суммой"))
