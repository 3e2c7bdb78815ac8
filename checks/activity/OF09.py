"""OF09 deal-after-the-talk."""

from __future__ import annotations

import numpy as np
import pandas as pd

from audit.derived.calls import candidates, deal_calls
from audit.derived.deal_index import to_int
from audit.model import CrmData
from audit.model import text as ru
from audit.model.params import DAYS, number
from checks.activity._calls import CALL_NEEDS, minutes, skip, skip_if_incomparable
from checks.activity._times import iso, readable
from audit.model.gauge import Fails, Gauge, Unit
from checks.base import Check, CheckResult, Family, RunContext, Severity

_DAY_US = 86_400 * 1_000_000


class DealAfterTheTalk(Check):
    """Deals first recorded in the CRM days after the team's first conversation with their contact."""

    code = "OF09"
    name = "deal-after-the-talk"
    title_ru = "Сделка заведена после разговоров"
    family = Family.ACTIVITY
    severity = Severity.MEDIUM
    gauge = Gauge("share of deals created days after the first conversation",
                  "доля сделок, заведённых через несколько дней после первого разговора", Unit.SHARE, Fails.ABOVE)
    evidence_keys = ("first_call", "created_at", "days_before", "calls_before", "talk_min_before", "min_days")
    needs = CALL_NEEDS
    # min_days: how long after the first answered call (of min_talk_s or more) the deal may be
    # created; lookback_days: how far before the deal's creation a call still counts as its start.
    params = {"min_days": 3, "lookback_days": 90, "min_talk_s": 60}
    param_rules = {"min_days": DAYS, "lookback_days": DAYS, "min_talk_s": number(0.0, 86_400.0)}
    rationale = ("When a deal reaches the CRM days after the first real conversation with its contact, the early "
                 "stages happened elsewhere: the CRM sees the deal only once it looked promising (ST05's "
                 "\"entered late\", proven by the phone log), and deals that died in those days never appear.")
    rationale_ru = ("Если сделка появляется в CRM через несколько дней после первого настоящего разговора с её "
                    "контактом, ранние этапы прошли мимо CRM: она видит сделку, только когда та стала "
                    "перспективной (то же, что «заведена поздно» в ST05, но доказано журналом звонков), а сделки, "
                    "умершие в эти дни, не появляются вовсе.")
    fix = ("Create the deal at the first conversation (or let the telephony create it from an incoming call); "
           "review the listed deals with their owners.")
    fix_ru = ("Заводите сделку при первом разговоре (или пусть телефония создаёт её из входящего звонка); разберите "
              "перечисленные сделки с ответственными.")
    todo = "Create deals at the first conversation"
    todo_ru = "Заводите сделку при первом разговоре"
    dated_by = ("deal.created_at",)

    def run(self, crm: CrmData, ctx: RunContext) -> CheckResult:
        if (skipped := skip_if_incomparable(self, ctx.derived)) is not None:
            return skipped
        frame = ctx.derived.client_calls.frame
        deals = ctx.derived.deal_index.deals
        cand = candidates(ctx.derived, ctx.as_of)
        min_days, lookback = float(ctx["min_days"]), float(ctx["lookback_days"])
        # Judged: deals with a contact phone created when the log already covered min_days before them.
        log_start = to_int(frame["started_at"]).min()
        created = to_int(deals["created_at"])
        with_phone = np.zeros(len(deals), dtype=bool)
        with_phone[ctx.derived.number_deals.pair_deal] = True
        judged = with_phone & (created != np.iinfo(np.int64).min) & (created >= log_start + min_days * _DAY_US) \
            & (created <= to_int(pd.Series([ctx.as_of]))[0])
        if not judged.any():
            return skip(self, "no deal with a contact phone was created while the call log already covered the "
                              f"{ru.num(ctx['min_days'], digits=1)} days before it",
                        "нет ни одной сделки с телефоном контакта, созданной, когда журнал звонков уже покрывал "
                        f"{ru.num(ctx['min_days'], 'ru', 1)} дн. до её создания", judged=0)
        # Calls before the deal: answered, long enough, and not inside the life of another of the
        # number's deals (the client's earlier deal owns those conversations).
        owned = deal_calls(ctx.derived, ctx.as_of, pd.Timedelta(hours=24)).deal
        talk = frame["duration_s"].to_numpy(dtype=float)
        usable = frame["answered"].to_numpy(dtype=bool) & (talk >= float(ctx["min_talk_s"])) & (owned < 0)
        t = to_int(frame["started_at"])
        call, deal = cand.call, cand.deal
        keep = usable[call] & judged[deal] & (t[call] < created[deal]) \
            & (t[call] >= created[deal] - int(lookback * _DAY_US))
        call, deal = call[keep], deal[keep]
        before = pd.DataFrame({"deal": deal, "t": t[call], "talk": talk[call]})
        by = before.groupby("deal", sort=True)
        per = pd.DataFrame({"first": by["t"].min(), "calls": by.size(), "talk": by["talk"].sum()})
        per["days"] = (created[per.index.to_numpy()] - per["first"].to_numpy()) / _DAY_US
        late = per[per["days"] >= min_days]
        n_judged = int(judged.sum())
        message = (f"{ru.num(len(late))} of {ru.num(n_judged)} deals with a contact phone were created "
                   f"{ru.num(ctx['min_days'], digits=1)}+ days after the first conversation with their contact")
        message_ru = (f"сделок, заведённых через {ru.num(ctx['min_days'], 'ru', 1)}+ дн. после первого разговора с "
                      f"контактом: {ru.num(len(late), 'ru')} из {ru.num(n_judged, 'ru')}")
        if late.empty:
            return self.result(judged=n_judged, metric=0.0, threshold=0.0, message=message, message_ru=message_ru)
        flagged = deals.iloc[late.index.to_numpy()]
        ev = late.set_index(flagged.index)
        first = pd.Series(ev["first"].to_numpy().astype("datetime64[us]"), index=flagged.index)
        days = ev["days"].round(1)
        talk_min = minutes(ev["talk"])
        calls_word = ev["calls"].map(lambda n: " call, " if n == 1 else " calls, ")
        text = ("created " + ru.nums(np.floor(days)) + " days after the first conversation with the "
                "contact (" + readable(first, "D") + ", " + ru.nums(ev["calls"]) + calls_word
                + ru.nums(talk_min, digits=1) + " min before the deal)")
        text_ru = ("Заведена через " + ru.nums(np.floor(days), "ru") + " дн. после первого разговора с "
                   "контактом (" + readable(first, "D", "ru") + ", звонков до сделки: " + ru.nums(ev["calls"], "ru")
                   + ", " + ru.nums(talk_min, "ru", 1) + " мин)")
        return self.result(
            judged=n_judged,
            findings=self.findings(
                flagged, entity_type="deal", message=text, message_ru=text_ru,
                evidence={"first_call": iso(first), "created_at": iso(flagged["created_at"]), "days_before": days,
                          "calls_before": ev["calls"], "talk_min_before": talk_min, "min_days": ctx["min_days"]}),
            metric=round(len(late) / n_judged, 4), threshold=0.0, message=message, message_ru=message_ru)
