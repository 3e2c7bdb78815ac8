"""HY01 required-fields."""

from __future__ import annotations

import pandas as pd

from audit.model import CrmData
from audit.model import text as ru
from audit.model.gauge import Fails, Gauge, Unit
from checks.base import CheckResult, Family, RunContext, Severity
from checks.hygiene._common import (
    GxCheck,
    combine_texts,
    failing,
    rules_by_position,
    shared_validation,
)
from checks.hygiene.rules import PROBLEM_RU

# Rule key -> the column it finds missing, in message order.
MISSING = {"deal_id-missing": "deal_id", "stage-missing": "stage", "owner-missing": "owner",
           "created_at-missing": "created_at", "won-amount-missing": "amount"}


class RequiredFields(GxCheck):
    """Deals missing an id, a stage, an owner or a creation date, and won deals without an amount."""

    code = "HY01"
    name = "required-fields"
    title_ru = "Не заполнены обязательные поля"
    family = Family.HYGIENE
    severity = Severity.MEDIUM
    gauge = Gauge("share of deals lacking a required field",
                  "доля сделок без обязательного поля", Unit.SHARE, Fails.ABOVE)
    evidence_keys = ("missing", "status", "row")
    needs = {"deals": ()}
    rationale = ("A deal with no owner is in nobody's scorecard, one with no stage or creation date "
                 "falls out of every funnel and dwell time, and a won deal without an amount makes "
                 "revenue look smaller than it is: the numbers a director sees silently leave them out.")
    rationale_ru = ("Сделка без ответственного не попадает ни в чью статистику, без этапа или даты "
                    "создания — выпадает из воронки и сроков, а выигранная сделка без суммы занижает "
                    "выручку: директор видит цифры, из которых эти сделки тихо выпали.")
    fix = ("Make owner, stage and amount (on the won stage) required fields in the CRM; fill them in "
           "for the listed deals.")
    fix_ru = ("Сделайте ответственного, этап и сумму (на этапе «успешно») обязательными полями в CRM "
              "и заполните их в перечисленных сделках.")
    todo = "Fill in the missing fields"
    todo_ru = "Заполните недостающие поля"
    dated_by = ("deal.created_at",)

    def run(self, crm: CrmData, ctx: RunContext) -> CheckResult:
        if (skipped := self.no_deals(crm)) is not None:
            return skipped
        validation = shared_validation(ctx)
        hits = failing(validation.for_check(self.code))
        deals = crm.deals
        texts, texts_ru = [], []
        for key, column in MISSING.items():
            if key in hits:
                pos = hits[key]
                text = "won without an amount" if key == "won-amount-missing" else f"no {ru.column_word(column)}"
                texts.append(pd.Series(text, index=pos, dtype=object))
                texts_ru.append(pd.Series(ru.sentence(PROBLEM_RU[key]), index=pos, dtype=object))
        message = combine_texts(texts)
        message_ru = combine_texts(texts_ru, sentences=True)
        flagged = deals.iloc[message.index] if len(message) else deals.iloc[:0]
        missing = rules_by_position(hits, MISSING, labels=MISSING)
        evidence = {"missing": missing, "status": flagged["status"]}
        total = len(deals)
        return self.deal_result(
            crm, validation, hits, MISSING, flagged, message=message, message_ru=message_ru, evidence=evidence,
            total=total, summary=f"{ru.num(len(flagged))} of {ru.num(total)} deals lack a required field",
            summary_ru=(f"у {ru.num(len(flagged), 'ru')} из {ru.num(total, 'ru')} {ru.plural(total, 'сделки', 'сделок', 'сделок')} не заполнено "
                        "обязательное поле"))
