"""ST07 leads-only-qualified."""

from __future__ import annotations

import pandas as pd

from audit.model import CrmData
from audit.model.gauge import Fails, Gauge, Unit
from checks.base import Check, CheckResult, Family, RunContext, Severity
from audit.model import text as ru
from audit.model.params import COUNT, SHARE


class LeadsOnlyQualified(Check):
    """A leads table with no disqualified leads, or with almost every finished lead converted.

    On a table of at least `min_leads` leads, one `dataset` finding (entity_id "leads") when

    * no lead is disqualified, or
    * conversion > `max_conversion`, where conversion = converted / finished leads and
      finished = converted + disqualified, once at least `min_leads` leads are finished.

    Converted = status "converted" or a converted_deal_id; disqualified = status
    "disqualified", or no status but a disqualify reason. Conversion is taken over finished
    leads, not all of them: new and in-work leads have no outcome yet, and counting them would
    let a young table or a backlog of untouched leads hide that nothing is ever disqualified.
    """

    code = "ST07"
    name = "leads-only-qualified"
    title_ru = "В лидах только квалифицированные"
    family = Family.STERILE
    severity = Severity.MEDIUM
    gauge = Gauge("lead-to-deal conversion", "конверсия лидов в сделки", Unit.SHARE, Fails.ABOVE)
    evidence_keys = ("leads", "disqualified", "converted", "finished", "conversion")
    needs = {"leads": ("status",)}
    params = {"min_leads": 30, "max_conversion": 0.9}
    param_rules = {"min_leads": COUNT, "max_conversion": SHARE}
    rationale = ("Most incoming leads turn out to be spam, wrong fit or no budget. A leads table in "
                 "which nothing is disqualified, or nearly every lead becomes a deal, holds only the "
                 "leads someone already vetted elsewhere: the raw inflow, and what marketing really "
                 "brings, is invisible.")
    rationale_ru = ("Большинство входящих лидов — спам, нецелевые обращения или клиенты без бюджета. "
                    "Если в CRM нет ни одного дисквалифицированного лида или почти каждый становится "
                    "сделкой, значит, туда попадают только заранее отобранные лиды: реальный входящий "
                    "поток и отдача от маркетинга не видны.")
    fix = ("Let every inquiry create a lead automatically (forms, calls, mail); disqualify with a "
           "reason instead of deleting; do not pre-screen leads outside the CRM.")
    fix_ru = ("Пусть каждое обращение создаёт лид автоматически (формы, звонки, почта); "
              "дисквалифицируйте с причиной вместо удаления; не фильтруйте лиды вне CRM.")
    todo = "Create a lead for every inquiry; disqualify with a reason"
    todo_ru = "Заводите лид на каждое обращение, отказ — с причиной"

    def run(self, crm: CrmData, ctx: RunContext) -> CheckResult:
        min_leads, max_conversion = int(ctx["min_leads"]), float(ctx["max_conversion"])
        leads = crm.leads
        status = leads["status"]
        is_disqualified = status.eq("disqualified") | (status.isna() & leads["disqualify_reason"].notna())
        is_converted = (status.eq("converted") | leads["converted_deal_id"].notna()) & ~is_disqualified
        disqualified, converted = int(is_disqualified.sum()), int(is_converted.sum())
        finished = converted + disqualified
        conversion = converted / finished if finished else 0.0
        n = len(leads)
        if n < min_leads:
            return self.too_few(n, min_leads, "leads", "judge how leads end", "лидов",
                                "судить о том, чем заканчиваются лиды")

        reasons, reasons_ru = [], []
        if disqualified == 0:
            reasons.append(f"none of {ru.num(n)} leads is disqualified")
            reasons_ru.append(f"ни один из {ru.num(n, 'ru')} {ru.plural(n, 'лида', 'лидов', 'лидов')} не дисквалифицирован")
        if finished >= min_leads and conversion > max_conversion:
            reasons.append(f"{ru.num(converted)} of {ru.num(finished)} finished leads ({ru.pct(conversion)}) became deals, "
                           f"above {ru.pct(max_conversion)}")
            reasons_ru.append(f"в сделки превратились {ru.num(converted, 'ru')} из {ru.num(finished, 'ru')} "
                              f"{ru.plural(finished, 'завершённого лида', 'завершённых лидов', 'завершённых лидов')} "
                              f"({ru.pct(conversion, 'ru')}), больше порога {ru.pct(max_conversion, 'ru')}")
        findings = None
        if reasons:
            row = pd.DataFrame(index=[0])
            findings = self.findings(
                row, entity_type="dataset", entity_id="leads", message="; ".join(reasons),
                message_ru=ru.sentence("; ".join(reasons_ru)),
                owner=None, pipeline=None, stage=None,
                evidence={"leads": n, "disqualified": disqualified, "converted": converted,
                          "finished": finished, "conversion": round(conversion, 4)})
        summary = (f"{ru.num(disqualified)} of {ru.num(n)} leads disqualified, {ru.num(converted)} converted "
                   f"({ru.pct(conversion)} of finished)")
        summary_ru = (f"из {ru.num(n, 'ru')} {ru.plural(n, 'лида', 'лидов', 'лидов')} дисквалифицировано "
                      f"{ru.num(disqualified, 'ru')}, превратились в сделки {ru.num(converted, 'ru')} "
                      f"({ru.pct(conversion, 'ru')} завершённых)")
        if finished < min_leads:
            summary += f"; {ru.num(finished)} finished: too few to judge the conversion, needs {min_leads}"
            summary_ru += f"; завершённых {ru.num(finished, 'ru')}: слишком мало, чтобы судить о конверсии (нужно {min_leads})"
        return self.result(findings=findings, metric=round(conversion, 4), threshold=max_conversion,
                           message=summary, message_ru=summary_ru, judged=n)
