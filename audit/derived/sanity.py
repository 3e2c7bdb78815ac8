"""The post-load sanity pass: input warnings computed on what was loaded, whatever the CRM.

It judges the export, not the sales team: a deals table in which nothing is closed, activities
that link to no exported deal, owners that are ids nobody resolved, a date column that is mostly
in the future or before 2000, a stage order guessed from a handful of deals. Each is a sign that
the export was misread or is incomplete, said where the user looks first (console under the
score, the workbook, the Markdown, `input.warnings`); none of them is a finding.

It lives below the checks because it reads the same links (`audit.derived.tables.Derived`)
and stage order the checks read, so the millions of ids are hashed once per audit; the runner
calls it once and adds its warnings to the ones ingestion and the CRM profiles gave while reading.
Where a warning means a check cannot judge, the check itself says so in its skip reason.
"""

from __future__ import annotations

import re

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from audit.derived.steps import MIN_ORDER_SUPPORT, guessed_pipelines
from audit.model import NO_PIPELINE, CrmData
from audit.model import text as ru
from audit.model.warnings import InputWarning

if TYPE_CHECKING:
    from audit.derived.tables import Derived

TOP_STAGES = 5           # stages named in a status warning
# "Mostly": more than this share of a date column's values, among at least this many (a
# handful of dates says little about how a column was read).
MOSTLY = 0.5
MIN_DATES = 20
EARLIEST_PLAUSIBLE = pd.Timestamp("2000-01-01")
# Values that are ids, not names: integers, Salesforce user ids (005 + 12 or 15 characters), UUIDs.
ID_LIKE = re.compile(r"^(\d+|005[0-9A-Za-z]{12}(?:[0-9A-Za-z]{3})?|[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12})$")
ID_SHARE = 0.8           # owners read as ids when at least this share of the named rows are ids

def _n(n: int) -> str:
    return f"{n:,}"


def _n_ru(n: int) -> str:
    """Thousands apart with spaces, as Russian writes them."""
    return f"{n:,}".replace(",", " ")


TABLE_TEXT = {"deals": ("deals", "сделок"), "activities": ("activities", "активностей"),
              "stage_history": ("stage-history rows", "строк истории этапов"), "leads": ("leads", "лидов")}


def export_warnings(d: Derived, as_of: pd.Timestamp | None = None) -> tuple[InputWarning, ...]:
    """Every warning of the pass, in a stable order. `as_of` is the audit date when the user set
    one (--as-of, config); None when the audit takes it from the data."""
    crm = d.crm
    return (*status_warnings(crm), *unlinked_warnings(d), *owner_id_warnings(crm),
            *date_warnings(crm, as_of), *stage_order_warnings(d))


# -- statuses -------------------------------------------------------------------------------------

def status_warnings(crm: CrmData) -> list[InputWarning]:
    """No closed deal among N deals, or closed deals but no won (or no lost) one: the won and lost
    stages were probably not recognised. Names the stages holding most of the open deals and how
    to declare them."""
    deals = crm.deals
    n = len(deals)
    if not n:
        return []
    status = deals["status"]
    won, lost = int(status.eq("won").sum()), int(status.eq("lost").sum())
    if won and lost:
        return []
    open_ = deals["stage"][~status.isin(["won", "lost"]).to_numpy(dtype=bool, na_value=False)]
    top = open_.value_counts().head(TOP_STAGES)
    stages = ", ".join(f"'{s}' ({c:,})" for s, c in top.items())
    stages_ru = ", ".join(f"«{s}» ({_n_ru(c)})" for s, c in top.items())
    declare = ("if one of them means won or lost, declare it in crm-audit.toml: "
               '[status] won = ["..."], lost = ["..."]')
    declare_ru = ("если какой-то из них означает выигрыш или проигрыш, укажите его в crm-audit.toml: "
                  '[status] won = ["..."], lost = ["..."]')
    numbers = {"deals": n, "won": won, "lost": lost, "open": n - won - lost,
               "top_open_stages": {str(s): int(c) for s, c in top.items()}}
    where = f"; the stages holding most open deals: {stages}; " if len(top) else "; "
    where_ru = f"; больше всего открытых сделок на этапах: {stages_ru}; " if len(top) else "; "
    if not won and not lost:
        return [InputWarning(
            "no-closed-deals",
            f"no closed deal among {n:,} deals: every deal reads as open, so the won and lost stages were "
            f"probably not recognised{where}{declare}",
            f"среди {_n_ru(n)} {ru.plural(n, 'сделки', 'сделок', 'сделок')} нет ни одной закрытой: все читаются "
            f"как открытые — вероятно, этапы выигрыша и проигрыша не распознаны{where_ru}{declare_ru}",
            file=_single_file(crm, "deals"), numbers=numbers)]
    missing, have = ("won", lost) if not won else ("lost", won)
    missing_ru = "выигранной" if missing == "won" else "проигранной"
    return [InputWarning(
        f"no-{missing}-deals",
        f"{have:,} closed deals but not one {missing}: the {missing} stage may not have been recognised"
        f"{where}{declare}",
        f"закрытых сделок {_n_ru(have)}, но ни одной {missing_ru}: возможно, этап "
        f"{'выигрыша' if missing == 'won' else 'проигрыша'} не распознан{where_ru}{declare_ru}",
        file=_single_file(crm, "deals"), numbers=numbers)]


# -- rows that link to no exported deal ----------------------------------------------------------

def unlinked_warnings(d: Derived) -> list[InputWarning]:
    """Per file of activities or stage history: rows that link to no exported deal, those with no
    deal id at all included (they reach the tables but no check can use them)."""
    crm, out = d.crm, []
    for table in ("activities", "stage_history"):
        frame = crm.table(table)
        if frame is None or not len(frame):
            continue
        pos = d.link_positions(table)
        no_id = frame["deal_id"].isna().to_numpy()
        unknown = (pos < 0) & ~no_id
        for label, lo, hi in _files(crm, table, len(frame)):
            a, b = int(no_id[lo:hi].sum()), int(unknown[lo:hi].sum())
            if a + b:
                sample = frame["deal_id"].iloc[lo:hi][unknown[lo:hi]].drop_duplicates().head(3).tolist()
                out.append(_unlinked(table, label, hi - lo, a, b, [str(s) for s in sample]))
    return out


def _unlinked(table: str, label: str | None, rows: int, no_id: int, unknown: int, sample: list[str]) -> InputWarning:
    what, what_ru = TABLE_TEXT[table]
    n = no_id + unknown
    parts, parts_ru = [], []
    if no_id:
        parts.append(f"{no_id:,} {'names' if no_id == 1 else 'name'} no deal at all")
        parts_ru.append(f"у {_n_ru(no_id)} id сделки не указан")
    if unknown:
        eg = f", e.g. {', '.join(sample)}" if sample else ""
        parts.append(f"{unknown:,} {'points to a deal' if unknown == 1 else 'point to deals'} missing from the "
                     f"deals export{eg}")
        eg_ru = f", например {', '.join(sample)}" if sample else ""
        parts_ru.append(f"{_n_ru(unknown)} ссылаются на сделки, которых нет в выгрузке сделок{eg_ru}")
    if n == rows:
        tail = ("none links to an exported deal, so the checks that need the link skip: do the exports use "
                "the same deal ids?")
        tail_ru = ("ни одна не связана с выгруженной сделкой, и проверки, которым нужна эта связь, пропущены: "
                   "в выгрузках одни и те же id сделок?")
    else:
        tail = f"the checks judge the {rows - n:,} linked ones only"
        tail_ru = f"проверки оценивают только связанные ({_n_ru(rows - n)})"
    return InputWarning(
        "rows-link-to-no-deal",
        f"{n:,} of {rows:,} {what} link to no exported deal ({'; '.join(parts)}); {tail}",
        f"{what_ru} без связи с выгруженной сделкой: {_n_ru(n)} из {_n_ru(rows)} ({'; '.join(parts_ru)}); {tail_ru}",
        file=label,
        numbers={"table": table, "rows": rows, "unlinked": n, "no_deal_id": no_id, "unknown_deal_id": unknown,
                 "sample_deal_ids": sample})


def _files(crm: CrmData, table: str, n: int) -> list[tuple[str | None, int, int]]:
    """(file label, first row, end row) of each file the table was read from, in table order;
    one unnamed span for tables built in memory."""
    spans = crm.origins.get(table, ())
    if not spans or sum(rows for _f, rows in spans) != n:
        return [(None, 0, n)]
    bounds = np.cumsum([0, *(rows for _f, rows in spans)])
    return [(label, int(bounds[i]), int(bounds[i + 1])) for i, (label, _r) in enumerate(spans)]


def _single_file(crm: CrmData, table: str) -> str | None:
    spans = crm.origins.get(table, ())
    return spans[0][0] if len(spans) == 1 else None


# -- owners that are ids -------------------------------------------------------------------------

def owner_id_warnings(crm: CrmData) -> list[InputWarning]:
    """Owner columns holding ids (Salesforce OwnerId, Bitrix24 ASSIGNED_BY_ID) that no users
    export turned into names: the scorecard would list managers as numbers."""
    out = []
    known = set()
    if crm.users is not None and "user_id" in crm.provided.get("users", ()):
        known = set(crm.users["user_id"].dropna().astype(str))
    for table in ("deals", "activities", "leads"):
        frame = crm.table(table)
        if frame is None or "owner" not in crm.provided.get(table, ()):
            continue
        owners = frame["owner"].dropna()
        if not len(owners):
            continue
        distinct = owners.value_counts()
        is_id = distinct.index.to_series().astype(str).str.fullmatch(ID_LIKE).to_numpy(dtype=bool)
        if distinct[is_id].sum() < ID_SHARE * len(owners):
            continue
        ids = [str(i) for i in distinct.index[is_id]]
        resolvable = sum(i in known for i in ids)
        what, what_ru = TABLE_TEXT[table]
        if crm.users is None:
            why = "and no users export names them: export users with their id and name"
            why_ru = "а выгрузки пользователей, которая дала бы имена, нет: выгрузите пользователей с id и именем"
        else:
            why = "and the users export names none of them: is it the same CRM's users export, with its ids?"
            why_ru = "а в выгрузке пользователей нет ни одного из них: это пользователи той же CRM, с теми же id?"
        out.append(InputWarning(
            "owner-ids-unresolved",
            f"the owners of {what} are ids, not names ({len(ids):,} distinct, e.g. {', '.join(ids[:3])}), {why}, "
            "so managers are listed by number",
            f"ответственные в выгрузке {what_ru} — это id, а не имена (разных id: {ru.num(len(ids), 'ru')}, например "
            f"{', '.join(ids[:3])}), {why_ru}; менеджеры показаны номерами",
            file=_single_file(crm, table),
            numbers={"table": table, "column": "owner", "distinct_ids": len(ids), "resolvable": resolvable,
                     "examples": ids[:3]}))
    return out


# -- dates ---------------------------------------------------------------------------------------

DATE_COLUMNS = (("deals", "created_at"), ("deals", "closed_at"), ("deals", "last_activity_at"),
                ("stage_history", "changed_at"), ("activities", "at"), ("leads", "created_at"))


def date_warnings(crm: CrmData, as_of: pd.Timestamp | None = None) -> list[InputWarning]:
    """A date column whose values are mostly in the future or before 2000: planned dates read as
    events, a day and month swapped, a two-digit year or a serial read the wrong way.

    The future is after the audit date the user set, else after the latest date of every other
    event column (the export's "now" as far as the rest of it tells: a column of planned dates
    would otherwise move "now" itself)."""
    columns = [(t, c) for t, c in DATE_COLUMNS
               if crm.table(t) is not None and c in crm.provided.get(t, ())]
    latest = {(t, c): crm.table(t)[c].max() for t, c in columns}
    out = []
    for table, column in columns:
        values = crm.table(table)[column].dropna()
        n = len(values)
        if n < MIN_DATES:
            continue
        others = [v for k, v in latest.items() if k != (table, column) and pd.notna(v)]
        now = pd.Timestamp(as_of) if as_of is not None else (max(others) if others else None)
        future = int((values > now + pd.Timedelta(days=1)).sum()) if now is not None else 0
        old = int((values < EARLIEST_PLAUSIBLE).sum())
        name = f"{table}.{column}"
        if future > MOSTLY * n:
            what = "the audit date" if as_of is not None else "every other date of the export"
            what_ru = "даты аудита" if as_of is not None else "всех остальных дат выгрузки"
            out.append(InputWarning(
                "dates-in-future",
                f"{name}: {future:,} of {n:,} values ({future / n:.0%}) lie after {what} ({now:%Y-%m-%d}): "
                "planned dates read as events, or dates misread (day and month swapped)?",
                f"{name}: {future} из {n} значений ({future / n:.0%}) позже {what_ru} ({now:%Y-%m-%d}): "
                "плановые даты вместо фактических или даты прочитаны неверно (день и месяц перепутаны)?",
                file=_single_file(crm, table),
                numbers={"table": table, "column": column, "values": n, "after": future,
                         "reference": now.isoformat()}))
        if old > MOSTLY * n:
            out.append(InputWarning(
                "dates-before-2000",
                f"{name}: {old:,} of {n:,} values ({old / n:.0%}) are before 2000 (earliest {values.min():%Y-%m-%d}): "
                "a two-digit year or a date serial misread?",
                f"{name}: {old} из {n} значений ({old / n:.0%}) раньше 2000 года (самое раннее "
                f"{values.min():%Y-%m-%d}): двузначный год или неверно прочитанный серийный номер даты?",
                file=_single_file(crm, table),
                numbers={"table": table, "column": column, "values": n, "before_2000": old}))
    return out


# -- stage order ---------------------------------------------------------------------------------

def stage_order_warnings(d: Derived) -> list[InputWarning]:
    """Pipelines whose stage order is inferred from history on little evidence: some stage
    follows the previous one for fewer than MIN_ORDER_SUPPORT deals. The checks that need the
    order (SG04) leave such pipelines out and say so."""
    crm = d.crm
    if crm.stage_history is None or not len(crm.stage_history):
        return []
    weak = guessed_pipelines(d)
    if weak.empty:
        return []
    items, items_ru = [], []
    for row in weak.head(TOP_STAGES).itertuples():
        before = row.previous
        name = "deals without a pipeline" if row.pipeline == NO_PIPELINE else f"'{row.pipeline}'"
        name_ru = "сделки без воронки" if row.pipeline == NO_PIPELINE else f"«{row.pipeline}»"
        n = int(row.support)
        moved = "no deal went" if n == 0 else f"only {ru.en_count(n, 'deal', 'deals')} went"
        moved_ru = "ни одна сделка не перешла" if n == 0 else \
            f"только {ru.count(n, 'сделка', 'сделки', 'сделок')} {ru.plural(n, 'перешла', 'перешли', 'перешли')}"
        items.append(f"{name}: {moved} from '{before}' on to '{row.stage}'")
        items_ru.append(f"{name_ru}: {moved_ru} с «{before}» на «{row.stage}»")
    more = len(weak) - len(items)
    tail = f" and {more} more" if more > 0 else ""
    tail_ru = f" и ещё {more}" if more > 0 else ""
    return [InputWarning(
        "stage-order-guessed",
        f"the stage order of {ru.en_count(len(weak), 'pipeline', 'pipelines')} is guessed from stage history on "
        f"little evidence ({'; '.join(items)}{tail}; {MIN_ORDER_SUPPORT} deals are needed): declare it in "
        "crm-audit.toml [pipelines]",
        f"порядок этапов {len(weak)} {ru.plural(len(weak), 'воронки', 'воронок', 'воронок')} угадан по истории "
        f"этапов на слишком малом числе сделок ({'; '.join(items_ru)}{tail_ru}; нужно не меньше "
        f"{MIN_ORDER_SUPPORT}): задайте его в crm-audit.toml [pipelines]",
        numbers={"min_support": MIN_ORDER_SUPPORT,
                 "pipelines": {str(p): int(s) for p, s in zip(weak["pipeline"], weak["support"])}})]
