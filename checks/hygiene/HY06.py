"""HY06 orphan-records."""

from __future__ import annotations

import pandas as pd

from audit.model import CrmData
from audit.model import text as ru
from audit.model.gauge import Fails, Gauge, Unit
from checks.base import Check, CheckResult, Family, RunContext, Severity

# Tables whose rows belong to a deal, and the timestamp that dates a row.
LINKED = {"activities": "at", "stage_history": "changed_at"}


class OrphanRecords(Check):
    """Activities and stage-history rows that point to a deal missing from the deals export."""

    code = "HY06"
    name = "orphan-records"
    title_ru = "Записи без сделки"
    family = Family.HYGIENE
    severity = Severity.MEDIUM
    gauge = Gauge("share of rows that link to no exported deal",
                  "доля строк без выгруженной сделки", Unit.SHARE, Fails.ABOVE)
    evidence_keys = ("activities", "stage_changes", "first_at", "last_at")
    needs = {"deals": ("deal_id",)}
    rationale = ("Calls and stage changes of a deal that is not in the export are work the audit cannot "
                 "credit to anyone: usually the deals export was filtered (by date, pipeline or owner) "
                 "or deleted deals left their history behind, and every per-deal figure is off.")
    rationale_ru = ("Звонки и смены этапов сделки, которой нет в выгрузке, нельзя никому засчитать: "
                    "обычно выгрузку сделок отфильтровали (по дате, воронке или ответственному) или "
                    "удалённые сделки оставили историю, и все показатели по сделкам смещены.")
    fix = ("Export deals with the same period and filters as activities and stage history; if deals were "
           "deleted, decide whether their history should go too.")
    fix_ru = ("Выгружайте сделки за тот же период и с теми же фильтрами, что дела и историю этапов; если "
              "сделки удалены — решите, удалять ли их историю.")
    todo = "Export these deals with the same filters"
    todo_ru = "Выгрузите эти сделки с теми же фильтрами"
    dated_by = ("last_at",)

    def run(self, crm: CrmData, ctx: RunContext) -> CheckResult:
        tables = [t for t in LINKED if crm.table(t) is not None and t in crm.provided]
        if not tables:
            return self.skip("activities and stage history not provided: nothing refers to deals",
                             "активности и история этапов не выгружены: на сделки ничего не ссылается", ran=False)
        per_table, checked = [], 0
        tables_ru = " и ".join(ru.TABLE_GEN[t] for t in tables)
        names = " and ".join(ru.TABLE_EN[t] for t in tables)
        for table in tables:
            frame = crm.table(table)
            ids = frame["deal_id"]
            named = ids.notna().to_numpy()
            checked += int(named.sum())
            # The deal row of each row, shared with the activity checks (-1: not in deals). Rows
            # with no deal_id at all (a call logged on a contact) are not orphans: they name no deal.
            found = ctx.derived.link_positions(table)
            orphan = frame[named & (found < 0)]
            if orphan.empty:
                continue
            at = LINKED[table]
            agg = orphan.groupby("deal_id", sort=False).agg(
                n=("deal_id", "size"), first_at=(at, "min"), last_at=(at, "max"))
            if table == "activities":
                agg["owner"] = (orphan.dropna(subset=["owner"]).drop_duplicates("deal_id").set_index("deal_id")["owner"]
                                .astype("str"))  # text, not the activities' labels, in the findings
            per_table.append(agg.add_prefix(f"{table}_"))
        if not checked:
            rows = sum(len(crm.table(t)) for t in tables)
            return self.skip(f"none of the {ru.num(rows)} rows of {names} names a deal: no link to judge "
                             "(the input warnings count them)",
                             f"ни одна из {ru.num(rows, 'ru')} строк {tables_ru} не называет сделку: проверять нечего "
                             "(их число — в предупреждениях о входных данных)")
        if not per_table:
            return self.result(metric=0.0, threshold=0.0, judged=checked,
                               message=f"all {ru.num(checked)} rows of {names} belong to exported deals",
                               message_ru=f"все строки {tables_ru} ({ru.num(checked, 'ru')}) относятся к "
                                          "выгруженным сделкам")
        orphans = pd.concat(per_table, axis=1)
        orphan_rows = int(sum(orphans[c].fillna(0).sum() for c in orphans.columns if c.endswith("_n")))
        if orphan_rows == checked:
            # Nothing links at all: two id schemes (or a deals export without ids) are likelier than
            # every deal deleted, and a finding per "missing" deal would accuse on a misread.
            return self.skip(
                f"none of the {ru.num(checked)} rows of {names} that name a deal links to an exported "
                "deal: the exports likely use different deal ids (the input warnings say more), so missing "
                "deals cannot be told from a misread",
                f"ни одна из {ru.num(checked, 'ru')} строк {tables_ru}, называющих сделку, не связана с выгруженной сделкой: "
                "похоже, в выгрузках разные ID сделок (подробнее — в предупреждениях о входных данных), и "
                "отсутствующие сделки нельзя отличить от ошибки чтения", judged=0)
        n_act, n_hist = (orphans[f"{t}_n"].fillna(0).astype(int) if f"{t}_n" in orphans
                         else pd.Series(0, index=orphans.index) for t in LINKED)
        first = pd.concat([orphans[c] for c in orphans.columns if c.endswith("_first_at")], axis=1).min(axis=1)
        last = pd.concat([orphans[c] for c in orphans.columns if c.endswith("_last_at")], axis=1).max(axis=1)
        what = (_count(n_act, "activity", "activities") + _and(n_act, n_hist)
                + _count(n_hist, "stage change", "stage changes"))
        message = "deal is not in the deals export but has " + what
        what_ru = (ru.counts(n_act, "активность", "активности", "активностей").where(n_act > 0, "")
                   + pd.Series(" и ", index=n_act.index).where((n_act > 0) & (n_hist > 0), "")
                   + ru.counts(n_hist, "смена этапа", "смены этапа", "смен этапа").where(n_hist > 0, ""))
        message_ru = "Сделки нет в выгрузке, но по ней есть " + what_ru
        owner = orphans.get("activities_owner")
        findings = self.findings(
            orphans, entity_type="deal", entity_id=orphans.index.to_series(), message=message, message_ru=message_ru,
            owner=owner, pipeline=None, stage=None,
            evidence={"activities": n_act, "stage_changes": n_hist, "first_at": first, "last_at": last})
        message = (f"{ru.num(orphan_rows)} of {ru.num(checked)} rows of {names} point to "
                   f"{ru.num(len(orphans))} deals missing from the deals export")
        message_ru = (f"строк {tables_ru}, ссылающихся на сделки, которых нет в выгрузке: {ru.num(orphan_rows, 'ru')} из "
                      f"{ru.num(checked, 'ru')} (таких сделок: {ru.num(len(orphans), 'ru')})")
        return self.result(
            findings=findings, metric=round(orphan_rows / checked, 4), threshold=0.0,
            affected=orphan_rows, message=message, message_ru=message_ru, judged=checked,
        )


def _count(n: pd.Series, one: str, many: str) -> pd.Series:
    text = n.astype(str) + " " + pd.Series(many, index=n.index).where(n != 1, one)
    return text.where(n > 0, "")


def _and(a: pd.Series, b: pd.Series) -> pd.Series:
    return pd.Series(" and ", index=a.index).where((a > 0) & (b > 0), "")
