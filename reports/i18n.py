"""Every label the human-facing reports print, in English and Russian.

The workbook, the console summary and the Markdown summary take their words from here,
so `--lang ru` changes every sheet name, header and caption at once, and a test checks
that no label lacks a translation. Check titles, rationales and fixes come from the
catalogue (`CheckInfo.text`); finding and check messages are written by the checks.
"""

from __future__ import annotations

from typing import Any, Mapping

LANGS = ("en", "ru")

# key -> (English, Russian)
LABELS: Mapping[str, tuple[str, str]] = {
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

    # -- summary ---------------------------------------------------------------------
    "summary.title": ("CRM audit", "Аудит CRM"),
    "summary.subtitle": ("Data as of {as_of} · CRM: {crm} · {deals} · crm-audit {version}",
                         "Данные на {as_of} · CRM: {crm} · {deals} · crm-audit {version}"),
    "summary.owner_title": ("CRM audit: {owner}", "Аудит CRM: {owner}"),
    "sheet.owner": ("My summary", "Моя сводка"),
    "owner.score": ("My trust score", "Мой индекс доверия"),
    "owner.team_score": ("the team's: {score}", "у команды: {score}"),
    "owner.figures": ("My figures against the team's", "Мои показатели и показатели команды"),
    "owner.me": ("Me", "Я"),
    "owner.checks": ("What the audit found in my deals", "Что аудит нашёл в моих сделках"),
    "owner.rows": ("Rows", "Строк"),
    "owner.funnel": ("My conversion to the next stage against the team's", "Моя конверсия в следующий этап и конверсия команды"),
    "owner.next": ("The rows to work through are on the {sheet} sheet: set the status as you go.",
                   "Строки для разбора — на листе «{sheet}»: отмечайте статус по ходу работы."),
    "owner.nothing": ("The audit found nothing in my deals.", "Аудит не нашёл замечаний по моим сделкам."),
    "summary.band.green": ("the CRM holds most of the sales story", "CRM отражает почти всю историю продаж"),
    "summary.band.amber": ("the CRM holds much of the sales story, with gaps",
                           "CRM отражает историю продаж с заметными пробелами"),
    "summary.band.red": ("the CRM misses a large part of the sales story",
                         "CRM упускает значительную часть истории продаж"),
    "summary.sentence": ("{score} of 100: {band}.", "{score} из 100: {band}."),
    "summary.gaps": ("The biggest gaps: {gaps}.", "Главные пробелы: {gaps}."),
    "summary.no_gaps": ("No check that judged this export failed.",
                        "Ни одна проверка, оценившая выгрузку, не провалена."),
    "summary.below_all": ("Why the overall score is below every manager's: it also carries what is no one manager's "
                          "(pipelines, stage names, data), and each failed check costs it at least a quarter of its weight.",
                          "Почему общий индекс ниже, чем у любого менеджера: в нём и то, что ничьё в отдельности (воронки, "
                          "этапы, данные), и каждая проваленная проверка стоит не меньше четверти своего веса."),
    "summary.bands": ("Scores everywhere: below 60 red, 60 to 80 amber, 80 and above green.",
                      "Индексы везде: ниже 60 — красный, от 60 до 80 — жёлтый, от 80 — зелёный."),
    "summary.managers": ("Managers, worst first", "Менеджеры, начиная с худшего"),
    "summary.pipelines": ("Pipelines, worst first", "Воронки, начиная с худшей"),
    "summary.costs_most": ("Costs most", "Больше всего снижает"),
    "summary.nothing_found": ("nothing found", "замечаний нет"),
    "summary.of_his": ("{check}: {n} of his {deals} {deals_word}", "{check}: {n} из {deals} {deals_word}"),
    "summary.of_its": ("{check}: {n} of its {deals} {deals_word}", "{check}: {n} из {deals} {deals_word}"),
    "summary.more_managers": ("… {n} more on the {sheet} sheet", "… ещё {n} на листе «{sheet}»"),
    "summary.more_pipelines": ("… {n} more on the {sheet} sheet", "… ещё {n} на листе «{sheet}»"),
    "summary.top_rank": ("Ranked by what they cost the score: severity times the deals they touch. "
                         "Click the number of deals for the problem's rows.",
                         "По тому, сколько они отнимают от индекса: важность, умноженная на долю затронутых "
                         "сделок. Нажмите на число сделок, чтобы перейти к строкам проблемы."),
    "summary.reach": ("Reach", "Охват"),
    "summary.worst": ("Most of it", "Больше всего"),
    "summary.worst_owner": ("{name}: {n}", "{name}: {n}"),
    "summary.families": ("By family", "По группам"),
    "summary.judged": ("Checks judged", "Оценено проверок"),
    "summary.family_failed": ("Failed", "Провалено"),
    "summary.not_judged": ("not judged: {reason}", "не оценено: {reason}"),
    "summary.totals": ("Checks and findings", "Проверки и замечания"),
    "summary.more_warnings": ("… {n} more on the {sheet} sheet", "… ещё {n} на листе «{sheet}»"),
    "col.deals_touched": ("Deals touched", "Затронуто сделок"),
    "sev_of.high": ("high", "высокой важности"),
    "sev_of.medium": ("medium", "средней важности"),
    "sev_of.low": ("low", "низкой важности"),
    "sev_of.info": ("info", "для сведения"),
    "summary.trend_text": ("Trend: {points}", "Динамика: {points}"),
    "summary.score": ("Trust score", "Индекс доверия"),
    "summary.score_hint": ("0-100: how far the CRM holds the whole sales story, losses included",
                           "0-100: насколько CRM отражает всю историю продаж, включая проигрыши"),
    "summary.of_100": ("of 100", "из 100"),
    "summary.delta": ("{delta} since the run of {as_of}", "{delta} с прогона {as_of}"),
    "summary.previous.same_data": ("{as_of} on the same data (audited as of another date)",
                                   "{as_of} на тех же данных (аудит на другую дату)"),
    "summary.previous.reexport": ("{as_of} on another export of the same date",
                                  "{as_of} по другой выгрузке с той же датой"),
    "summary.checks": ("Checks", "Проверки"),
    "summary.passed": ("passed", "пройдено"),
    "summary.failed": ("failed", "не пройдено"),
    "summary.skipped": ("skipped", "пропущено"),
    "summary.errors": ("errors", "ошибки"),
    "summary.findings": ("Findings", "Замечания"),
    "summary.top": ("Top problems", "Главные проблемы"),
    "summary.top_none": ("No check failed.", "Все проверки пройдены."),
    "summary.top_more": ("{n} more failed checks on the Checks sheet",
                         "Ещё непройденных проверок на листе «Проверки»: {n}"),
    "summary.by_family": ("Findings by family", "Замечания по группам"),
    "summary.family": ("Family", "Группа"),
    "summary.trend": ("Trust score across runs", "Индекс доверия по прогонам"),
    "summary.run": ("Run (data as of)", "Прогон (данные на)"),
    "summary.inputs": ("Input files", "Входные файлы"),
    "summary.no_inputs": ("(data passed in directly, no files)", "(данные переданы напрямую, без файлов)"),
    "col.rank": ("#", "№"),
    "col.delta": ("Change", "Изменение"),
    "col.what_found": ("What we found", "Что обнаружено"),
    "col.what_to_do": ("What to do", "Что сделать"),

    # -- how to read -----------------------------------------------------------------
    "guide.title": ("How to read this report", "Как читать этот отчёт"),
    "guide.subtitle": ("Data as of {as_of} · CRM: {crm}", "Данные на {as_of} · CRM: {crm}"),
    "guide.sheets": ("What each sheet holds", "Что на каждом листе"),
    "guide.summary": ("The first page for the director: how far the CRM can be trusted, which managers and "
                      "pipelines are the problem, the top problems with what to do.",
                      "Первая страница для руководителя: насколько можно доверять CRM, какие менеджеры и воронки "
                      "проблемные, главные проблемы и что с ними делать."),
    "guide.findings": ("The to-do list: one row per deal per check, with what was found, what to do and a "
                       "status to fill in. Filter it by manager and send it to him.",
                       "Список дел: строка на сделку и проверку — что обнаружено, что сделать, и статус для "
                       "отметки. Отфильтруйте по менеджеру и отправьте ему."),
    "guide.managers": ("One row per manager with the team's row beneath: deals, outcomes, amounts, activity, "
                       "trust score, and the checks that hit him.",
                       "Строка на менеджера и строка команды: сделки, исходы, суммы, активность, индекс доверия "
                       "и проверки, которые его касаются."),
    "guide.funnel": ("Per pipeline, conversion from each stage to the next: the team, then each manager, with a "
                     "chart of the team's funnel.",
                     "По каждой воронке — конверсия из этапа в следующий: команда, затем каждый менеджер, и "
                     "диаграмма воронки команды."),
    "guide.stages": ("Every stage with its verdict (a stage should name a result) and every pipeline with its "
                     "managers and near-duplicates.",
                     "Каждый этап с оценкой (этап должен называть результат) и каждая воронка с менеджерами и "
                     "почти-копиями."),
    "guide.checks": ("The whole catalogue as run: status, the measured value against its threshold, why it "
                     "matters and how to fix it.",
                     "Весь каталог проверок: статус, измеренное значение и порог, почему это важно и как "
                     "исправить."),
    "guide.data": ("The files read and how, the checks that could not judge and what to export for them, the "
                   "values that could not be read, warnings about the export.",
                   "Какие файлы прочитаны и как, какие проверки не смогли оценить данные и что для них выгрузить, "
                   "какие значения не прочитаны, предупреждения о выгрузке."),
    "guide.score_title": ("How the trust score works", "Как считается индекс доверия"),
    "guide.score": ("0-100: how far the CRM holds the whole sales story, losses included. 100 means no check "
                    "that judged the export failed.",
                    "0-100: насколько CRM отражает всю историю продаж, включая проигрыши. 100 — ни одна проверка, "
                    "оценившая выгрузку, не провалена."),
    "guide.score_cost": ("Each failed check takes a share of it: up to 20% for a high severity, 10% for "
                         "medium, 4% for low, more the more deals its findings touch (at least a quarter of "
                         "that overall). Top problems are ranked by this cost.",
                         "Каждая проваленная проверка отнимает долю: до 20\u00a0% при высокой важности, 10\u00a0% при "
                         "средней, 4\u00a0% при низкой — тем больше, чем больше сделок затронуто (в общем индексе — "
                         "не меньше четверти). Главные проблемы упорядочены по этой доле."),
    "guide.score_scope": ("A manager's (pipeline's) score counts only his (its) own deals, so the overall score "
                          "can be below every manager's: it also carries the problems of no one manager.",
                          "Индекс менеджера (воронки) считается только по его (её) сделкам, поэтому общий индекс "
                          "может быть ниже, чем у любого менеджера: в нём есть и проблемы, ничьи в отдельности."),
    "guide.coverage": ("A check that had nothing or too little to judge is skipped, never passed: the score says "
                       "how many checks it rests on, and a family with no judged check shows \"not judged\".",
                       "Проверка, которой нечего или слишком мало оценивать, пропускается, а не считается "
                       "пройденной: рядом с индексом указано, на скольких проверках он основан, а группа без "
                       "оценённых проверок помечена «не оценено»."),
    "guide.colours_title": ("Colours and severities", "Цвета и важность"),
    "guide.green_name": ("80-100", "80-100"),
    "guide.green": ("Green: the data can be trusted.", "Зелёный: данным можно доверять."),
    "guide.amber_name": ("60-80", "60-80"),
    "guide.amber": ("Amber: usable, with gaps worth closing.", "Жёлтый: пользоваться можно, пробелы стоит закрыть."),
    "guide.red_name": ("below 60", "ниже 60"),
    "guide.red": ("Red: much of the sales story is missing.", "Красный: значительная часть истории продаж не видна."),
    "guide.severity_high": ("Hides the sales story: losses, contacts or whole stages are missing.",
                            "Скрывает историю продаж: нет проигрышей, контактов или целых этапов."),
    "guide.severity_medium": ("Blurs it: vague reasons and stages, deals left without a next step.",
                              "Размывает её: расплывчатые причины и этапы, сделки без следующего шага."),
    "guide.severity_low": ("Untidy data worth a clean-up.", "Неаккуратные данные, которые стоит привести в порядок."),
    "guide.todo_title": ("Working through the to-do list", "Как работать со списком дел"),
    "guide.todo": ("Filter the Findings sheet by manager, pipeline or check (the header has filters), work row by "
                   "row, and set the status: \"{open}\", \"{fixed}\" or \"{no}\", with a comment when needed.",
                   "Отфильтруйте лист замечаний по менеджеру, воронке или проверке (фильтры в заголовке), "
                   "разберите строки и отметьте статус: «{open}», «{fixed}» или «{no}», при необходимости с "
                   "комментарием."),

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
    "col.numbers": ("Numbers", "Числа"),

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
