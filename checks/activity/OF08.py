"""OF08 clients-outside-crm."""

from __future__ import annotations

import numpy as np
import pandas as pd

from audit.derived.calls import call_managers, outside_numbers
from audit.model import CrmData
from audit.model import text as ru
from audit.model.params import COUNT, number
from checks.activity._calls import CALL_NEEDS, minutes, shown_numbers, skip, skip_if_incomparable
from checks.activity._times import iso
from audit.model.gauge import Fails, Gauge, Unit
from checks.base import Check, CheckResult, Family, RunContext, Severity

MAX_LISTED = 50  # numbers listed per manager in the evidence; the counts cover all


class ClientsOutsideCrm(Check):
    """Managers who keep talking to numbers that belong to no deal or lead in the CRM."""

    code = "OF08"
    name = "clients-outside-crm"
    title_ru = "Клиенты вне CRM"
    family = Family.ACTIVITY
    severity = Severity.HIGH
    verdicts = ("numbers_outside_crm",)
    gauge = Gauge("numbers outside the CRM that managers talk to", "номеров вне CRM, с которыми говорят менеджеры",
                  Unit.COUNT, Fails.ABOVE)
    evidence_keys = ("numbers", "calls", "talk_min", "first_call", "last_call", "phone_numbers", "min_calls",
                     "min_talk_s")
    needs = CALL_NEEDS
    # A number counts when the manager talked to it at least min_calls times (answered calls) and
    # min_talk_s seconds in total: one call from a supplier or a wrong number is not a client.
    params = {"min_calls": 3, "min_talk_s": 60}
    param_rules = {"min_calls": COUNT, "min_talk_s": number(0.0, 10_000_000.0)}
    rationale = ("A number a manager calls again and again that matches no contact of any deal or lead is a client "
                 "the CRM does not know: his deal lives in the manager's phone and notebook, and if it is lost, "
                 "nobody will ever count the loss.")
    rationale_ru = ("Номер, с которым менеджер раз за разом разговаривает, но которого нет ни в одном контакте "
                    "сделки или лида, — это клиент, о котором CRM не знает: его сделка живёт в телефоне и блокноте "
                    "менеджера, и если она сорвётся, проигрыш никто не посчитает.")
    fix = ("Ask each listed manager who these numbers are; create the contacts and deals for the clients among them "
           "(the numbers are shown with --show-numbers, to be used only with the client's consent).")
    fix_ru = ("Выясните у каждого менеджера из списка, чьи это номера; заведите контакты и сделки для клиентов среди "
              "них (номера показывает --show-numbers — только с согласия клиента).")
    todo = "Ask whose numbers these are; open their deals"
    todo_ru = "Выясните, чьи это номера, и заведите сделки"
    dated_by = ("last_call",)

    def run(self, crm: CrmData, ctx: RunContext) -> CheckResult:
        if (skipped := skip_if_incomparable(self, ctx.derived)) is not None:
            return skipped
        frame = ctx.derived.client_calls.frame
        # The managers on answered calls, counted by their codes (no copy of a million calls' rows).
        codes, names = call_managers(ctx.derived)
        answered = frame["answered"].to_numpy(dtype=bool) & (frame["started_at"] <= ctx.as_of).to_numpy(dtype=bool)
        managers = names[np.flatnonzero(np.bincount(codes[answered & (codes >= 0)], minlength=len(names)))]
        if not len(managers):
            return skip(self, "the call log names no manager: map extensions to managers in crm-audit.toml "
                              "[calls.extensions]",
                        "в журнале звонков не указан менеджер: сопоставьте внутренние номера менеджерам в "
                        "crm-audit.toml [calls.extensions]")
        pairs = outside_numbers(ctx.derived, int(ctx["min_calls"]), float(ctx["min_talk_s"]), ctx.as_of)
        message_tail = f"at least {ru.num(ctx['min_calls'])} calls and {ru.num(ctx['min_talk_s'])} s of talk each"
        if pairs.empty:
            return self.result(judged=len(managers), metric=0, threshold=0,
                               message=f"no manager talked to a number outside the CRM ({message_tail}); "
                                       f"{ru.en_count(len(managers), 'manager', 'managers')} on the call log",
                               message_ru=f"ни один менеджер не разговаривал с номерами вне CRM; менеджеров в "
                                          f"журнале звонков: {ru.num(len(managers), 'ru')}")
        pairs = pairs.sort_values(["owner", "talk_s", "their_number"], ascending=[True, False, True])
        pairs["shown"] = shown_numbers(pairs["their_number"], ctx).to_numpy()
        by = pairs.groupby("owner", sort=True)
        owners = pd.DataFrame({"numbers": by.size(), "calls": by["calls"].sum(), "talk_s": by["talk_s"].sum(),
                               "first_call": by["first_call"].min(), "last_call": by["last_call"].max()})
        listed = pairs.groupby("owner", sort=True).head(MAX_LISTED).groupby("owner", sort=True)["shown"].agg(list)
        owners["listed"] = listed.reindex(owners.index)
        owners = owners.reset_index()
        talk_min = minutes(owners["talk_s"])
        numbers_word = owners["numbers"].map(lambda n: " number that matches" if n == 1 else " numbers that match")
        text = ("talked to " + ru.nums(owners["numbers"]) + numbers_word + " no contact of any deal or lead ("
                + ru.nums(owners["calls"]) + " calls, " + ru.nums(talk_min, digits=1) + " min)")
        text_ru = ("Номеров, которых нет ни в одном контакте сделок и лидов, но с которыми были разговоры: "
                   + ru.nums(owners["numbers"], "ru") + " (звонков: " + ru.nums(owners["calls"], "ru") + ", "
                   + ru.nums(talk_min, "ru", 1) + " мин)")
        total = int(owners["numbers"].sum())
        return self.result(
            judged=len(managers),
            findings=self.findings(
                owners, entity_type="owner", message=text, message_ru=text_ru,
                evidence={"numbers": owners["numbers"], "calls": owners["calls"], "talk_min": talk_min,
                          "first_call": iso(owners["first_call"]), "last_call": iso(owners["last_call"]),
                          "phone_numbers": owners["listed"], "min_calls": ctx["min_calls"],
                          "min_talk_s": ctx["min_talk_s"]}),
            metric=total, threshold=0,
            message=f"{ru.num(len(owners))} of {ru.en_count(len(managers), 'manager', 'managers')} talked to "
                    f"{ru.en_count(total, 'number', 'numbers')} outside the CRM ({message_tail})",
            message_ru=f"менеджеров, разговаривавших с номерами вне CRM: {ru.num(len(owners), 'ru')} из "
                       f"{ru.num(len(managers), 'ru')}, номеров: {ru.num(total, 'ru')}",
            verdicts=self.verdict_table(owners, numbers_outside_crm=owners["numbers"]))
