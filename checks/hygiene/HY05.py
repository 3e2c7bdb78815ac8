"""HY05 status-consistency."""

from __future__ import annotations

import numpy as np

from audit.model import CrmData
from audit.model import text as ru
from audit.model.gauge import Fails, Gauge, Unit
from audit.model.params import SHARE
from checks.base import CheckResult, Derived, Family, RunContext, Severity
from checks.hygiene._common import (
    GxCheck,
    combine_texts,
    failing,
    fmt_time,
    rules_by_position,
    shared_validation,
)

STATUS_RU = {"open": "открыта", "won": "выиграна", "lost": "проиграна"}
STATUS_RU_CAP = {k: v.capitalize() for k, v in STATUS_RU.items()}
STAGE_KIND_RU = {"open": "промежуточный этап", "won": "этап выигрыша", "lost": "этап проигрыша"}
ORDER = ("status-unknown", "open-with-closed-at", "closed-without-closed-at", "status-contradicts-stage")


class StatusConsistency(GxCheck):
    """Deals whose status contradicts their close date or their stage."""

    code = "HY05"
    name = "status-consistency"
    title_ru = "Статус противоречит дате закрытия или этапу"
    family = Family.HYGIENE
    severity = Severity.MEDIUM
    gauge = Gauge("share of deals whose status contradicts their data",
                  "доля сделок, статус которых противоречит данным", Unit.SHARE, Fails.ABOVE)
    evidence_keys = ("rules", "status", "closed_at", "stage_kind", "pipeline_agreement", "row")
    needs = {"deals": ("status",)}
    # Status vs stage is judged only in pipelines where stages record the outcome: at least this
    # share of deals have the status their stage implies. Below it (a CRM such as Pipedrive keeps
    # a won deal in its last open stage) status and stage are independent and nothing is flagged.
    params = {"stage_agreement": 0.9}
    param_rules = {"stage_agreement": SHARE}
    rationale = ("When the status says one thing and the close date or the stage another, win rates, "
                 "open pipeline and cycle times depend on which field a report happens to read; "
                 "usually a deal was closed in one place and never moved in the other.")
    rationale_ru = ("Когда статус говорит одно, а дата закрытия или этап — другое, конверсия, открытая "
                    "воронка и сроки зависят от того, какое поле читает отчёт; обычно сделку закрыли в "
                    "одном месте и не передвинули в другом.")
    fix = ("Close deals only by moving them to the won or lost stage (which sets status and close date "
           "together); correct the listed deals.")
    fix_ru = ("Закрывайте сделки только переводом на этап «успешно» или «не реализовано» — он выставляет "
              "статус и дату закрытия вместе; исправьте перечисленные сделки.")
    todo = "Close it through the won or lost stage"
    todo_ru = "Закройте её через этап успеха или проигрыша"
    dated_by = ("closed_at", "deal.closed_at", "deal.created_at")

    def run(self, crm: CrmData, ctx: RunContext) -> CheckResult:
        if (skipped := self.no_deals(crm)) is not None:
            return skipped
        validation = shared_validation(ctx)
        hits = failing(validation.for_check(self.code))
        deals = crm.deals
        agreement = None
        if "status-contradicts-stage" in hits:
            hits["status-contradicts-stage"], agreement = self._judged(
                ctx.derived, validation, hits["status-contradicts-stage"], float(ctx["stage_agreement"]))
            if not len(hits["status-contradicts-stage"]):
                del hits["status-contradicts-stage"]
        texts, texts_ru = [], []
        if "status-unknown" in hits:
            d = deals.iloc[hits["status-unknown"]]
            texts.append("status '" + d["status"].astype(object) + "' is not open, won or lost")
            texts_ru.append("Неизвестный статус «" + d["status"].astype(object)
                            + "» (ожидается: открыта, выиграна или проиграна)")
        if "open-with-closed-at" in hits:
            d = deals.iloc[hits["open-with-closed-at"]]
            texts.append("open but has a close date, " + fmt_time(d["closed_at"]))
            texts_ru.append("Открыта, но указана дата закрытия " + fmt_time(d["closed_at"], "ru"))
        if "closed-without-closed-at" in hits:
            d = deals.iloc[hits["closed-without-closed-at"]]
            texts.append(d["status"].astype(object) + " but has no close date")
            texts_ru.append(d["status"].map(STATUS_RU_CAP).fillna(d["status"]).astype(object)
                            + ", но нет даты закрытия")
        kind = None
        if "status-contradicts-stage" in hits:
            pos = hits["status-contradicts-stage"]
            d = deals.iloc[pos]
            kind = ctx.derived.expected_status.iloc[pos]
            stage_word = kind.map({"open": "an open", "won": "a won", "lost": "a lost"}).astype(object)
            texts.append("status " + d["status"].astype(object) + " but its stage '" + d["stage"].astype(object)
                         + "' is " + stage_word + " stage")
            texts_ru.append("Статус «" + d["status"].map(STATUS_RU).fillna(d["status"]).astype(object)
                            + "», но «" + d["stage"].astype(object) + "» — "
                            + kind.map(STAGE_KIND_RU).astype(object))
        message = combine_texts(texts)
        message_ru = combine_texts(texts_ru, sentences=True)
        flagged = deals.iloc[message.index] if len(message) else deals.iloc[:0]
        evidence = {"rules": rules_by_position(hits, ORDER), "status": flagged["status"],
                    "closed_at": flagged["closed_at"]}
        if kind is not None:
            evidence["stage_kind"] = kind
            evidence["pipeline_agreement"] = flagged["pipeline"].map(agreement)
        total = len(deals)
        return self.deal_result(
            crm, validation, hits, ORDER, flagged, message=message, message_ru=message_ru, evidence=evidence,
            total=total, summary=f"{ru.num(len(flagged))} of {ru.num(total)} deals have a status that contradicts their data",
            summary_ru=(f"у {ru.num(len(flagged), 'ru')} из {ru.num(total, 'ru')} {ru.plural(total, 'сделки', 'сделок', 'сделок')} "
                        "статус противоречит другим данным сделки"))

    @staticmethod
    def _judged(d: Derived, validation, positions: np.ndarray, threshold: float):
        """Keep the stage contradictions of pipelines whose stages record the outcome.

        Agreement per pipeline = 1 - contradictions / deals GX compared (status and stage kind set).
        """
        deals = d.crm.deals
        compared = d.expected_status.notna() & deals["status"].notna()
        per_pipeline = deals.loc[compared, "pipeline"].value_counts()
        wrong = deals["pipeline"].iloc[positions].value_counts().reindex(per_pipeline.index, fill_value=0)
        agreement = (1 - wrong / per_pipeline).round(4)
        judged = agreement[agreement >= threshold].index
        keep = deals["pipeline"].iloc[positions].isin(judged).to_numpy()
        return positions[keep], agreement
