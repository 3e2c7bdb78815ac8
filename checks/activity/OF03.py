"""OF03 owner-low-logging."""

from __future__ import annotations

import numpy as np
import pandas as pd

from audit.derived.deal_index import NO_OWNER
from audit.model import CrmData
from audit.model import text as ru
from checks.links import skip_if_unlinked
from audit.model.gauge import Fails, Gauge, Unit
from checks.base import Check, CheckResult, Family, RunContext, Severity
from audit.model.params import COUNT, SHARE, count, number


class OwnerLowLogging(Check):
    """Owners whose activities per deal are far below the team's (robust z-score)."""

    code = "OF03"
    name = "owner-low-logging"
    title_ru = "Менеджер почти не фиксирует контакты"
    family = Family.ACTIVITY
    severity = Severity.MEDIUM
    gauge = Gauge("lowest owner's logging against the team's, in typical spreads",
                  "отставание самой низкой фиксации контактов у менеджера от команды, в типичных разбросах",
                  Unit.Z_SCORE, Fails.BELOW)
    evidence_keys = ("activities", "deals", "activities_per_deal", "team_median", "team_mad", "z")
    needs = {"deals": ("owner",), "activities": ()}
    # z = (owner's activities per deal - team median) / max(1.4826 * MAD, mad_floor * median);
    # flagged when z < z_threshold and the owner logs at most max_ratio of the team median.
    params = {"z_threshold": -3.0, "min_deals": 10, "min_owners": 3, "mad_floor": 0.1,
              "max_ratio": 0.5}
    param_rules = {"z_threshold": number(-100.0, 0.0), "min_deals": COUNT, "min_owners": count(2),
                   "mad_floor": number(0.0, 1e6), "max_ratio": SHARE}
    rationale = ("Managers of one team work deals of the same kind, so they need roughly the same "
                 "number of calls, letters and meetings per deal. A manager who logs a fraction of "
                 "the team's contacts is not working less: the work is happening on a personal "
                 "phone or in a messenger, and the CRM only sees the results.")
    rationale_ru = ("Менеджеры одной команды ведут похожие сделки, и на сделку им нужно примерно "
                    "одинаковое число звонков, писем и встреч. Если менеджер фиксирует долю от "
                    "командного числа контактов, он не меньше работает: работа идёт с личного "
                    "телефона или в мессенджере, а CRM видит только результат.")
    fix = ("Check the listed owners' telephony, mail and messenger integrations; agree with them "
           "that every contact is logged, and review the number again in a month.")
    fix_ru = ("Проверьте у перечисленных менеджеров подключение телефонии, почты и мессенджеров; "
              "договоритесь, что каждый контакт фиксируется в CRM, и через месяц сравните снова.")
    todo = "Check his telephony and mail integration"
    todo_ru = "Проверьте подключение его телефонии и почты"

    def run(self, crm: CrmData, ctx: RunContext) -> CheckResult:
        if (skipped := skip_if_unlinked(self, ctx.derived)) is not None:
            return skipped
        codes, labels = ctx.derived.owner_codes
        n_owners = len(labels)
        deals = np.bincount(codes, minlength=n_owners)
        pos = ctx.derived.activity_positions
        pos = pos[pos >= 0]
        acts = np.bincount(codes[pos], minlength=n_owners) if len(pos) else np.zeros(n_owners, int)
        table = pd.DataFrame({"owner": labels, "deals": deals, "activities": acts})
        table = table[table["owner"].ne(NO_OWNER) & (table["deals"] >= ctx["min_deals"])]
        if len(table) < ctx["min_owners"]:
            return self.too_few(len(table), int(ctx["min_owners"]), f"owners with {ctx['min_deals']}+ deals",
                                "compare their logging", f"менеджеров с {ctx['min_deals']}+ сделками",
                                "сравнивать, сколько они фиксируют")
        rate = table["activities"] / table["deals"]
        median = float(rate.median())
        mad = float((rate - median).abs().median())
        scale = max(1.4826 * mad, ctx["mad_floor"] * median)
        if median <= 0 or scale <= 0:
            return self.skip(f"the median owner of {ru.num(len(table))} logs no activity on their deals: nothing to "
                             "compare with (OF02 and ST06 judge the silence itself)",
                             f"у медианного из {ru.num(len(table), 'ru')} менеджеров нет ни одного контакта по "
                             "сделкам: сравнивать не с чем (само молчание оценивают OF02 и ST06)", judged=len(table))
        z = (rate - median) / scale
        low = (z < ctx["z_threshold"]) & (rate <= ctx["max_ratio"] * median)
        flagged = table[low]
        message = (f"{ru.num(len(flagged))} of {ru.num(len(table))} owners log far fewer activities per deal than "
                   f"the team median of {ru.num(median, digits=2)}")
        message_ru = (f"менеджеров, которые фиксируют намного меньше контактов на сделку, чем медиана команды "
                      f"({ru.num(median, 'ru', digits=2)}): {ru.num(len(flagged), 'ru')} из {ru.num(len(table), 'ru')}")
        if flagged.empty:
            return self.result(metric=round(float(z.min()), 2), threshold=ctx["z_threshold"],
                               message=message, message_ru=message_ru, judged=len(table))
        # How far below the team (a robust z-score) stays in the evidence; the words say what it means.
        text = (flagged["owner"].astype(str) + " logs " + ru.nums(rate[low], digits=2)
                + " activities per deal (" + ru.nums(flagged["activities"]) + " on "
                + ru.nums(flagged["deals"]) + " deals) against a team median of "
                + f"{ru.num(median, digits=2)}: far below the rest of the team")
        text_ru = (flagged["owner"].astype(str) + " фиксирует " + ru.nums(rate[low], "ru", 2)
                   + " " + ru.plurals(rate[low], "контакт", "контакта", "контактов") + " на сделку ("
                   + ru.counts(flagged["activities"], "контакт", "контакта", "контактов")
                   + " по " + ru.counts(flagged["deals"], "сделке", "сделкам", "сделкам")
                   + f"), медиана команды — {ru.num(median, 'ru', digits=2)}: намного меньше остальной команды")
        return self.result(
            findings=self.findings(
                flagged, entity_type="owner", message=text, message_ru=text_ru,
                evidence={"activities": flagged["activities"], "deals": flagged["deals"],
                          "activities_per_deal": rate[low].round(3), "team_median": round(median, 3),
                          "team_mad": round(mad, 3), "z": z[low].round(2)}),
            metric=round(float(z.min()), 2), threshold=ctx["z_threshold"], message=message,
            message_ru=message_ru, judged=len(table))
