"""HY02 duplicate-ids."""

from __future__ import annotations

import pandas as pd

from audit.model import CrmData
from audit.model import text as ru
from audit.model.gauge import Fails, Gauge, Unit
from checks.base import CheckResult, Family, RunContext, Severity, empty_findings
from checks.hygiene._common import (
    GxCheck,
    failing,
    not_checked,
    not_checked_ru,
    share,
    shared_validation,
    source_rows,
)
from checks.hygiene.rules import ID_COLUMNS

ENTITY = {"deals": "deal", "activities": "activity", "leads": "lead"}
MAX_ROWS_IN_EVIDENCE = 20


class DuplicateIds(GxCheck):
    """Ids used by more than one deal, activity or lead."""

    code = "HY02"
    name = "duplicate-ids"
    title_ru = "Повторяющиеся идентификаторы"
    family = Family.HYGIENE
    severity = Severity.HIGH
    gauge = Gauge("share of records with a repeated id", "доля записей с повторяющимся id", Unit.SHARE, Fails.ABOVE)
    evidence_keys = ("rows", "source_rows")
    needs = {"deals": ("deal_id",)}
    rationale = ("An id is how every other table finds its record: two deals under one id get their "
                 "activities and stage history mixed, and every count built on them is double or wrong.")
    rationale_ru = ("По идентификатору остальные таблицы находят запись: у двух сделок с одним id "
                    "перемешиваются дела и история этапов, и любые подсчёты по ним удваиваются или врут.")
    fix = ("Re-export with the CRM's own id column (not a row number or a name); if the CRM itself holds "
           "duplicates, merge the listed records.")
    fix_ru = ("Выгрузите данные заново с системным ID записи (не номером строки и не названием); если "
              "дубли есть в самой CRM — объедините перечисленные записи.")
    todo = "Merge the records that share this id"
    todo_ru = "Объедините записи с одинаковым ID"
    dated_by = ("deal.created_at",)

    def run(self, crm: CrmData, ctx: RunContext) -> CheckResult:
        records = sum(len(crm.table(t)) for t in ID_COLUMNS if crm.table(t) is not None and t in crm.provided)
        if not records:
            return self.skip("no deal, activity or lead row to judge: every export read is empty",
                             "нет ни одной строки сделок, активностей или лидов: все прочитанные выгрузки пусты")
        validation = shared_validation(ctx)
        hits = failing(validation.for_check(self.code))
        parts, summary, summary_ru = [], [], []
        for table, id_col in ID_COLUMNS.items():
            positions = hits.get(f"{id_col}-duplicate")
            frame = crm.table(table)
            if positions is None:
                continue
            parts.append(self._per_id(frame, table, id_col, positions))
            n_values, n_rows = parts[-1].shape[0], len(positions)
            summary.append(f"{ru.en_count(n_values, ru.column_word(id_col), ru.column_word(id_col) + 's')} repeated "
                           f"in {ru.num(n_rows)} rows of the {ru.TABLE_EN[table]} export")
            summary_ru.append(f"{ru.count(n_values, 'значение', 'значения', 'значений')} "
                              f"{ru.column_word(id_col, 'ru')} "
                              f"{ru.plural(n_values, 'повторяется', 'повторяются', 'повторяются')} в "
                              f"{ru.num(n_rows, 'ru')} "
                              f"{ru.plural(n_rows, 'строке', 'строках', 'строках')} выгрузки {ru.TABLE_GEN[table]}")
        findings = pd.concat(parts, ignore_index=True) if parts else empty_findings()
        affected = sum(len(p) for p in hits.values())
        message = ("; ".join(summary) if summary else "no repeated ids") + not_checked(validation, self.code)
        message_ru = (("; ".join(summary_ru) if summary_ru else "повторяющихся ID нет")
                      + not_checked_ru(validation, self.code))
        return self.result(findings=findings, metric=share(affected, records), threshold=0.0,
                           message=message, message_ru=message_ru, affected=affected, judged=records)

    def _per_id(self, frame: pd.DataFrame, table: str, id_col: str, positions) -> pd.DataFrame:
        """One finding per repeated id value, naming it and how many rows share it."""
        dup = frame.iloc[positions]
        first = dup.drop_duplicates(id_col).set_index(id_col, drop=False)
        counts = dup[id_col].value_counts(sort=False).reindex(first.index)
        evidence = {"rows": counts}
        rows = source_rows(frame)
        if rows is not None:
            evidence["source_rows"] = rows.iloc[positions].groupby(dup[id_col].to_numpy()).agg(
                lambda s: s.head(MAX_ROWS_IN_EVIDENCE).tolist())
        message = (f"{ru.column_word(id_col)} " + first.index.to_series().astype(str) + " is shared by "
                   + ru.nums(counts) + f" rows of the {ru.TABLE_EN[table]} export")
        message_ru = (f"{ru.column_word(id_col, 'ru')} " + first.index.to_series().astype(str) + " встречается в "
                      + ru.counts(counts, "строке", "строках", "строках") + f" выгрузки {ru.TABLE_GEN[table]}")
        return self.findings(first, entity_type=ENTITY[table], message=message, message_ru=message_ru,
                             evidence=evidence)
