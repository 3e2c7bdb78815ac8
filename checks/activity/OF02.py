"""OF02 silent-open-deal."""

from __future__ import annotations

import numpy as np
import pandas as pd

from audit.model import CrmData
from audit.model import text as ru
from checks.links import skip_if_unlinked
from checks.activity._times import iso, readable
from audit.model.gauge import Fails, Gauge, Unit
from checks.base import Check, CheckResult, Family, RunContext, Severity
from audit.model.params import DAYS, SHARE


class SilentOpenDeal(Check):
    """Open deals with no activity logged in the last 14 days before the audit date."""

    code = "OF02"
    name = "silent-open-deal"
    title_ru = "Открытая сделка без контактов"
    family = Family.ACTIVITY
    severity = Severity.MEDIUM
    gauge = Gauge("share of open deals silent too long",
                  "доля открытых сделок без контактов слишком долго", Unit.SHARE, Fails.ABOVE)
    evidence_keys = ("last_activity_at", "days_silent", "created_at", "min_days")
    needs = {"deals": ("status",), "activities": ()}
    # max_share: the share of silent open deals tolerated before the check fails (0 = none).
    params = {"min_days": 14, "max_share": 0.0}
    param_rules = {"min_days": DAYS, "max_share": SHARE}
    rationale = ("An open deal nobody has contacted for weeks is either dead and not closed as lost, "
                 "or alive and worked outside the CRM. Either way the pipeline shows money that is "
                 "not there, and the losses never reach the statistics.")
    rationale_ru = ("Открытая сделка, по которой неделями нет контактов, либо умерла и не закрыта "
                    "проигрышем, либо ведётся мимо CRM. В обоих случаях воронка показывает деньги, "
                    "которых нет, а проигрыши не попадают в статистику.")
    fix = ("Review the listed deals with their owners: close the dead ones as lost with a reason, "
           "log the contacts of the live ones, and set a task for the next step on every open deal.")
    fix_ru = ("Разберите перечисленные сделки с ответственными: мёртвые закройте проигрышем с "
              "причиной, по живым внесите контакты и поставьте задачу на следующий шаг по каждой "
              "открытой сделке.")
    todo = "Contact the client, or close the deal"
    todo_ru = "Свяжитесь с клиентом или закройте сделку"
    dated_by = ("last_activity_at", "created_at")

    def run(self, crm: CrmData, ctx: RunContext) -> CheckResult:
        if (skipped := skip_if_unlinked(self, ctx.derived)) is not None:
            return skipped
        days = float(ctx["min_days"])
        deals = ctx.derived.deal_index.deals
        open_rows = np.flatnonzero(deals["status"].eq("open").to_numpy(dtype=bool, na_value=False))
        open_deals = deals.iloc[open_rows]
        if open_deals.empty:
            return self.skip(f"no open deal among {ru.num(len(deals))} deals: none can go silent",
                             f"среди {ru.num(len(deals), 'ru')} {ru.plural(len(deals), 'сделки', 'сделок', 'сделок')} нет "
                             "открытых: замолчать некому")
        as_of = ctx.as_of
        cutoff = as_of - pd.Timedelta(days=days)
        last = pd.Series(ctx.derived.activity_timeline.last_upto(open_rows, np.full(len(open_rows), as_of.asm8)),
                         index=open_deals.index)
        # The CRM's own "last activity" field counts too: it may know contacts the export lacks.
        own = open_deals["last_activity_at"].where(open_deals["last_activity_at"] <= as_of)
        last = last.where(last.notna() & ((last >= own) | own.isna()), own)
        # A deal created inside the window has not had the time to go silent.
        old_enough = ~(open_deals["created_at"] > cutoff)
        n_judged = int(old_enough.sum())
        if not n_judged:
            return self.skip(f"all {ru.num(len(open_deals))} open deals were created in the "
                             f"{ru.num(days, digits=1)} days before {ru.date(as_of)}: none has had the time to go silent",
                             f"все открытые сделки ({ru.num(len(open_deals), 'ru')}) созданы за "
                             f"{ru.num(days, 'ru', digits=1)} {ru.plural(days, 'день', 'дня', 'дней')} до "
                             f"{ru.date(as_of, 'ru')}: замолчать не успела ни одна")
        silent_mask = (last.isna() | (last < cutoff)) & old_enough
        silent = open_deals[silent_mask]
        share = len(silent) / n_judged
        message = (f"{ru.num(len(silent))} of {ru.num(n_judged)} open deals ({ru.pct(share)}) had no activity "
                   f"in the {ru.num(days, digits=1)} days before {ru.date(as_of)}")
        message_ru = (f"открытых сделок без контактов за {ru.num(days, 'ru', digits=1)} "
                      f"{ru.plural(days, 'день', 'дня', 'дней')} до {ru.date(as_of, 'ru')}: "
                      f"{ru.num(len(silent), 'ru')} из {ru.num(n_judged, 'ru')} ({ru.pct(share, 'ru')})")
        if share <= ctx["max_share"]:
            return self.result(metric=round(share, 4), threshold=ctx["max_share"], message=message,
                               message_ru=message_ru, affected=len(silent), failed=False, judged=n_judged)
        last_s = last[silent_mask]
        since = last_s.fillna(silent["created_at"])
        days_silent = ((as_of - since).dt.total_seconds() / 86400).round(1)
        text = ("open, no activity for " + ru.nums(np.floor(days_silent))
                + " days (last: " + readable(last_s, "D").fillna("never logged") + ")")
        text = text.where(days_silent.notna(), "open, no activity ever logged and no creation date")
        last_ru = (" (последний — " + readable(last_s, "D", "ru") + ")").fillna(" (контактов не было ни разу)")
        text_ru = ("Открыта, без контактов уже "
                   + ru.counts(np.floor(days_silent).astype("Int64"), "день", "дня", "дней") + last_ru)
        text_ru = text_ru.where(days_silent.notna(), "Открыта, контактов не было ни разу, дата создания неизвестна")
        return self.result(
            findings=self.findings(
                silent, entity_type="deal", message=text, message_ru=text_ru,
                evidence={"last_activity_at": iso(last_s), "days_silent": days_silent,
                          "created_at": iso(silent["created_at"]), "min_days": ctx["min_days"]}),
            metric=round(share, 4), threshold=ctx["max_share"], message=message, message_ru=message_ru,
            judged=n_judged)
