"""ST06 won-without-trail."""

from __future__ import annotations

import numpy as np

from audit.model import CrmData
from audit.model.gauge import Fails, Gauge, Unit
from checks.base import Check, CheckResult, Derived, Family, RunContext, Severity
from checks.links import skip_if_unlinked
from audit.model import text as ru


class WonWithoutTrail(Check):
    """Won deals with no logged activity at all.

    Any activity row linked to the deal counts (call, e-mail, meeting, message, task, note).
    Silence proves nothing where the activity export cannot see the deal, so these are not
    judged: a won deal closed (or, without closed_at, created) before the earliest activity
    in the export, and every deal when not one activity links to a deal of the export (ids
    that do not match, activities linked to contacts only).
    """

    code = "ST06"
    name = "won-without-trail"
    title_ru = "Выигранная сделка без истории контактов"
    family = Family.STERILE
    severity = Severity.HIGH
    gauge = Gauge("share of won deals with no activity",
                  "доля выигранных сделок без контактов", Unit.SHARE, Fails.ABOVE)
    evidence_keys = ("activities", "created_at", "closed_at", "cycle_days", "amount")
    needs = {"deals": ("status",), "activities": ("deal_id",)}
    params = {}
    rationale = ("Nobody wins a deal without talking to the client. A won deal with no call, e-mail, "
                 "meeting or note means the whole conversation happened off the CRM: in a personal "
                 "phone, mailbox or messenger. When the manager leaves, the client history leaves too.")
    rationale_ru = ("Сделку не выигрывают без общения с клиентом. Выигранная сделка без звонков, писем, "
                    "встреч и заметок значит, что весь диалог прошёл мимо CRM: в личном телефоне, почте "
                    "или мессенджере. Уходит менеджер — уходит и история клиента.")
    fix = ("Connect telephony, mail and messengers to the CRM so contacts are logged automatically; "
           "require at least a meeting or call note before a deal can be moved to won.")
    fix_ru = ("Подключите к CRM телефонию, почту и мессенджеры, чтобы контакты фиксировались "
              "автоматически; не позволяйте переводить сделку в «Успешно реализовано» без "
              "хотя бы одного звонка или встречи.")
    todo = "Log the calls and meetings that won it"
    todo_ru = "Внесите звонки и встречи, которые привели к успеху"
    dated_by = ("closed_at", "deal.closed_at")

    def run(self, crm: CrmData, ctx: RunContext) -> CheckResult:
        if (skipped := skip_if_unlinked(self, ctx.derived)) is not None:
            # Not one activity names a deal of this export (activities hung on contacts or
            # accounts, deal ids rebuilt from row numbers): silence proves nothing.
            return skipped
        # One row per deal_id (audit.derived.deal_index), whose positions the activities are mapped to.
        deals = ctx.derived.deal_index.deals
        activities = crm.activities
        won = deals.loc[deals["status"].eq("won").to_numpy(),
                        ["deal_id", "owner", "pipeline", "stage", "amount", "created_at", "closed_at"]]
        start = activities["at"].min()
        ended = won["closed_at"].fillna(won["created_at"])
        # Deals whose life ended before the activity export begins cannot be judged.
        judged = won[~ended.lt(start)] if activities["at"].notna().any() else won
        if judged.empty:
            before = len(won) - len(judged)
            return self.skip(
                f"no won deal to judge ({ru.num(len(won))} won, {ru.num(before)} of them before the activity export "
                "begins)",
                f"оценивать нечего: выигранных сделок {ru.num(len(won), 'ru')}, из них до начала выгрузки активностей — "
                f"{ru.num(before, 'ru')}")
        linked = _linked(ctx.derived)
        silent = judged[~linked[judged.index.to_numpy()]]

        closed_txt, closed_ru = ru.dates(silent["closed_at"]), ru.dates(silent["closed_at"], "ru")
        message = ("won" + (" on " + closed_txt).where(silent["closed_at"].notna(), "")
                   + " with no call, e-mail, meeting or note logged")
        message_ru = ("Выиграна" + (" " + closed_ru).where(silent["closed_at"].notna(), "")
                      + ", но в CRM нет ни одного звонка, письма, встречи или заметки")
        cycle_days = (silent["closed_at"] - silent["created_at"]).dt.total_seconds() / 86400
        cycle_days = cycle_days.where(cycle_days >= 0)  # closed before created: HY03's, not a duration
        findings = self.findings(
            silent, entity_type="deal", message=message, message_ru=message_ru,
            evidence={"activities": 0, "created_at": silent["created_at"], "closed_at": silent["closed_at"],
                      "cycle_days": cycle_days.round(1), "amount": silent["amount"]})
        share = len(silent) / len(judged)
        summary = f"{ru.num(len(silent))} of {ru.num(len(judged))} won deals ({ru.pct(share)}) have no logged activity"
        summary_ru = (f"у {ru.num(len(silent), 'ru')} из {ru.num(len(judged), 'ru')} "
                      f"{ru.plural(len(judged), 'выигранной сделки', 'выигранных сделок', 'выигранных сделок')} "
                      f"({ru.pct(share, 'ru')}) нет ни одного контакта в CRM")
        if len(judged) < len(won):
            summary += f"; {ru.num(len(won) - len(judged))} won before the activity export begins were not judged"
            summary_ru += (f"; не оценивались сделки, выигранные до начала выгрузки активностей: "
                           f"{ru.num(len(won) - len(judged), 'ru')}")
        return self.result(findings=findings, metric=round(share, 4), threshold=0.0, message=summary,
                           message_ru=summary_ru, judged=len(judged))


def _linked(d: Derived) -> np.ndarray:
    """Per row of `d.deal_index.deals`: whether some activity links to the deal.

    Built on the activity -> deal positions the activity checks share, so the millions of
    text ids are hashed once per audit, not once per check.
    """
    pos = d.activity_positions
    return np.bincount(pos[pos >= 0], minlength=len(d.deal_index.deals)) > 0
