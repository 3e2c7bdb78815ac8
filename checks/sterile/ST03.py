"""ST03 lost-without-reason."""

from __future__ import annotations

from audit.model import CrmData
from audit.model.gauge import Fails, Gauge, Unit
from checks.base import Check, CheckResult, Family, RunContext, Severity
from audit.model import text as ru


class LostWithoutReason(Check):
    """Lost deals whose loss reason is empty."""

    code = "ST03"
    name = "lost-without-reason"
    title_ru = "Проигранные сделки без причины"
    family = Family.STERILE
    severity = Severity.MEDIUM
    gauge = Gauge("share of lost deals without a reason",
                  "доля проигранных сделок без причины", Unit.SHARE, Fails.ABOVE)
    needs = {"deals": ("status", "lost_reason")}
    rationale = ("A loss without a reason teaches nothing: the team cannot see which objection, "
                 "price or competitor it keeps losing to.")
    rationale_ru = ("Проигрыш без причины ничему не учит: не видно, каким возражениям, ценам "
                    "или конкурентам команда проигрывает раз за разом.")
    fix = "Make the loss reason a required field on the lost stage; review the listed deals."
    fix_ru = "Сделайте причину отказа обязательным полем на этапе проигрыша; разберите перечисленные сделки."
    todo = "Fill in the loss reason"
    todo_ru = "Укажите причину отказа"
    dated_by = ("deal.closed_at",)

    def run(self, crm: CrmData, ctx: RunContext) -> CheckResult:
        lost = crm.deals[crm.deals["status"] == "lost"]
        if lost.empty:
            return self.skip(f"no lost deal among {ru.num(len(crm.deals))} deals: no loss reason to judge",
                             f"среди {ru.num(len(crm.deals), 'ru')} {ru.plural(len(crm.deals), 'сделки', 'сделок', 'сделок')} "
                             "нет проигранных: оценивать причины отказа не на чем")
        # The column was exported (an empty one too: the runner skips this check only when the
        # export has no loss-reason column), so an empty reason is an answer: none was given.
        empty = lost["lost_reason"].isna()
        flagged = lost[empty]
        share = float(empty.mean())
        return self.result(
            findings=self.findings(flagged, entity_type="deal",
                                   message="lost deal has no loss reason",
                                   message_ru="Сделка проиграна, причина отказа не указана"),
            metric=round(share, 4), threshold=0.0,
            message=f"{ru.num(len(flagged))} of {ru.num(len(lost))} lost deals ({ru.pct(share)}) have no loss reason",
            message_ru=(f"у {ru.num(len(flagged), 'ru')} из {ru.num(len(lost), 'ru')} "
                        f"{ru.plural(len(lost), 'проигранной сделки', 'проигранных сделок', 'проигранных сделок')} "
                        f"({ru.pct(share, 'ru')}) не указана причина отказа"),
            judged=len(lost),
        )
