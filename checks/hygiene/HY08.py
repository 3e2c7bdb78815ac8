"""HY08 unparseable-values."""

from __future__ import annotations

import pandas as pd

from audit.model import PARSE_ISSUE_COLUMNS, SCHEMA, CrmData
from audit.model import text as ru
from audit.model.gauge import Fails, Gauge, Unit
from checks.base import Check, CheckResult, Family, RunContext, Severity

# The record a parse issue belongs to, by the table it was read into.
ENTITY = {"deals": "deal", "stage_history": "deal", "activities": "activity", "leads": "lead",
          "users": "owner", "pipelines": "pipeline", "calls": "activity", "contact_points": "deal"}
KIND_TEXT = {"datetime": "a date", "float": "a number", "bool": "yes or no", "text": "text"}
KIND_TEXT_RU = {"datetime": "не дата", "float": "не число", "bool": "не «да/нет»", "text": "не текст"}


class UnparseableValues(Check):
    """Values ingestion could not read (dates, amounts, numbers), with their raw text."""

    code = "HY08"
    name = "unparseable-values"
    title_ru = "Нераспознанные значения"
    family = Family.HYGIENE
    severity = Severity.MEDIUM
    gauge = Gauge("values that could not be read", "значений, которые не удалось прочитать", Unit.COUNT, Fails.ABOVE)
    evidence_keys = ("file", "row", "column", "source_column", "raw", "table")
    needs = {"deals": ()}
    rationale = ("A date or amount the export spells in a way no reader understands (\"31.02.2026\", "
                 "\"1 234,5 руб\", \"вчера\") is lost to every figure of the audit: the deal has no "
                 "creation date or no amount as far as the numbers are concerned.")
    rationale_ru = ("Дата или сумма, записанная так, что её не прочитать («31.02.2026», «1 234,5 руб», "
                    "«вчера»), выпадает из всех расчётов аудита: для цифр у сделки нет ни даты "
                    "создания, ни суммы.")
    fix = ("Make these date and number fields typed fields in the CRM (not free text); correct the listed "
           "values, or map the column's format in crm-audit.toml.")
    fix_ru = ("Сделайте эти поля в CRM полями типа «дата» и «число», а не текстом; исправьте перечисленные "
              "значения или укажите формат колонки в crm-audit.toml.")
    todo = "Correct the value in the CRM"
    todo_ru = "Исправьте значение в CRM"
    dated_by = ("deal.created_at",)

    def run(self, crm: CrmData, ctx: RunContext) -> CheckResult:
        issues = crm.parse_issues
        rows = sum(len(crm.table(t)) for t in ("deals", "stage_history", "activities", "leads", "users")
                   if crm.table(t) is not None)
        if issues is None or issues.empty:
            if not rows:
                return self.skip("no row was read: no value to judge", "не прочитано ни одной строки: проверять нечего")
            return self.result(metric=0, threshold=0, message=f"every value of {ru.num(rows)} rows was read",
                               message_ru=f"все значения прочитаны (строк: {ru.num(rows, 'ru')})", judged=rows)
        issues = issues.reindex(columns=list(PARSE_ISSUE_COLUMNS)).reset_index(drop=True)
        table = issues["table"].astype(object)
        entity_type = table.map(ENTITY).fillna("dataset")
        entity_id = issues["entity_id"].astype(object).where(issues["entity_id"].notna(), None)
        owner = pd.Series(None, index=issues.index, dtype=object)
        pipeline = owner.copy()
        stage = owner.copy()
        # Deal-level context (owner, pipeline, stage) for issues of deals and their history.
        by_deal = crm.deals.dropna(subset=["deal_id"]).drop_duplicates("deal_id").set_index("deal_id")
        is_deal = entity_type.eq("deal") & entity_id.notna()
        if is_deal.any():
            ids = entity_id[is_deal].astype(str)
            for col, target in (("owner", owner), ("pipeline", pipeline), ("stage", stage)):
                target[is_deal] = ids.map(by_deal[col]).astype(object).to_numpy()
        acts = crm.activities
        is_act = entity_type.eq("activity") & entity_id.notna()
        if acts is not None and is_act.any():
            by_act = acts.dropna(subset=["activity_id"]).drop_duplicates("activity_id").set_index("activity_id")
            owner[is_act] = entity_id[is_act].astype(str).map(by_act["owner"]).astype(object).to_numpy()
        kinds = pd.Series({(t, c.name): KIND_TEXT[c.kind] for t, cols in SCHEMA.items() for c in cols})
        keys = pd.MultiIndex.from_arrays([table, issues["column"].astype(object)])
        expected = pd.Series(kinds.reindex(keys).to_numpy(), index=issues.index).fillna("readable")
        source = issues["source_column"].astype(object)
        # The field in words ("close date"), with the export's own header beside it.
        words = issues["column"].map(ru.column_word).astype(str)
        words_ru = issues["column"].map(lambda c: ru.column_word(c, "ru")).astype(str)
        renamed = source.notna() & (source.astype(str) != issues["column"].astype(str))
        column_text = (words + " ('" + source.astype(str) + "')").where(renamed, words)
        file_name = issues["file"].astype(str).str.replace(r"^.*[\\/]", "", regex=True)
        where = file_name + ", row " + ru.nums(issues["row"])
        message = (column_text + " '" + issues["raw"].astype(str) + "' is not " + expected + " (" + where + ")")
        kinds_ru = pd.Series({(t, c.name): KIND_TEXT_RU[c.kind] for t, cols in SCHEMA.items() for c in cols})
        expected_ru = pd.Series(kinds_ru.reindex(keys).to_numpy(), index=issues.index).fillna("не читается")
        column_ru = (words_ru.str.capitalize() + " («" + source.astype(str) + "»)").where(renamed,
                                                                                       words_ru.str.capitalize())
        where_ru = file_name + ", строка " + ru.nums(issues["row"], "ru")
        message_ru = (column_ru + ": «" + issues["raw"].astype(str) + "» — " + expected_ru
                      + " (" + where_ru + ")")
        # Lines the reader could not take as records (wrong number of fields, report totals) have
        # no column: say what they are rather than "None ... is not readable".
        line = issues["column"].isna()
        message = message.where(~line, "line not read as a record (wrong number of fields, or a report total): '"
                                + issues["raw"].astype(str) + "' (" + where + ")")
        message_ru = message_ru.where(~line, "строка не прочитана как запись (не то число полей или строка итогов): «"
                                      + issues["raw"].astype(str) + "» (" + where_ru + ")")
        findings = self.findings(
            issues, entity_type="deal", entity_id=entity_id, message=message, message_ru=message_ru,
            owner=owner, pipeline=pipeline, stage=stage,
            evidence={"file": issues["file"], "row": issues["row"], "column": issues["column"],
                      "source_column": issues["source_column"], "raw": issues["raw"], "table": table})
        findings["entity_type"] = entity_type.to_numpy()
        by_column = issues.groupby(["table", "column"], sort=True).size()
        parts = [f"{ru.column_word(c)} in {ru.TABLE_EN.get(t, t)}: {ru.num(n)}" for (t, c), n in by_column.items()]
        parts_ru = [f"{ru.column_word(c, 'ru')} в выгрузке {ru.TABLE_GEN.get(t, t)}: {ru.num(n, 'ru')}"
                    for (t, c), n in by_column.items()]
        n_lines = int(issues["column"].isna().sum())
        parts_ru += [f"строк, не прочитанных как записи: {ru.num(n_lines, 'ru')}"] if n_lines else []
        parts += [f"lines not read as records: {ru.num(n_lines)}"] if n_lines else []
        return self.result(findings=findings, metric=len(issues), threshold=0,
                           message=f"{ru.en_count(len(issues), 'value', 'values')} could not be read ({', '.join(parts)})",
                           message_ru=f"нераспознанных значений: {ru.num(len(issues), 'ru')} ({', '.join(parts_ru)})",
                           judged=max(rows, len(issues)))
