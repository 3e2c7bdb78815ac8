"""OF06 think-it-over-stall."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

from audit.derived.flowindex import NAT, to_datetime
from audit.model.keys import positions
from audit.model import CrmData
from audit.model import text as ru
from checks import vocab
from audit.model.gauge import Fails, Gauge, Unit
from checks.base import Check, CheckResult, Family, RunContext, Severity
from checks.links import skip_if_unlinked
from audit.model.params import DAYS

TEXT_COLUMNS = ("subject", "result")


def _to_int(times) -> np.ndarray | int:
    """Datetimes as int64 microseconds (NaT -> NAT)."""
    if isinstance(times, pd.Timestamp):
        return int(np.datetime64(times.to_datetime64(), "us").astype(np.int64))
    return np.asarray(times, dtype="datetime64[us]").view(np.int64)


class ThinkItOverStall(Check):
    """Open deals whose last logged contact says "I'll think about it" and that have not moved since."""

    code = "OF06"
    name = "think-it-over-stall"
    title_ru = "«Клиент подумает», а сделка стоит"
    family = Family.ACTIVITY
    severity = Severity.LOW
    gauge = Gauge("share of open deals stalled after 'I'll think about it'",
                  "доля открытых сделок, застрявших после «подумаю»", Unit.SHARE, Fails.ABOVE)
    evidence_keys = ("last_contact_at", "last_contact", "phrase", "activity_id", "last_moved_at", "days_without_move")
    needs = {"deals": ("status",), "activities": ("at",)}
    params = {"min_days": 14}
    param_rules = {"min_days": DAYS}
    rationale = ("\"I'll think about it\" is not a reason, it is an objection not yet uncovered. When it is "
                 "the last thing logged and the deal has not moved for weeks, nobody asked what the client "
                 "is actually weighing, and the deal is quietly being lost.")
    rationale_ru = ("«Я подумаю» — не причина, а невыявленное возражение. Если это последнее, что записано "
                    "по сделке, и она неделями не двигается, никто не выяснил, что на самом деле смущает "
                    "клиента, и сделка тихо теряется.")
    fix = ("Call each listed client back: find the real objection and the conditions under which they would "
           "buy, log it, and either move the deal on or close it as lost with that reason.")
    fix_ru = ("Перезвоните каждому клиенту из списка: выясните настоящее возражение и условия, при которых он "
              "купит, запишите это и либо продвиньте сделку, либо закройте её как проигранную с этой причиной.")
    todo = "Call back and find the real objection"
    todo_ru = "Перезвоните и выясните настоящее возражение"
    dated_by = ("last_contact_at",)

    def run(self, crm: CrmData, ctx: RunContext) -> CheckResult:
        texts = [c for c in TEXT_COLUMNS if c in crm.provided.get("activities", ())]
        if not texts:
            reason = ("activities lack subject and result: export call results, comments or e-mail "
                      "subjects with the activities to enable OF06")
            reason_ru = ("у активностей нет темы и результата: выгрузите вместе с активностями результаты "
                         "звонков, комментарии или темы писем, чтобы включить OF06")
            return self.skip(reason, reason_ru)
        if (skipped := skip_if_unlinked(self, ctx.derived, "activities", "stage_history")) is not None:
            return skipped
        min_days = float(ctx["min_days"])
        # One row per distinct deal (audit.derived.flowindex codes): when it last moved, i.e. its last
        # stage change, or its creation when history never moved it.
        ix = ctx.derived.flow_index
        is_open = ix.status_is("open")
        moved_at, _ = ctx.derived.current_stay
        as_of = _to_int(ctx.as_of)
        known = moved_at != NAT
        idle_days = np.where(known, (as_of - moved_at) / 86_400e6, np.nan)
        stalled = np.flatnonzero(is_open & known & (idle_days >= min_days))
        n = int((is_open & known).sum())
        if not n:
            return self.skip(f"no open deal whose last move (or creation) is known, of {ru.num(is_open.sum())} "
                             "open deals",
                             f"нет открытых сделок с известной датой последнего движения или создания (открытых: "
                             f"{ru.num(is_open.sum(), 'ru')})")

        # The last contact logged up to as_of, among the stalled deals' activities only. Any
        # type counts: amoCRM and Bitrix24 log a call's outcome as the result of a done task.
        last = _last_activity(crm.activities, ix, stalled, ctx.as_of, texts)
        text = last[texts[0]].fillna("")
        for col in texts[1:]:
            text = (text + " " + last[col].fillna("")).str.strip()
        phrase = vocab.think_it_over_phrase(text, ctx.vocab)
        # (columns are assigned before filtering: set on an empty frame they would adopt the rows)
        said = last.assign(text=text, phrase=phrase)[phrase.notna()]
        said["activity_id"] = crm.activities["activity_id"].take(said["row"].to_numpy()).to_numpy()

        codes = said["deal"].to_numpy()
        flagged = crm.deals[["deal_id", "pipeline", "stage", "owner"]].iloc[ix.deal_rows[codes]]
        said = said.set_index(flagged.index)
        flagged = flagged.assign(moved_at=to_datetime(moved_at[codes], flagged.index),
                                 idle_days=idle_days[codes])
        idle = flagged["idle_days"].round(1)
        message = ("last contact on " + _iso(said["at"], "D") + " says '" + said["phrase"]
                   + "'; no stage change for " + ru.nums(idle) + " days")
        message_ru = ("Последний контакт " + ru.dates(said["at"], "ru") + ": «" + said["phrase"]
                      + "»; этап не менялся " + ru.counts(idle.round().astype(int), "день", "дня", "дней"))
        findings = self.findings(flagged, entity_type="deal", message=message, message_ru=message_ru, evidence={
            "last_contact_at": _iso(said["at"]), "last_contact": said["text"].str.slice(0, 200),
            "phrase": said["phrase"], "activity_id": said["activity_id"],
            "last_moved_at": _iso(flagged["moved_at"]), "days_without_move": idle,
        })
        k = len(flagged)
        share = k / n
        return self.result(
            findings=findings, metric=round(share, 4), threshold=0.0,
            message=(f"{ru.num(k)} of {ru.num(n)} open deals stall after 'I'll think about it' "
                     f"(no stage change for {ru.num(min_days, digits=1)}+ days)"),
            message_ru=(f"открытых сделок, застрявших после «я подумаю» (этап не менялся "
                        f"{ru.num(min_days, 'ru', digits=1)} {ru.plural(min_days, 'день', 'дня', 'дней')} и дольше): "
                        f"{ru.num(k, 'ru')} из {ru.num(n, 'ru')}"),
            judged=n,
        )


def _iso(times: pd.Series, unit: str = "s") -> pd.Series:
    """ISO text of datetimes (never NaT here), as the evidence and messages print them;
    numpy formats in one pass where pandas' strftime goes row by row."""
    return pd.Series(np.datetime_as_string(times.to_numpy(dtype="datetime64[us]"), unit=unit),
                     index=times.index, dtype="str")


def _last_activity(acts: pd.DataFrame, ix, deal_codes: np.ndarray, as_of: pd.Timestamp,
                   columns: list[str]) -> pd.DataFrame:
    """Each of `deal_codes`' latest activity at or before as_of, one row per deal that has
    one: `deal` (its flow_index deal code), `row` (the activity's row), `at`, and `columns`.
    Ties at the same time: the later row."""
    # Looking ids up among the wanted deals only keeps the hash table small.
    deal = positions(acts["deal_id"], ix.deal_ids.take(pa.array(deal_codes)))
    at = _to_int(acts["at"])
    rows = np.flatnonzero((deal >= 0) & (at != NAT) & (at <= _to_int(as_of)))
    deal, at = deal[rows], at[rows]
    latest = np.full(len(deal_codes), NAT, dtype=np.int64)
    np.maximum.at(latest, deal, at)
    best = at == latest[deal]
    rows, deal = rows[best][::-1], deal[best][::-1]
    found, first = np.unique(deal, return_index=True)
    # Subject and result are held as labels (audit.model.tables.LABEL_COLUMNS): text again here.
    out = acts[columns].iloc[rows[first]].reset_index(drop=True).astype("str")
    out.insert(0, "deal", deal_codes[found])
    out.insert(1, "row", rows[first])
    out.insert(2, "at", to_datetime(latest[found], out.index))
    return out
