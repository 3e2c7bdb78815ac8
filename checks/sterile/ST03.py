"""ST03 lost-without-reason."""

from __future__ import annotations

from audit.model import CrmData
from checks.base import Check, CheckResult, Family, RunContext, Severity
from audit.model import text as ru


class LostWithoutReason(Check):
    """Lost deals whose loss reason is empty."""

    code = "ST03"
    name = "lost-without-reason"
    title_ru = "Проигранные сделки без причины"
    family = Family.STERILE
    severity = Severity.MEDIUM
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
            return self.skip(f"no lost deal among {len(crm.deals)} deals: no loss reason to judge",
                             f"среди {len(crm.deals)} {ru.plural(len(crm.deals), 'сделки', 'сделок', 'сделок')} "
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
            message=f"{len(flagged)} of {len(lost)} lost deals ({share:.0%}) have no loss reason",
            message_ru=(f"у {len(flagged)} из {len(lost)} "
                        f"{ru.plural(len(lost), 'проигранной сделки', 'проигранных сделок', 'проигранных сделок')} "
                        f"({share:.0%}) не указана причина отказа"),
            judged=len(lost),
        )
