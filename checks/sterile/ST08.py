"""ST08 bulk-backfill."""

from __future__ import annotations

import numpy as np
import pandas as pd

from audit.model import CrmData
from audit.model.keys import isin
from audit.model.gauge import Fails, Gauge, Unit
from checks.base import Check, CheckResult, Family, RunContext, Severity
from audit.model import text as ru
from audit.model.params import ACTIVITY_TYPE_LIST, MINUTES, SHARE, count

DAY_S = 86_400
# A time of day holding this share of a table's records on several dates is a placeholder.
PLACEHOLDER_SHARE = 0.01
NAT = np.iinfo(np.int64).min
SAMPLE_IDS = 10
TABLE_RU = {"deals": "сделки", "activities": "активности"}
TABLE_GEN_RU = {"deals": "сделок", "activities": "активностей"}
TABLE_IN_RU = {"deals": "сделках", "activities": "активностях"}


class BulkBackfill(Check):
    """Bursts of deals or activities created by one user within a few minutes.

    A burst is `min_records` or more records of one table created by one user within
    `window_minutes`; overlapping windows of the same user merge into one burst, so a
    half-hour typing session is one finding (entity "owner", the user), not thirty.

    * deals: user = created_by, else owner; time = created_at.
    * activities: user = owner; time = created_at, else at. Only `activity_types` count
      (calls, meetings, notes by default): e-mail and messenger sync, mass mailings and
      automation rules create e-mails, messages and tasks in batches by design.

    Timestamps without a real time of day must not make fake bursts: a date-only export puts
    every record of a day at 00:00:00, others at a fixed 00:03 or 12:00. A time of day held
    by at least `min_records` records and 1 % of the table, on more than one date, is such a
    placeholder (a one-off import lands on one date); records at placeholder times are left
    out, and a table with more than `date_only_share` of them is not judged at all. The
    result message says so.
    """

    code = "ST08"
    name = "bulk-backfill"
    title_ru = "Массовое внесение задним числом"
    family = Family.STERILE
    severity = Severity.MEDIUM
    gauge = Gauge("bursts of records entered at once", "пакетов записей, внесённых разом", Unit.COUNT, Fails.ABOVE)
    evidence_keys = ("table", "records", "first_at", "last_at", "minutes", "sample_ids")
    needs = {"deals": ("created_at",)}
    params = {"min_records": 20, "window_minutes": 5, "date_only_share": 0.5,
              "activity_types": ["call", "meeting", "note", "other"]}
    param_rules = {"min_records": count(2), "window_minutes": MINUTES, "date_only_share": SHARE,
                   "activity_types": ACTIVITY_TYPE_LIST}
    rationale = ("Nobody creates twenty deals or logs twenty calls in five minutes while working. "
                 "Such bursts are transcriptions: the work was kept in a notebook or spreadsheet and "
                 "typed into the CRM later, for a report or a check. Dates, order and details of "
                 "what really happened are lost, and the CRM lags behind the real pipeline.")
    rationale_ru = ("Никто не создаёт двадцать сделок и не записывает двадцать звонков за пять минут "
                    "в ходе работы. Такие всплески — перенос из блокнота или таблицы в CRM задним "
                    "числом, к отчёту или проверке. Реальные даты, порядок и подробности теряются, "
                    "а CRM отстаёт от настоящей воронки.")
    fix = ("Ask the listed users where these records were kept before; connect telephony and mail so "
           "contacts log themselves; create deals at the first contact, not at reporting time.")
    fix_ru = ("Спросите перечисленных пользователей, где велись эти записи до CRM; подключите "
              "телефонию и почту, чтобы контакты фиксировались сами; заводите сделки при первом "
              "контакте, а не перед отчётом.")
    todo = "Ask where these records were kept before"
    todo_ru = "Выясните, где велись эти записи до CRM"
    dated_by = ("last_at",)

    def run(self, crm: CrmData, ctx: RunContext) -> CheckResult:
        min_records = int(ctx["min_records"])
        window_s = round(float(ctx["window_minutes"]) * 60)
        date_only_share = float(ctx["date_only_share"])
        notes, notes_ru = [], []
        frames = _sources(crm, ctx, notes, notes_ru)

        bursts, judged, timed = [], [], 0
        for table, user, at, ids, kept in frames:
            codes, names = pd.factorize(user, sort=False)
            ticks = at.astype("datetime64[us]").to_numpy().view("i8")
            usable = (codes >= 0) & (ticks != NAT)
            if kept is not None:
                usable &= kept
            rows = np.flatnonzero(usable)
            if not len(rows):
                notes.append(f"no {table} row has both a user and a time")
                notes_ru.append(f"ни у одной записи {TABLE_GEN_RU[table]} нет одновременно пользователя и времени")
                continue
            untimed, usual = _untimed(ticks[rows] // 1_000_000, min_records)
            share = float(untimed.mean())
            if share > date_only_share:
                notes.append(f"{table} timestamps carry no time of day ({ru.pct(share)} at fixed times such as "
                             f"{usual}), so bursts cannot be timed")
                notes_ru.append(f"у {TABLE_GEN_RU[table]} нет времени суток ({ru.pct(share, 'ru')} в одно и то же время, "
                                f"например {usual}): всплески не определить")
                continue
            if untimed.any():
                notes.append(f"{int(untimed.sum())} {table} at fixed times of day such as {usual} left out")
                notes_ru.append(f"{TABLE_RU[table]} с фиксированным временем суток (например {usual}) "
                                f"не учитывались: {ru.num(untimed.sum(), 'ru')}")
                rows = rows[~untimed]
            judged.append(table)
            timed += len(rows)
            hit = _bursts(codes[rows], ticks[rows], window_s, min_records)
            if hit is not None:
                found, positions = hit
                burst_rows = rows[positions]
                found["user"] = np.asarray(names, dtype=object)[found["user"].to_numpy()]
                found["sample_ids"] = _samples(ids, burst_rows, found["records"].to_numpy())
                bursts.append(found.assign(table=table))

        if not judged:
            return self.skip("no record could be timed: " + "; ".join(notes),
                             "ни одну запись не привязать ко времени: " + "; ".join(notes_ru))
        if timed < min_records:
            return self.too_few(timed, min_records, "timed records", "hold a burst", "записей со временем",
                                "в них уместился всплеск")
        found = pd.concat(bursts, ignore_index=True) if bursts else pd.DataFrame()
        findings = self._findings(found) if len(found) else None
        records = int(found["records"].sum()) if len(found) else 0
        summary = (f"{ru.en_count(len(found), 'burst', 'bursts')} of {min_records}+ records by one user within "
                   f"{ctx['window_minutes']} min ({ru.en_count(records, 'record', 'records')}) in "
                   f"{' and '.join(judged)} ({ru.num(timed)} timed records)")
        judged_ru = " и ".join(TABLE_IN_RU[t] for t in judged)
        summary_ru = (f"всплесков в {judged_ru} ({min_records}+ записей от одного пользователя за "
                      f"{ctx['window_minutes']} мин): {ru.num(len(found), 'ru')}, записей в них: "
                      f"{ru.num(records, 'ru')} (записей со временем: {ru.num(timed, 'ru')})")
        if notes:
            summary += "; " + "; ".join(notes)
            summary_ru += "; " + "; ".join(notes_ru)
        return self.result(findings=findings, metric=float(len(found)), threshold=0.0, message=summary,
                           message_ru=summary_ru, affected=records, judged=timed)

    def _findings(self, found: pd.DataFrame) -> pd.DataFrame:
        """One finding per burst, on the user who typed it."""
        minutes = ((found["last_at"] - found["first_at"]).dt.total_seconds() / 60).round(1)
        noun = found["table"].map({"deals": "deals created", "activities": "activities logged"})
        message = (ru.nums(found["records"]) + " " + noun + " within " + ru.nums(minutes, digits=1)
                   + " min on " + ru.dates(found["first_at"], with_time=True))
        is_deals = found["table"].eq("deals")
        what_ru = (ru.plurals(found["records"], "создана", "создано", "создано") + " "
                   + ru.nums(found["records"], "ru") + " "
                   + ru.plurals(found["records"], "сделка", "сделки", "сделок")).where(
            is_deals, ru.plurals(found["records"], "записана", "записано", "записано") + " "
            + ru.nums(found["records"], "ru") + " "
            + ru.plurals(found["records"], "активность", "активности", "активностей"))
        message_ru = ("За " + ru.nums(minutes, "ru", 1) + " мин " + what_ru + " ("
                      + ru.dates(found["first_at"], "ru", with_time=True) + ")")
        return self.findings(
            found, entity_type="owner", entity_id=found["user"], owner=found["user"],
            pipeline=None, stage=None, message=message, message_ru=message_ru,
            evidence={"table": found["table"], "records": found["records"],
                      "first_at": found["first_at"], "last_at": found["last_at"],
                      "minutes": minutes, "sample_ids": found["sample_ids"]})


def _sources(crm: CrmData, ctx: RunContext, notes: list[str], notes_ru: list[str]) -> list[tuple]:
    """The records that can be timed: (table, user per row, time per row, ids per row, rows that
    count); what cannot be used is said in `notes`."""
    frames = []
    deals = crm.deals
    provided = crm.provided.get("deals", ())
    if "created_by" in provided or "owner" in provided:
        user = deals["created_by"].fillna(deals["owner"]) if "created_by" in provided else deals["owner"]
        frames.append(("deals", user, deals["created_at"], deals["deal_id"], None))
    else:
        notes.append("the deals export names neither who created a deal nor its owner")
        notes_ru.append("в выгрузке сделок нет ни автора, ни ответственного")
    acts = crm.activities
    if acts is not None and not crm.missing({"activities": ("owner",)}):
        a_provided = crm.provided.get("activities", ())
        at = acts["created_at"].fillna(acts["at"]) if "created_at" in a_provided else acts["at"]
        ids = acts["activity_id"] if "activity_id" in a_provided else acts["deal_id"]
        kept = isin(acts["type"], [str(t) for t in ctx["activity_types"]])
        frames.append(("activities", acts["owner"], at, ids, kept))
    elif acts is not None:
        notes.append("activities have no owner")
        notes_ru.append("у активностей нет owner")
    return frames


def _bursts(codes: np.ndarray, ticks: np.ndarray, window_s: int,
            min_records: int) -> tuple[pd.DataFrame, np.ndarray] | None:
    """Bursts in records given as user codes and times (µs): a frame (user code, records,
    first_at, last_at; one row per burst) and the positions (into `codes`) of the records of
    every burst, burst by burst, in time order.

    One sort of a combined (user, second) key; a record starts a hot window when the record
    `min_records - 1` places later in that order is within `window_s` seconds - of the same
    user, because users lie further apart in the key than any window.
    """
    seconds = ticks // 1_000_000
    seconds = seconds - seconds.min() if len(seconds) else seconds
    # Only records in a busy hour can be in a burst: prune with an O(n) count, sort the rest.
    pool = _busy(codes, seconds, window_s, min_records)
    codes, seconds = codes[pool], seconds[pool]
    n = len(seconds)
    if n < min_records:
        return None
    stride = int(seconds.max()) + window_s + 1
    key = codes.astype(np.int64) * stride + seconds
    ordered = np.sort(key)
    hot = np.flatnonzero(ordered[min_records - 1:] - ordered[: n - min_records + 1] <= window_s)
    if not len(hot):
        return None
    # Window of each hot start: every record within window_s of it. Windows sharing a record merge.
    ends = np.searchsorted(ordered, ordered[hot] + window_s, side="right")
    prev_end = np.concatenate(([-1], np.maximum.accumulate(ends)[:-1]))
    new = hot >= prev_end
    start_pos = hot[new]
    end_pos = np.maximum.reduceat(ends, np.flatnonzero(new))
    lo, hi = ordered[start_pos], ordered[end_pos - 1]
    # Back to records: a record belongs to the burst whose key range holds its key.
    which = np.searchsorted(lo, key, side="right") - 1
    inside = np.flatnonzero((which >= 0) & (key <= hi[np.maximum(which, 0)]))
    inside = inside[np.lexsort((key[inside], which[inside]))]
    burst_of = which[inside]
    first = np.r_[0, np.flatnonzero(np.diff(burst_of)) + 1]
    last = np.r_[first[1:], len(inside)] - 1
    inside = pool[inside]
    found = pd.DataFrame({
        "user": lo // stride,
        "records": last - first + 1,
        "first_at": pd.to_datetime(ticks[inside[first]], unit="us"),
        "last_at": pd.to_datetime(ticks[inside[last]], unit="us"),
    })
    return found, inside


def _busy(codes: np.ndarray, seconds: np.ndarray, window_s: int, min_records: int) -> np.ndarray:
    """Positions of the records whose user has `min_records` or more records in their hour
    and a neighbouring one (a window no longer than an hour lies within two adjacent hours).

    One bincount over (user, hour) cells; skipped, keeping everything, when the cells would
    far outnumber the records (a huge span or user count), where it would save nothing.
    """
    n = len(seconds)
    everything = np.arange(n)
    if n == 0:
        return everything
    width = max(3600, window_s)
    cell = seconds // width
    per_user = int(cell.max()) + 2  # + an always-empty cell, so users never touch
    n_cells = (int(codes.max()) + 1) * per_user
    if n_cells > 4 * n + 1_000_000:
        return everything
    flat = codes.astype(np.int64) * per_user + cell
    counts = np.bincount(flat, minlength=n_cells)
    pair = counts[:-1] + counts[1:] >= min_records       # cells i and i + 1 together
    busy = np.zeros(n_cells, dtype=bool)
    busy[:-1] |= pair
    busy[1:] |= pair
    return np.flatnonzero(busy[flat])


def _untimed(seconds: np.ndarray, min_records: int) -> tuple[np.ndarray, str]:
    """Records whose time of day is a placeholder (see the class docstring), and the most
    common time of day as text, for the message."""
    tod = seconds % DAY_S
    counts = np.bincount(tod, minlength=DAY_S)
    usual = int(np.argmax(counts))
    usual_txt = f"{usual // 3600:02d}:{usual // 60 % 60:02d}:{usual % 60:02d}"
    frequent = counts >= max(min_records, PLACEHOLDER_SHARE * len(seconds))
    if not frequent.any():
        return np.zeros(len(seconds), dtype=bool), usual_txt
    at_frequent = frequent[tod]
    day = seconds[at_frequent] // DAY_S
    first = np.full(DAY_S, np.iinfo(np.int64).max)
    last = np.full(DAY_S, np.iinfo(np.int64).min)
    np.minimum.at(first, tod[at_frequent], day)
    np.maximum.at(last, tod[at_frequent], day)
    placeholder = frequent & (last > first)
    return placeholder[tod], usual_txt


def _samples(ids: pd.Series, burst_rows: np.ndarray, records: np.ndarray) -> list[list[str]]:
    """The first SAMPLE_IDS ids of each burst (records are laid out burst by burst)."""
    starts = np.r_[0, np.cumsum(records)[:-1]]
    picked = ids.iloc[burst_rows].astype(object).to_numpy()
    return [[str(v) for v in picked[a:a + min(SAMPLE_IDS, r)]] for a, r in zip(starts, records)]

