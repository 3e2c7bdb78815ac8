"""Every label the human-facing reports print, in English and Russian.

The workbook, the console summary and the Markdown summary take their words from here,
so `--lang ru` changes every sheet name, header and caption at once, and a test checks
that no label lacks a translation. Check titles, rationales and fixes come from the
catalogue (`CheckInfo.text`); finding and check messages are written by the checks.
"""

from __future__ import annotations

from typing import Any, Mapping

from reports.i18n_pages import PAGE_LABELS

LANGS = ("en", "ru")

# key -> (English, Russian)
_LABELS: Mapping[str, tuple[str, str]] = {
    # -- sheet names (Excel allows 31 characters) --------------------------------------
    "sheet.guide": ("How to read", "Как читать"),
    "sheet.summary": ("Summary", "Сводка"),
    "sheet.findings": ("Findings", "Замечания"),
    "sheet.managers": ("Managers", "Менеджеры"),
    "sheet.funnel": ("Funnel", "Воронка по этапам"),
    "sheet.stages": ("Stages and pipelines", "Этапы и воронки"),
    "sheet.checks": ("Checks", "Проверки"),
    "sheet.data": ("Data", "Данные"),

    # -- severities, statuses, families, entity types ---------------------------------
    "severity.high": ("high", "высокая"),
    "severity.medium": ("medium", "средняя"),
    "severity.low": ("low", "низкая"),
    "severity.info": ("info", "инфо"),
    "status.pass": ("pass", "пройдена"),
    "status.fail": ("fail", "не пройдена"),
    "status.skipped": ("skipped", "пропущена"),
    "status.error": ("error", "ошибка"),
    "family.sterile": ("Sterile data", "Стерильные данные"),
    "family.stages": ("Stages and pipelines", "Этапы и воронки"),
    "family.activity": ("Work outside the CRM", "Работа вне CRM"),
    "family.funnel": ("Manager funnel", "Воронка менеджеров"),
    "family.hygiene": ("Data hygiene", "Качество данных"),
    "entity.deal": ("deal", "сделка"),
    "entity.activity": ("activity", "активность"),
    "entity.lead": ("lead", "лид"),
    "entity.owner": ("manager", "менеджер"),
    "entity.pipeline": ("pipeline", "воронка"),
    "entity.stage": ("stage", "этап"),
    "entity.dataset": ("whole dataset", "все данные"),
    "kind.open": ("open", "открытый"),
    "kind.won": ("won", "успех"),
    "kind.lost": ("lost", "проигрыш"),
    "deal.open": ("open", "открыта"),
    "deal.won": ("won", "выиграна"),
    "deal.lost": ("lost", "проиграна"),
    "yes": ("yes", "да"),
    "no": ("no", "нет"),
    "team": ("Team", "Команда"),
    "no_owner": ("(no owner)", "(без менеджера)"),
    "no_pipeline": ("(no pipeline)", "(без воронки)"),
    "table.deals": ("deals", "сделки"),
    "table.stage_history": ("stage history", "история этапов"),
    "table.activities": ("activities", "активности"),
    "table.leads": ("leads", "лиды"),
    "table.users": ("users", "пользователи"),
    "table.pipelines": ("pipelines", "воронки"),
    "table.calls": ("call log", "журнал звонков"),
    "table.contact_points": ("contacts' phones and e-mails", "телефоны и e-mail контактов"),

    # -- findings --------------------------------------------------------------------
    "findings.caption": ("A to-do list: {rows} rows for {n} findings, one row per deal per check, most severe "
                         "first. Filter by manager, set the status as you go; the JSON report holds every finding.",
                         "Список дел: {rows} строк по {n} замечаниям, одна строка на сделку и проверку, сначала "
                         "самые серьёзные. Фильтруйте по менеджеру и отмечайте статус; все замечания есть в "
                         "JSON-отчёте."),
    "findings.capped": ("Showing {shown} of {total} rows: {left} left out (the least severe, "
                        "each check keeps its share). The JSON report holds every finding.",
                        "Показано {shown} из {total} строк, {left} не вошли (наименее серьёзные, "
                        "каждая проверка сохраняет свою долю). Все замечания есть в JSON-отчёте."),
    "findings.none": ("Nothing to do: no finding.", "Дел нет: замечаний нет."),
    "todo.open": ("to do", "сделать"),
    "todo.fixed": ("fixed", "исправлено"),
    "todo.not_a_problem": ("not a problem", "не проблема"),
    "col.deal": ("Deal", "Сделка"),
    "col.deal_id": ("Deal ID", "ID сделки"),
    "col.company": ("Company", "Компания"),
    "col.date": ("Date", "Дата"),
    "col.found": ("What we found", "Что обнаружено"),
    "col.todo": ("What to do", "Что сделать"),
    "col.todo_status": ("Status", "Статус"),
    "col.comment": ("Comment", "Комментарий"),
    "print.as_of": ("Data as of {as_of}", "Данные на {as_of}"),
    "print.page": ("Page {page} of {pages}", "Стр. {page} из {pages}"),
    "findings.links_capped": ("Links to the CRM on the first {n} deals only (Excel's limit per sheet).",
                              "Ссылки в CRM только у первых {n} сделок (ограничение Excel на лист)."),
    "col.code": ("Code", "Код"),
    "col.severity": ("Severity", "Важность"),
    "col.check": ("Check", "Проверка"),
    "col.entity_type": ("Entity", "Объект"),
    "col.entity_id": ("ID", "ID"),
    "col.title": ("Deal", "Сделка"),
    "col.owner": ("Manager", "Менеджер"),
    "col.pipeline": ("Pipeline", "Воронка"),
    "col.stage": ("Stage", "Этап"),
    "col.amount": ("Amount", "Сумма"),
    "col.message": ("Finding", "Замечание"),
    "col.evidence": ("Evidence", "Основание"),

    # -- managers --------------------------------------------------------------------
    "managers.caption": ("One row per manager, the team beneath. Trust scores in absolute bands (below 60 red, "
                         "60-80 amber, 80 and above green); \"Checks\" lists the checks that found something of his.",
                         "Строка на менеджера, ниже — команда. Индекс доверия в абсолютных границах (ниже 60 — "
                         "красный, 60-80 — жёлтый, от 80 — зелёный); «Проверки» — проверки с замечаниями по нему."),
    "managers.chart": ("Deals by outcome per manager", "Сделки по исходам у менеджеров"),
    "managers.chart_top": ("Deals by outcome, top {n} managers by deals",
                           "Сделки по исходам, {n} менеджеров с наибольшим числом сделок"),
    "managers.none": ("No deals with managers in the data.", "В данных нет сделок с менеджерами."),
    "col.deals": ("Deals", "Сделки"),
    "col.open": ("Open", "Открытые"),
    "col.won": ("Won", "Успешные"),
    "col.lost": ("Lost", "Проигранные"),
    "col.win_rate": ("Win rate", "Доля успешных"),
    "col.activities": ("Activities", "Активности"),
    "col.activities_per_deal": ("Activities per deal", "Активностей на сделку"),
    "col.median_cycle_days": ("Median cycle, days", "Медиана цикла, дн."),
    "col.talk_in_crm_share": ("Client talk time in CRM, %", "Разговоры с клиентами в CRM, %"),
    "col.numbers_outside_crm": ("Numbers outside CRM", "Номера вне CRM"),
    "summary.off_system": ("Most client talk off the CRM: {owner} - {share} of the talk with deals' contacts left no "
                           "trace in the CRM (OF07)",
                           "Больше всех разговаривает мимо CRM: {owner} — {share} разговоров с контактами сделок не "
                           "оставили следа в CRM (OF07)"),
    "col.findings": ("Findings", "Замечания"),
    "col.checks": ("Checks", "Проверки"),
    "col.won_amount": ("Won amount", "Сумма успешных"),
    "col.open_amount": ("Open pipeline", "Сумма открытых"),
    "col.impossible_deals": ("Deals with impossible dates or amounts", "Сделки с невозможными датами или суммами"),
    "col.score": ("Trust score", "Индекс доверия"),
    "col.score_delta": ("Score change", "Изменение индекса"),
    "col.findings_family": ("Findings: {family}", "Замечания: {family}"),

    # -- funnel ----------------------------------------------------------------------
    "funnel.caption": ("Conversion to the next stage, per pipeline: stages down, managers across. "
                       "Compare each manager with the Team column to see strong and weak stages.",
                       "Конверсия в следующий этап по воронкам: этапы по строкам, менеджеры по "
                       "столбцам. Сравните менеджера со столбцом «Команда», чтобы увидеть сильные "
                       "и слабые этапы."),
    "funnel.small": ("Grey: fewer than {n} deals at the stage.", "Серым: меньше {n} сделок на этапе."),
    "funnel.pipeline": ("Pipeline: {name}", "Воронка: {name}"),
    "funnel.chart": ("Team conversion to the next stage", "Конверсия команды в следующий этап"),
    "funnel.marked": ("A red header marks a manager flagged by a check about managers, with its code (ST02: never "
                      "loses, so his conversion looks better than his work; OF03, OF05: logs little; FN01: "
                      "converts far below the team).",
                      "Красный заголовок — менеджер, отмеченный проверкой менеджеров, с её кодом (ST02: не "
                      "проигрывает, поэтому его конверсия выглядит лучше, чем работа; OF03, OF05: мало фиксирует "
                      "контакты; FN01: конверсия намного ниже команды)."),
    "funnel.none": ("No stage history: conversion by stage needs the history of stage changes.",
                    "Нет истории этапов: для конверсии по этапам нужна история смены этапов."),
    "col.entered": ("Entered", "Вошло"),
    "col.advanced": ("Advanced", "Перешло дальше"),
    "col.conversion": ("Conversion", "Конверсия"),
    "col.median_dwell_days": ("Median dwell, days", "Медиана на этапе, дн."),
    "col.team_entered": ("Team: deals entered", "Команда: вошло сделок"),

    # -- stages and pipelines ---------------------------------------------------------
    "stages.stages": ("Stages", "Этапы"),
    "stages.pipelines": ("Pipelines", "Воронки"),
    "stages.caption": ("Every stage with its verdict: a stage should name a result, not a state.",
                       "Каждый этап с оценкой: этап должен называть результат, а не состояние."),
    "stages.none": ("No stages in the data.", "В данных нет этапов."),
    "col.order": ("Order", "Порядок"),
    "col.kind": ("Kind", "Тип"),
    "col.declared": ("Order declared", "Порядок задан"),
    "col.deals_now": ("Deals there now", "Сделок сейчас"),
    "col.open_now": ("Open deals there now", "Открытых сделок сейчас"),
    "col.amount_now": ("Open amount there now", "Сумма открытых сейчас"),
    "col.verdict": ("Verdict", "Оценка"),
    "col.verdicts": ("Verdicts", "Оценки"),
    "col.vague": ("Vague name", "Размытое название"),
    "col.hub": ("Objection hub", "Этап-«возражения»"),
    "col.dead": ("Dead", "Мёртвый"),
    "col.result_named": ("Names a result", "Называет результат"),
    "col.entered_from": ("Entered from stages", "Входов из этапов"),
    "col.parked_now": ("Open deals parked here", "Открытых сделок застряло"),
    "col.rotting_now": ("Rotting here now", "Зависших сейчас"),
    "col.stays": ("Stays recorded", "Пребываний в истории"),
    "col.resolved": ("Resolved", "Решено"),
    "col.back_share": ("Exits going back", "Доля возвратов"),
    "col.owners": ("Managers", "Менеджеры"),
    "col.owner_names": ("Managers", "Менеджеры"),
    "col.owners_count": ("Number of managers", "Число менеджеров"),
    "col.stages": ("Stages", "Этапов"),
    "col.twin": ("Near-duplicate of", "Почти копия воронки"),
    "col.similarity": ("Similarity", "Сходство"),
    "col.personal": ("Personal", "Личная"),
    "col.main_owner": ("Main manager", "Основной менеджер"),
    "col.main_owner_share": ("Main manager's share", "Доля основного менеджера"),
    "col.won_lost": ("Won / lost", "Успех / проигрыш"),
    "verdict.result_named": ("names a result", "называет результат"),
    "verdict.result-named": ("names a result", "называет результат"),
    "verdict.ok": ("names a result", "называет результат"),
    "verdict.vague": ("vague name", "размытое название"),
    "verdict.hub": ("objection hub", "этап-«возражения»"),
    "verdict.dead": ("dead", "мёртвый"),
    "verdict.final": ("final", "финальный"),
    "verdict.parked": ("deals parked", "сделки застряли"),

    # -- checks ----------------------------------------------------------------------
    "checks.caption": ("The whole catalogue as run: status, the measured value against its threshold, "
                       "why it matters and how to fix it.",
                       "Весь каталог проверок: статус, измеренное значение и порог, почему это "
                       "важно и как исправить."),
    "col.family": ("Family", "Группа"),
    "col.status": ("Status", "Статус"),
    "col.metric": ("Measured", "Значение"),
    "col.threshold": ("Threshold", "Порог"),
    "col.reading": ("Measured against threshold", "Значение и порог"),
    "col.affected": ("Affected", "Затронуто"),
    "col.previous_affected": ("Affected last run", "Было в прошлый раз"),
    "col.result": ("Result", "Результат"),
    "col.rationale": ("Why it matters", "Почему это важно"),
    "col.fix": ("How to fix", "Как исправить"),
    "col.skipped_reason": ("Not judged because", "Не оценена, потому что"),
    "col.judged": ("Judged", "Оценено"),
    "col.warning": ("Warning", "Предупреждение"),

    # -- data ------------------------------------------------------------------------
    "data.inputs": ("Input files", "Входные файлы"),
    "data.crm": ("CRM (recognised from the files' headers): {crm}", "CRM (определена по заголовкам файлов): {crm}"),
    "data.none": ("No input files recorded.", "Входные файлы не записаны."),
    "data.skipped": ("Skipped checks: what is missing, and what to export to enable them",
                     "Пропущенные проверки: чего не хватает и что выгрузить, чтобы их включить"),
    "data.warnings": ("Input warnings: the export may be misread or incomplete",
                      "Предупреждения о входных данных: выгрузка могла быть прочитана неверно или неполна"),
    "summary.warnings": ("Input warnings", "Предупреждения о входных данных"),
    "data.skipped_none": ("No check was skipped.", "Пропущенных проверок нет."),
    "data.parse": ("Values that could not be read", "Значения, которые не удалось прочитать"),
    "data.parse_none": ("Every value was read.", "Все значения прочитаны."),
    "data.parse_capped": ("Showing {shown} of {total} unreadable values; the JSON report holds all.",
                          "Показано {shown} из {total} непрочитанных значений; все они есть в JSON-отчёте."),
    "col.file": ("File", "Файл"),
    "col.sheet": ("Sheet", "Лист"),
    "col.table": ("Table", "Таблица"),
    "col.crm": ("CRM", "CRM"),
    "col.encoding": ("Encoding", "Кодировка"),
    "col.delimiter": ("Delimiter", "Разделитель"),
    "col.header_row": ("Header row", "Строка заголовка"),
    "col.rows": ("Rows", "Строк"),
    "col.mapping": ("Column mapping", "Сопоставление столбцов"),
    "col.unmapped": ("Unmapped headers", "Несопоставленные столбцы"),
    "col.parse_failures": ("Unreadable values", "Непрочитанные значения"),
    "col.note": ("Note", "Примечание"),
    "col.row": ("Row", "Строка"),
    "col.column": ("Column", "Столбец"),
    "col.source_column": ("Column in the export", "Столбец в выгрузке"),
    "col.raw": ("Value as exported", "Значение в выгрузке"),
    "col.count": ("Count", "Количество"),
    "col.examples": ("Examples", "Примеры"),

    # -- console and Markdown -------------------------------------------------------
    "console.header": ("crm-audit · data as of {as_of} · CRM: {crm}",
                       "crm-audit · данные на {as_of} · CRM: {crm}"),
    "console.score": ("Trust score", "Индекс доверия"),
    "console.checks": ("Checks", "Проверки"),
    "console.findings": ("Findings", "Замечания"),
    "console.failed": ("Failed checks", "Непройденные проверки"),
    "console.none_failed": ("No check failed.", "Все проверки пройдены."),
    "console.more": ("… and {n} more (see the reports)", "… и ещё {n} (см. отчёты)"),
    "console.errors": ("Checks that could not run", "Проверки, завершившиеся ошибкой"),
    "console.skipped": ("Skipped (nothing or too little to judge): {codes}",
                        "Пропущены (оценивать нечего или слишком мало данных): {codes}"),
    "console.warnings": ("Input warnings (the export may be misread or incomplete)",
                         "Предупреждения о входных данных (выгрузка могла быть прочитана неверно или неполна)"),
    "coverage.based_on": ("based on {judged} of {catalogue} {checks_word}", "по {judged} из {catalogue} {checks_word}"),
    "coverage.not_judged": ("not judged: {families}", "не оценены: {families}"),
    "coverage.not_scored": ("no check could judge this export ({judged} of {catalogue} checks)",
                            "ни одна проверка не смогла оценить выгрузку ({judged} из {catalogue})"),
    "coverage.no_score": ("not scored", "без оценки"),
    "coverage.family_not_judged": ("not judged", "не оценено"),
    "console.reports": ("Reports", "Отчёты"),
    "console.exit": ("Exit 1: {n} failed check(s) at or above '{level}'",
                     "Код выхода 1: не пройдено проверок уровня «{level}» и выше: {n}"),
    # One line for cron mail; scripts match it, so its wording is stable (and English by default).
    "console.quiet": ("crm-audit: {n} check(s) at or above {level} failed: {codes} (score {score})",
                      "crm-audit: не пройдено проверок уровня {level} и выше: {n}: {codes} "
                      "(индекс доверия {score})"),
    "md.title": ("CRM audit: data as of {as_of}", "Аудит CRM: данные на {as_of}"),
    "md.crm": ("CRM: {crm}", "CRM: {crm}"),
    "md.score": ("Trust score: **{score} / 100**", "Индекс доверия: **{score} из 100**"),
    "md.checks": ("Checks: {passed} passed, {failed} failed, {skipped} skipped",
                  "Проверки: пройдено {passed}, не пройдено {failed}, пропущено {skipped}"),
    "md.errors": (", {n} could not run", ", с ошибкой {n}"),
    "md.findings": ("Findings: {counts}", "Замечания: {counts}"),
    "md.top": ("Top problems", "Главные проблемы"),
    "md.managers": ("Managers, worst first", "Менеджеры, начиная с худшего"),
    "md.more_managers": ("… and {n} more: every manager is in the Excel and JSON reports.",
                         "… и ещё {n}: все менеджеры — в Excel- и JSON-отчётах."),
    "md.skipped": ("Not judged, and what to export for them:", "Не оценены, и что выгрузить для них:"),
    "md.warnings": ("Input warnings", "Предупреждения о входных данных"),
    "md.not_scored": ("Trust score: **not scored**", "Индекс доверия: **без оценки**"),
    "md.footer": ("Every finding, deal by deal, is in the Excel and JSON reports.",
                  "Все замечания по каждой сделке — в Excel- и JSON-отчётах."),
}


# The workbook's two pages of prose (Summary, How to read) keep their words in a module of their own.
LABELS: Mapping[str, tuple[str, str]] = {**_LABELS, **PAGE_LABELS}


def t(key: str, lang: str = "en", **values: Any) -> str:
    """The label `key` in `lang` (English when the language is unknown), formatted with `values`."""
    en, ru = LABELS[key]
    text = ru if lang == "ru" else en
    return text.format(**values) if values else text


def has(key: str) -> bool:
    return key in LABELS


def maybe(key: str, lang: str, default: str) -> str:
    """The label when one exists, else `default` (for values the audit may add later)."""
    return t(key, lang) if key in LABELS else default


def severity(label: str, lang: str) -> str:
    return maybe(f"severity.{label}", lang, str(label))


def status(label: str, lang: str) -> str:
    return maybe(f"status.{label}", lang, str(label))


def family(label: str, lang: str) -> str:
    return maybe(f"family.{label}", lang, str(label))


def entity(label: str, lang: str) -> str:
    return maybe(f"entity.{label}", lang, str(label))


def table(name: Any, lang: str) -> str:
    """A canonical table's name for people ('stage_history' -> 'история этапов')."""
    if not name:
        return "—"
    # One file may feed several tables ("stage_history+activities").
    return " + ".join(maybe(f"table.{part}", lang, part) for part in str(name).split("+"))


# The audit's labels for missing owners and pipelines, shown in the report language.
SENTINELS = {"(no owner)": "no_owner", "(no pipeline)": "no_pipeline"}


def sentinel(value: Any, lang: str) -> Any:
    key = SENTINELS.get(value) if isinstance(value, str) else None
    return t(key, lang) if key else value


def column(name: str, lang: str) -> str:
    """Header for a table column: a known label, else the column name made readable
    (tables gain columns as the audit grows; a new one still gets a sensible header)."""
    if f"col.{name}" in LABELS:
        return t(f"col.{name}", lang)
    if name.startswith("findings_"):
        return t("col.findings_family", lang, family=family(name[len("findings_"):], lang))
    return name.replace("_", " ").capitalize()


def check_title(code: str, name: str, catalogue: Mapping[str, Any], lang: str) -> str:
    """A check's readable title: the Russian title, or the kebab name as words."""
    info = catalogue.get(code)
    if lang == "ru" and info is not None and getattr(info, "title_ru", None):
        return info.title_ru
    text = (info.name if info is not None else name) or code
    # "clients-outside-crm" reads "Clients outside CRM".
    return text.replace("-", " ").capitalize().replace(" crm", " CRM")
