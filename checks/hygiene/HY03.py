"""HY03 date-order."""

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
    fmt_time,
    rules_by_position,
    shared_validation,
)

AFTER = ("created_at", "closed_at", "last_activity_at")
ORDER = ("closed-before-created", *(f"{c}-after-as-of" for c in AFTER))
FIELD_RU = {"created_at": "дата создания", "closed_at": "дата закрытия",
            "last_activity_at": "дата последней активности"}


class DateOrder(GxCheck):
    """Deals closed before they were created, and deal dates after the audit date."""

    code = "HY03"
    name = "date-order"
    title_ru = "Нарушен порядок дат"
    family = Family.HYGIENE
    severity = Severity.MEDIUM
    gauge = Gauge("share of deals with impossible dates", "доля сделок с невозможными датами", Unit.SHARE, Fails.ABOVE)
    evidence_keys = ("rules", "created_at", "closed_at", "last_activity_at", "as_of", "days_before_creation", "row")
    needs = {"deals": ("created_at",)}
    rationale = ("A deal closed before it was created, or dated in the future, was typed in by hand or "
                 "imported wrongly: its cycle time is negative, and every duration and trend that "
                 "includes it is distorted.")
    rationale_ru = ("Сделка, закрытая раньше, чем создана, или датированная будущим, введена вручную "
                    "или импортирована с ошибкой: её цикл отрицательный, а все сроки и тренды с её "
                    "участием искажены.")
    fix = ("Correct the dates of the listed deals; check the import that produced them (date format, "
           "day and month swapped, time zone).")
    fix_ru = ("Исправьте даты в перечисленных сделках и проверьте импорт, из которого они пришли "
              "(формат даты, перепутанные день и месяц, часовой пояс).")
    todo = "Correct the dates"
    todo_ru = "Исправьте даты"
    dated_by = ("closed_at", "deal.closed_at", "deal.created_at")

    def run(self, crm: CrmData, ctx: RunContext) -> CheckResult:
        if (skipped := self.no_deals(crm)) is not None:
            return skipped
        validation = shared_validation(ctx)
        hits = failing(validation.for_check(self.code))
        deals = crm.deals
        as_of = pd.Timestamp(ctx.as_of)
        texts, texts_ru = [], []
        if "closed-before-created" in hits:
            d = deals.iloc[hits["closed-before-created"]]
            texts.append("closed " + fmt_time(d["closed_at"]) + " before it was created "
                         + fmt_time(d["created_at"]))
            texts_ru.append("Закрыта " + fmt_time(d["closed_at"], "ru") + " — раньше, чем создана ("
                            + fmt_time(d["created_at"], "ru") + ")")
        for col in AFTER:
            key = f"{col}-after-as-of"
            if key in hits:
                d = deals.iloc[hits[key]]
                texts.append(f"{ru.column_word(col)} " + fmt_time(d[col])
                             + f" is after the audit date {ru.date(as_of)}")
                texts_ru.append(f"{ru.sentence(FIELD_RU[col])} " + fmt_time(d[col], "ru")
                                + f" позже даты аудита {ru.date(as_of, 'ru')}")
        message = combine_texts(texts)
        message_ru = combine_texts(texts_ru, sentences=True)
        flagged = deals.iloc[message.index] if len(message) else deals.iloc[:0]
        evidence = {
            "rules": rules_by_position(hits, ORDER),
            "created_at": flagged["created_at"], "closed_at": flagged["closed_at"],
            "last_activity_at": flagged["last_activity_at"], "as_of": as_of.isoformat(),
        }
        if "closed-before-created" in hits:
            d = deals.iloc[hits["closed-before-created"]]
            evidence["days_before_creation"] = ((d["created_at"] - d["closed_at"]).dt.total_seconds()
                                                / 86400).round(2)
        # Deals with no date at all offer nothing to put in order (HY01 reports a missing created_at).
        total = int((deals["created_at"].notna() | deals["closed_at"].notna()).sum())
        return self.deal_result(
            crm, validation, hits, ORDER, flagged, message=message, message_ru=message_ru, evidence=evidence,
            total=total, summary=f"{ru.num(len(flagged))} of {ru.num(total)} deals have impossible dates",
            summary_ru=(f"у {ru.num(len(flagged), 'ru')} из {ru.num(total, 'ru')} {ru.plural(total, 'сделки', 'сделок', 'сделок')} "
                        "невозможные даты"))
