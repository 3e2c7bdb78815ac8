"""The words of the workbook's two pages of prose, the director's Summary and How to read, in
English and Russian (`reports.i18n` merges them into its LABELS; `t()` reads them all)."""

from __future__ import annotations

from typing import Mapping

# key -> (English, Russian)
PAGE_LABELS: Mapping[str, tuple[str, str]] = {
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
    "summary.unjudged": ("Whole families of checks could not judge this export (beside the score): the score speaks "
                         "for the rest only.",
                         "Целые группы проверок не смогли оценить выгрузку (рядом с индексом): индекс говорит только "
                         "об остальном."),
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
}
