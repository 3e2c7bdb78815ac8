"""OF05 missing-channel."""

from __future__ import annotations

import numpy as np
import pandas as pd

from audit.derived.deal_index import NO_OWNER, value_codes
from audit.model import CrmData
from audit.model import text as ru
from checks.links import skip_if_unlinked
from audit.model.gauge import Fails, Gauge, Unit
from checks.base import Check, CheckResult, Family, RunContext, Severity
from audit.model.params import ACTIVITY_TYPE_LIST, COUNT, SHARE

# What a missing channel usually means, for the message.
HINTS = {"email": "mailbox not connected?", "call": "telephony not connected?",
         "message": "messengers not connected?", "meeting": "meetings not logged?"}
LABELS = {"email": "e-mail", "call": "call", "message": "messenger message", "meeting": "meeting"}
HINTS_RU = {"email": "почта не подключена?", "call": "телефония не подключена?",
            "message": "мессенджеры не подключены?", "meeting": "встречи не заносятся?"}
# "ни одного …"
LABELS_RU = {"email": "письма", "call": "звонка", "message": "сообщения в мессенджере", "meeting": "встречи"}


class MissingChannel(Check):
    """Owners with none of an activity type the rest of the team logs heavily (no e-mail: mailbox not connected)."""

    code = "OF05"
    name = "missing-channel"
    title_ru = "У менеджера нет целого канала связи"
    family = Family.ACTIVITY
    severity = Severity.MEDIUM
    gauge = Gauge("channels missing at an owner", "пропущенных каналов у менеджеров", Unit.COUNT, Fails.ABOVE)
    evidence_keys = ("type", "owner_activities", "owner_deals", "team_users_share", "team_type_share", "other_owners")
    needs = {"deals": ("owner",), "activities": ("type",)}
    # An owner with >= min_deals deals and >= min_activities activities, and none of a channel
    # that >= min_users_share of the >= min_other_owners other such owners log, making up
    # >= min_type_share of their activities.
    params = {"types": ["call", "email", "meeting", "message"], "min_deals": 10,
              "min_activities": 20, "min_other_owners": 3, "min_users_share": 0.8,
              "min_type_share": 0.1}
    param_rules = {"types": ACTIVITY_TYPE_LIST, "min_deals": COUNT, "min_activities": COUNT,
                   "min_other_owners": COUNT, "min_users_share": SHARE, "min_type_share": SHARE}
    rationale = ("When the whole team's deals carry e-mails and one manager's carry none, that "
                 "manager has not stopped writing: the mailbox (or telephony, or messenger) is not "
                 "connected to the CRM, and a whole channel of the conversation is invisible.")
    rationale_ru = ("Если у всей команды в сделках есть письма, а у одного менеджера ни одного, он не "
                    "перестал писать: его почта (телефония, мессенджер) не подключена к CRM, и "
                    "целый канал общения с клиентами не виден.")
    fix = ("Connect the listed owners' mailbox, telephony or messenger to the CRM, and check that "
           "the integration logs into deals, not only into contacts.")
    fix_ru = ("Подключите к CRM почту, телефонию или мессенджер перечисленных менеджеров и "
              "проверьте, что интеграция пишет контакты в сделки, а не только в карточки контактов.")
    todo = "Connect the missing channel to the CRM"
    todo_ru = "Подключите к CRM недостающий канал"

    def run(self, crm: CrmData, ctx: RunContext) -> CheckResult:
        if (skipped := skip_if_unlinked(self, ctx.derived)) is not None:
            return skipped
        codes, labels = ctx.derived.owner_codes
        n_owners = len(labels)
        pos = ctx.derived.activity_positions
        type_codes, types = value_codes(crm.activities["type"])
        linked = (pos >= 0) & (type_codes >= 0)
        n_types = max(len(types), 1)
        counts = np.bincount(codes[pos[linked]] * n_types + type_codes[linked],
                             minlength=n_owners * n_types).reshape(n_owners, n_types)
        deals = np.bincount(codes, minlength=n_owners)
        total = counts.sum(axis=1)
        eligible = ((deals >= ctx["min_deals"]) & (total >= ctx["min_activities"])
                    & (labels.to_numpy() != NO_OWNER))
        wanted = [ctx["types"]] if isinstance(ctx["types"], str) else list(ctx["types"])
        channels = [t for t in wanted if t in set(types)]
        n_el = int(eligible.sum())
        if not channels:
            return self.skip(f"no activity is of a channel type ({', '.join(LABELS.get(t, t) for t in wanted)}): "
                             "no channel to compare",
                             f"нет ни одной активности-канала ({', '.join(LABELS_RU.get(t, t) for t in wanted)}): "
                             "сравнивать нечего")
        if n_el - 1 < ctx["min_other_owners"]:
            need = int(ctx["min_other_owners"]) + 1
            return self.too_few(n_el, need, f"owners with {ctx['min_deals']}+ deals and {ctx['min_activities']}+ "
                                "activities", "compare their channels",
                                f"менеджеров с {ctx['min_deals']}+ сделками и {ctx['min_activities']}+ активностями",
                                "сравнивать их каналы связи")
        col = [types.get_loc(t) for t in channels]
        c = counts[eligible][:, col]                          # owners x channels
        tot = total[eligible][:, None]
        users = (c > 0).sum(axis=0)                           # owners using each channel
        others = n_el - 1
        # For an owner without the channel, "the others" are every other eligible owner.
        users_share = (users - (c > 0)) / others
        type_share = (c.sum(axis=0) - c) / (tot.sum() - tot)
        missing = ((c == 0) & (users_share >= ctx["min_users_share"])
                   & (type_share >= ctx["min_type_share"]))
        o_idx, t_idx = np.nonzero(missing)
        owner_rows = np.flatnonzero(eligible)[o_idx]
        flagged = pd.DataFrame({
            "owner": labels.to_numpy()[owner_rows],
            "type": np.asarray(channels, dtype=object)[t_idx],
            "owner_activities": total[owner_rows], "owner_deals": deals[owner_rows],
            "users": users[t_idx], "users_share": users_share[o_idx, t_idx].round(3),
            "type_share": type_share[o_idx, t_idx].round(3),
        })
        message = (f"{flagged['owner'].nunique()} of {ru.en_count(n_el, 'owner', 'owners')} log none of a channel the rest "
                   f"of the team uses")
        message_ru = (f"менеджеров без канала связи, которым пользуется остальная команда: "
                      f"{flagged['owner'].nunique()} из {n_el}")
        if flagged.empty:
            return self.result(metric=0.0, threshold=0.0, message=message, message_ru=message_ru, judged=n_el)
        label = flagged["type"].map(LABELS).fillna(flagged["type"])
        text = (flagged["owner"] + ": no " + label + " logged on " + ru.nums(flagged["owner_deals"])
                + " deals (" + ru.nums(flagged["owner_activities"]) + " other activities), while "
                + ru.nums(flagged["users"]) + f" of {ru.num(others)} other owners log it ("
                + ru.pcts(flagged["type_share"]) + " of their activities): "
                + flagged["type"].map(HINTS).fillna("not logged?"))
        text_ru = (flagged["owner"] + ": ни одного " + flagged["type"].map(LABELS_RU).fillna(flagged["type"])
                   + " в " + ru.counts(flagged["owner_deals"], "сделке", "сделках", "сделках")
                   + " (других активностей — " + ru.nums(flagged["owner_activities"], "ru") + "), хотя "
                   + ru.nums(flagged["users"], "ru")
                   + f" из {others} {ru.plural(others, 'другого менеджера', 'других менеджеров', 'других менеджеров')}"
                   + " их фиксируют (" + ru.pcts(flagged["type_share"], "ru") + " их активностей): "
                   + flagged["type"].map(HINTS_RU).fillna("не фиксируется?"))
        return self.result(
            findings=self.findings(
                flagged, entity_type="owner", message=text, message_ru=text_ru,
                evidence={"type": flagged["type"], "owner_activities": flagged["owner_activities"],
                          "owner_deals": flagged["owner_deals"], "team_users_share": flagged["users_share"],
                          "team_type_share": flagged["type_share"], "other_owners": others}),
            metric=float(len(flagged)), threshold=0.0, message=message, message_ru=message_ru, judged=n_el)
