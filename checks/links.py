"""Rows that link to no exported deal are not evidence about any deal.

When activities or stage history were exported but not one of their rows names a deal of the
deals export (activities hung on contacts or accounts, deal ids the deals export lacks, ids
rebuilt from row numbers), a check that needs the link would judge every deal as silent, or
every deal as never moved. It is skipped instead, with a reason that says what to export.
Partly linked tables are judged on their linked rows only; the rest is an input warning
(`audit.derived.sanity`) and HY06's business.
"""

from __future__ import annotations

from audit.model import text as ru
from checks.base import Check, CheckResult, Derived

WHAT = {"activities": ("activities", "активности"), "stage_history": ("stage-history rows", "строки истории этапов")}
EXPORT_NAME = {"activities": ("activity", "активностей"), "stage_history": ("stage history", "истории этапов")}
EXPORT = {"activities": ("export activities with their deal id", "выгрузите активности с id сделки"),
          "stage_history": ("export the stage history with the deal id of each change",
                            "выгрузите историю этапов с id сделки у каждой смены")}


def linked_rows(d: Derived, table: str) -> int:
    """How many rows of the table link to an exported deal (0 when the table was not exported)."""
    if d.crm.table(table) is None:
        return 0
    return int((d.link_positions(table) >= 0).sum())


def skip_if_unlinked(check: Check, d: Derived, *tables: str) -> CheckResult | None:
    """A skipped result when a table the check needs was exported but is empty, or none of its
    rows links to a deal of the deals table; else None. Default: activities."""
    for table in tables or ("activities",):
        frame = d.crm.table(table)
        if frame is None or linked_rows(d, table):
            continue
        n = len(frame)
        what, what_ru = WHAT[table]
        todo, todo_ru = EXPORT[table]
        if not n:
            name, name_ru = EXPORT_NAME[table]
            return check.skip(f"no {name} row was read (the export is empty, or every row was left out on "
                              f"reading: see the input warnings): nothing links to a deal; {todo} to enable {check.code}",
                              f"не прочитано ни одной строки {name_ru} (выгрузка пуста или все строки отброшены при "
                              "чтении: см. предупреждения о входных данных): к сделкам ничего не привязано; "
                              f"{todo_ru}, чтобы включить {check.code}", unlinked=table)
        no_id = int(frame["deal_id"].isna().sum())
        detail = f" ({ru.num(no_id)} name no deal at all)" if no_id else ""
        detail_ru = f" (у {ru.num(no_id, 'ru')} ID сделки не указан вовсе)" if no_id else ""
        return check.skip(
            f"{what} link to no deal: none of the {ru.num(n)} {what} names a deal id found in the deals export"
            f"{detail}; {todo} to enable {check.code}",
            f"{what_ru} не привязаны к сделкам: ни одна из {ru.num(n, 'ru')} не ссылается на ID сделки из выгрузки "
            f"сделок{detail_ru}; {todo_ru}, чтобы включить {check.code}", unlinked=table)
    return None
