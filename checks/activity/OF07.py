"""OF07 calls-not-logged."""

from __future__ import annotations

import numpy as np
import pandas as pd

from audit.derived.calls import CallSettings, deal_calls, judged_calls, owner_talk_shares
from audit.model import CrmData
from audit.model import text as ru
from audit.model.params import HOURS, number
from checks.activity._calls import CALL_NEEDS, minutes, skip, skip_if_incomparable
from checks.activity._times import iso, readable
from audit.model.gauge import Fails, Gauge, Unit
from checks.base import Check, CheckResult, Family, RunContext, Severity


SECONDS = number(0.0, 86_400.0)


class CallsNotLogged(Check):
    """Deals whose client talked with the team by phone, with no CRM activity around the call."""

    code = "OF07"
    name = "calls-not-logged"
    title_ru = "Разговоры без следа в CRM"
    family = Family.ACTIVITY
    severity = Severity.HIGH
    verdicts = ("talk_in_crm_share",)
    gauge = Gauge("share of client talk time with no trace in the CRM",
                  "доля времени разговоров с клиентами без следа в CRM", Unit.SHARE, Fails.ABOVE)
    evidence_keys = ("unlogged_calls", "unlogged_talk_min", "calls", "logged_calls", "first_call", "last_call",
                     "managers_on_calls", "window_h", "min_talk_s")
    needs = CALL_NEEDS
    # min_talk_s: shorter answered calls (a wrong number, "call me later") are not judged;
    # window_h: an activity on the deal this many hours before or after the call is its trace.
    params = {"min_talk_s": 60, "window_h": 24}
    param_rules = {"min_talk_s": SECONDS, "window_h": HOURS}
    rationale = ("The phone system logs every call; the CRM shows what the manager chose to record. A real "
                 "conversation with a deal's contact that left no activity on the deal is work done off the CRM, "
                 "measured, not guessed: the next manager, the director and the statistics never see what the "
                 "client said.")
    rationale_ru = ("АТС записывает каждый звонок, CRM показывает то, что менеджер решил внести. Разговор с "
                    "контактом сделки, после которого в сделке не появилось ни одной активности, — это работа "
                    "мимо CRM, и она измерена, а не угадана: ни следующий менеджер, ни руководитель, ни "
                    "статистика не узнают, что сказал клиент.")
    fix = ("Connect the telephony to the CRM so calls are logged on the deal automatically; until then, review the "
           "listed deals with their owners and record what was agreed in each unlogged conversation.")
    fix_ru = ("Подключите телефонию к CRM, чтобы звонки сами попадали в сделку; до тех пор разберите перечисленные "
              "сделки с ответственными и внесите, о чём договорились в каждом незаписанном разговоре.")
    todo = "Log what was agreed in the call"
    todo_ru = "Внесите, о чём договорились в разговоре"
    dated_by = ("last_call",)

    def run(self, crm: CrmData, ctx: RunContext) -> CheckResult:
        if (skipped := skip_if_incomparable(self, ctx.derived)) is not None:
            return skipped
        window = pd.Timedelta(hours=float(ctx["window_h"]))
        settings = CallSettings(as_of=ctx.as_of, min_talk_s=float(ctx["min_talk_s"]), window_h=float(ctx["window_h"]))
        matched = deal_calls(ctx.derived, ctx.as_of, window)
        judged = judged_calls(ctx.derived, settings) & (matched.deal >= 0)
        if not judged.any():
            return skip(self, f"no answered call of {ru.num(ctx['min_talk_s'])} s or more with a deal's contact during the "
                              f"deal's life (the call log and the deals may cover different periods)",
                        f"нет ни одного отвеченного звонка от {ru.num(ctx['min_talk_s'], 'ru')} с с контактом сделки, пока "
                        f"сделка была открыта (журнал звонков и сделки могут быть за разные периоды)")
        talk = owner_talk_shares(ctx.derived, settings)  # each owner's talk with a trace, for the owners table
        per_owner = self.verdict_table(talk, talk_in_crm_share=talk["talk_in_crm_share"])
        frame = ctx.derived.client_calls.frame
        rows = np.flatnonzero(judged)
        calls = pd.DataFrame({"deal": matched.deal[rows], "logged": matched.logged[rows],
                              "talk": frame["duration_s"].to_numpy(dtype=float)[rows],
                              "at": frame["started_at"].to_numpy()[rows], "row": rows})
        per_deal = self._per_deal(calls, frame["owner"])
        deals = ctx.derived.deal_index.deals
        flagged_rows = per_deal[per_deal["unlogged_calls"] > 0]
        flagged = deals.iloc[flagged_rows.index.to_numpy()].copy()
        ev = flagged_rows.set_index(flagged.index)
        total_talk, lost_talk = calls["talk"].sum(), calls.loc[~calls["logged"], "talk"].sum()
        share = lost_talk / total_talk if total_talk else 0.0
        n_lost = int((~calls["logged"]).sum())
        hours = total_talk / 3600
        message = (f"{ru.num(n_lost)} of {ru.num(len(calls))} client calls ({ru.pct(share)} of {ru.num(hours, digits=1)} h "
                   f"of talk) on {ru.num(len(flagged))} of {ru.num(len(per_deal))} deals left no trace in the CRM within "
                   f"{ru.num(ctx['window_h'], digits=1)} h")
        message_ru = (f"разговоров с клиентами без следа в CRM в пределах {ru.num(ctx['window_h'], 'ru', 1)} ч: "
                      f"{ru.num(n_lost, 'ru')} из {ru.num(len(calls), 'ru')} ({ru.pct(share, 'ru')} из "
                      f"{ru.num(hours, 'ru', 1)} ч разговоров), сделок: {ru.num(len(flagged), 'ru')} из "
                      f"{ru.num(len(per_deal), 'ru')}")
        if flagged.empty:
            return self.result(judged=len(per_deal), metric=0.0, threshold=0.0, message=message,
                               message_ru=message_ru, verdicts=per_owner)
        span = _span(ev["first_call"], ev["last_call"], "en")
        span_ru = _span(ev["first_call"], ev["last_call"], "ru")
        talk_min = minutes(ev["unlogged_talk_s"])
        calls_word = pd.Series(np.where(ev["unlogged_calls"].eq(1), " call", " calls"), index=ev.index)
        text = (ru.nums(ev["unlogged_calls"]) + calls_word + " with the client (" + ru.nums(talk_min, digits=1)
                + " min, " + span + ") left no trace in the CRM within " + f"{ru.num(ctx['window_h'], digits=1)} h")
        text_ru = ("Разговоров с клиентом без следа в CRM: " + ru.nums(ev["unlogged_calls"], "ru") + " ("
                   + ru.nums(talk_min, "ru", 1) + " мин, " + span_ru + ")")
        return self.result(
            judged=len(per_deal),
            findings=self.findings(
                flagged, entity_type="deal", message=text, message_ru=text_ru,
                evidence={"unlogged_calls": ev["unlogged_calls"], "unlogged_talk_min": talk_min,
                          "calls": ev["calls"], "logged_calls": ev["calls"] - ev["unlogged_calls"],
                          "first_call": iso(ev["first_call"]), "last_call": iso(ev["last_call"]),
                          "managers_on_calls": ev["managers"], "window_h": ctx["window_h"],
                          "min_talk_s": ctx["min_talk_s"]}),
            metric=round(float(share), 4), threshold=0.0, message=message, message_ru=message_ru,
            affected=len(flagged), verdicts=per_owner)

    @staticmethod
    def _per_deal(calls: pd.DataFrame, managers: pd.Series) -> pd.DataFrame:
        """Per deal row: judged calls, the unlogged ones, their talk, first and last unlogged call,
        and the managers on them (`managers`: each client call's manager, read for the unlogged
        calls only)."""
        lost = calls[~calls["logged"]]
        lost = lost.assign(manager=managers.iloc[lost["row"].to_numpy()].to_numpy(dtype=object))
        # Calls per deal by a count over the deal rows (a sorting groupby over a million judged
        # calls took 13 ms of OF07's run, this takes 2); the unlogged few are grouped.
        per_row = np.bincount(calls["deal"].to_numpy(dtype=np.int64))
        rows = np.flatnonzero(per_row)
        out = pd.DataFrame({"calls": per_row[rows]}, index=pd.Index(rows, name="deal"))
        lost_by = lost.groupby("deal", sort=True)
        out["unlogged_calls"] = lost_by.size().reindex(out.index).fillna(0).astype(int)
        out["unlogged_talk_s"] = lost_by["talk"].sum().reindex(out.index).fillna(0.0)
        out["first_call"] = lost_by["at"].min().reindex(out.index)
        out["last_call"] = lost_by["at"].max().reindex(out.index)
        out["managers"] = _managers(lost).reindex(out.index).astype(object)
        return out


def _managers(calls: pd.DataFrame) -> pd.Series:
    """deal -> the managers on its calls, "A, B"; joined in Python only for the few deals with
    more than one manager."""
    pairs = calls.dropna(subset=["manager"]).drop_duplicates(["deal", "manager"]).sort_values(["deal", "manager"])
    if pairs.empty:
        return pd.Series(dtype=object)
    several = pairs["deal"].duplicated(keep=False)
    single = pairs[~several].set_index("deal")["manager"]
    joined = pairs[several].groupby("deal")["manager"].agg(", ".join)
    return pd.concat([single, joined]).sort_index()


def _span(first: pd.Series, last: pd.Series, lang: str) -> pd.Series:
    """'2026-11-11' for calls on one day, '2026-11-02 – 2026-11-11' for several."""
    a, b = ru.dates(first, lang), ru.dates(last, lang)
    return a.where(a == b, a + " – " + b)
