"""OF04 activity-outside-lifetime."""

from __future__ import annotations

import numpy as np
import pandas as pd

from audit.model import CrmData
from audit.model import text as ru
from checks.links import skip_if_unlinked
from checks.activity._times import iso
from audit.model.gauge import Fails, Gauge, Unit
from checks.base import Check, CheckResult, Family, RunContext, Severity
from audit.model.params import DAYS, SHARE


TYPE_RU = {"call": "Звонок", "email": "Письмо", "meeting": "Встреча", "message": "Сообщение", "task": "Задача",
           "note": "Заметка", "other": "Активность"}

class ActivityOutsideLifetime(Check):
    """Activities dated before their deal was created or more than a day after it closed."""

    code = "OF04"
    name = "activity-outside-lifetime"
    title_ru = "Активность вне срока жизни сделки"
    family = Family.ACTIVITY
    severity = Severity.LOW
    gauge = Gauge("share of activities outside their deal's lifetime",
                  "доля активностей вне срока жизни сделки", Unit.SHARE, Fails.ABOVE)
    evidence_keys = ("deal_id", "at", "deal_created_at", "deal_closed_at", "days_outside", "activity_owner",
                     "synthetic_id")
    needs = {"deals": ("created_at",), "activities": ()}
    # max_share: the share of such activities tolerated before the check fails (0 = none).
    params = {"days_before_created": 0, "days_after_closed": 1, "max_share": 0.0}
    param_rules = {"days_before_created": DAYS, "days_after_closed": DAYS, "max_share": SHARE}
    rationale = ("A call logged before the deal existed or weeks after it closed was typed in later "
                 "from memory, a diary or another system, or attached to the wrong deal. Such "
                 "records make the activity history, and every check built on it, unreliable.")
    rationale_ru = ("Звонок, записанный до создания сделки или через недели после её закрытия, "
                    "внесён задним числом по памяти, из ежедневника или другой системы либо "
                    "привязан не к той сделке. Такие записи портят историю контактов и всё, что на "
                    "ней построено.")
    fix = ("Log contacts when they happen (automatically, through integrations); check that "
           "activities are linked to the right deal, and that deals are created at the first contact.")
    fix_ru = ("Фиксируйте контакты в момент, когда они происходят (автоматически, через "
              "интеграции); проверьте, что активности привязаны к нужной сделке, а сделка "
              "заводится при первом контакте.")
    todo = "Link the activity to the right deal"
    todo_ru = "Привяжите активность к нужной сделке"
    dated_by = ("at",)

    def run(self, crm: CrmData, ctx: RunContext) -> CheckResult:
        if (skipped := skip_if_unlinked(self, ctx.derived)) is not None:
            return skipped
        acts = crm.activities
        pos = ctx.derived.activity_positions
        deals = ctx.derived.deal_index.deals
        at = acts["at"].to_numpy(dtype="datetime64[us]")
        linked = pos >= 0
        total = int((linked & ~np.isnat(at)).sum())
        if not total:
            return self.skip(f"none of the {ru.num(linked.sum())} activities linked to an exported deal has a date",
                             f"ни у одной из {ru.num(linked.sum(), 'ru')} активностей, привязанных к выгруженным сделкам, "
                             "нет даты")
        row = np.maximum(pos, 0)
        before = np.timedelta64(int(ctx["days_before_created"] * 86400), "s")
        after = np.timedelta64(int(ctx["days_after_closed"] * 86400), "s")
        # NaT compares False both ways: undated activities and deals are HY01/HY03's business.
        early = linked & (at < deals["created_at"].to_numpy(dtype="datetime64[us]")[row] - before)
        late = linked & (at > deals["closed_at"].to_numpy(dtype="datetime64[us]")[row] + after)
        sel = np.flatnonzero(early | late)
        share = len(sel) / total
        message = (f"{ru.num(len(sel))} of {ru.num(total)} activities ({ru.pct(share)}) are dated outside their "
                   f"deal's lifetime")
        message_ru = (f"активностей вне срока жизни своей сделки: {ru.num(len(sel), 'ru')} из {ru.num(total, 'ru')} "
                      f"({ru.pct(share, 'ru')})")
        if share <= ctx["max_share"]:
            return self.result(metric=round(share, 4), threshold=ctx["max_share"], message=message,
                               message_ru=message_ru, affected=len(sel), failed=False, judged=total)
        flagged = acts[["activity_id", "deal_id", "type", "owner", "at"]].iloc[sel]
        # Type and owner are held as labels (audit.model.tables.LABEL_COLUMNS): text again for
        # the messages, which fill a missing type with a word no label set holds.
        flagged = flagged.astype({"type": "str", "owner": "str"})
        deal = deals.iloc[pos[sel]]
        is_early = pd.Series(early[sel], index=flagged.index)
        created_s = pd.Series(deal["created_at"].to_numpy(), index=flagged.index)
        closed_s = pd.Series(deal["closed_at"].to_numpy(), index=flagged.index)
        gap_days = (flagged["at"] - closed_s).where(~is_early, created_s - flagged["at"]
                                                    ).dt.total_seconds().div(86400)
        days = gap_days.round(1)
        gap_text = ((ru.nums(gap_days) + " days").where(gap_days >= 2, ru.nums(gap_days * 24) + " h"))
        at_iso = iso(flagged["at"])
        ids, synthetic = _activity_ids(flagged, at_iso)
        when = at_iso.str.slice(0, 16).str.replace("T", " ", regex=False)
        text = (flagged["type"].fillna("activity").astype(str) + " on " + when + " is "
                + gap_text + " "
                + is_early.map({True: "before deal ", False: "after deal "})
                + flagged["deal_id"].astype(str)
                + is_early.map({True: " was created", False: " was closed"}))
        text = text.where(~synthetic, text + " (the export has no activity ids: this one is made from the "
                                             "deal, the time and the type)")
        gap_ru = (ru.counts(gap_days.round().astype("Int64"), "день", "дня", "дней")
                  .where(gap_days >= 2, ru.nums(gap_days * 24, "ru") + " ч"))
        when_ru = ru.dates(flagged["at"], "ru", with_time=True)
        text_ru = (flagged["type"].map(TYPE_RU).fillna("Активность").astype(str) + " " + when_ru + " — "
                   + is_early.map({True: "за ", False: "через "}) + gap_ru
                   + is_early.map({True: " до создания сделки ", False: " после закрытия сделки "})
                   + flagged["deal_id"].astype(str))
        text_ru = text_ru.where(~synthetic, text_ru + " (в выгрузке нет ID активностей: этот составлен из "
                                                      "сделки, времени и типа)")
        return self.result(
            findings=self.findings(
                flagged, entity_type="activity", entity_id=ids, message=text, message_ru=text_ru,
                owner=pd.Series(deal["owner"].to_numpy(), index=flagged.index),
                pipeline=pd.Series(deal["pipeline"].to_numpy(), index=flagged.index),
                related_deal=flagged["deal_id"],
                evidence={"deal_id": flagged["deal_id"], "at": at_iso,
                          "deal_created_at": iso(created_s.where(is_early)),
                          "deal_closed_at": iso(closed_s.where(~is_early)),
                          "days_outside": days,
                          "activity_owner": flagged["owner"],
                          "synthetic_id": synthetic.where(synthetic)}),
            metric=round(share, 4), threshold=ctx["max_share"], message=message, message_ru=message_ru,
            judged=total)


def _activity_ids(flagged: pd.DataFrame, at_iso: pd.Series) -> tuple[pd.Series, pd.Series]:
    """The export's activity_id, or a stable one made of deal, time, type (and a counter for
    same-second twins) when the export has none."""
    ids = flagged["activity_id"]
    missing = ids.isna()
    if not missing.any():
        return ids, pd.Series(False, index=flagged.index)
    made = (flagged["deal_id"].astype(str) + "@" + at_iso
            + "/" + flagged["type"].fillna("other").astype(str))
    # Twins (same deal, second and type) get #2, #3... in export order, so ids stay unique and stable.
    twin_no = made.groupby(made, sort=False).cumcount()
    made = made.where(twin_no == 0, made + "#" + (twin_no + 1).astype(str))
    return ids.where(~missing, made), missing
