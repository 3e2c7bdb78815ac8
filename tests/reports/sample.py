"""A realistic AuditResult built by hand, for the report tests and for looking at the workbook.

It does not run the catalogue: the reports are tested against the result types alone, with
every table filled the way the audit fills it, plus the hostile values a CRM can hold
(a deal titled "=HYPERLINK(...)", control characters, e-mails and phones in free text).

    from tests.reports.sample import sample_result
    result = sample_result(findings=200, history=True)
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from audit.model.findings import (
    FAMILY_PREFIX,
    FINDING_COLUMNS,
    CheckInfo,
    CheckResult,
    Family,
    Severity,
    Status,
)
from audit.model import SourceFile
from audit.model.result import AuditResult, Coverage, FamilyGap, Scores
from audit.model.warnings import InputWarning
from checks import BY_CODE

AS_OF = pd.Timestamp("2026-11-20 18:04")
FORMULA_TITLE = '=HYPERLINK("http://evil.example/x","click me")'
OWNERS = ["Иванов Пётр", "Смирнова Анна", "Кузнецов Олег", "Попова Мария", "Волков Дмитрий", "Соколова Ирина"]
PIPELINES = {
    "Опт": ["Первичный контакт", "Квалификация", "КП отправлено", "Возражения", "Договор подписан"],
    "Розница": ["Заявка", "Замер проведён", "Думает", "Счёт выставлен"],
}

# code, name, title_ru, severity, status, affected, metric, threshold, message
CHECKS = [
    ("ST01", "lost-deals-missing", "Нет проигранных сделок", Severity.HIGH, Status.FAIL, 1, 0.04, 0.2,
     "lost share 4 % of 1,240 closed deals (threshold 20 %)"),
    ("ST02", "owner-never-loses", "Менеджер никогда не проигрывает", Severity.HIGH, Status.FAIL, 2, 0.0, 0.0,
     "2 managers lose far less than the team"),
    ("ST03", "lost-without-reason", "Проигранные сделки без причины", Severity.MEDIUM, Status.FAIL, 41, 0.37,
     0.0, "41 of 111 lost deals (37%) have no loss reason"),
    ("ST04", "vague-loss-reason", "Размытые причины отказа", Severity.MEDIUM, Status.PASS, 0, 0.0, 0.5,
     "no vague loss reasons"),
    ("ST05", "entered-late", "Сделки заведены поздно", Severity.MEDIUM, Status.SKIPPED, 0, None, None, ""),
    ("ST06", "won-without-trail", "Успешные сделки без следа", Severity.HIGH, Status.FAIL, 27, 0.12, 0.0,
     "27 of 230 won deals have no logged activity"),
    ("SG01", "vague-stage", "Размытые названия этапов", Severity.HIGH, Status.FAIL, 2, 2, 0,
     "2 stages name no result: Возражения, Думает"),
    ("SG03", "rotting-deal", "Сделки «гниют» на этапе", Severity.MEDIUM, Status.FAIL, 18, 18, 0,
     "18 open deals sit in their stage far longer than usual"),
    ("SG06", "duplicate-pipelines", "Дублирующие воронки", Severity.MEDIUM, Status.PASS, 0, 0.4, 0.8,
     "no near-duplicate pipelines"),
    ("OF01", "silent-stage-change", "Смена этапа без контакта", Severity.HIGH, Status.FAIL, 64, 0.21, 0.0,
     "64 forward stage changes with no activity since the previous change"),
    ("OF04", "activity-outside-lifetime", "Активности вне жизни сделки", Severity.LOW, Status.FAIL, 9, 9, 0,
     "9 activities dated outside their deal's lifetime"),
    ("OF05", "missing-channel", "Не хватает канала связи", Severity.MEDIUM, Status.ERROR, 0, None, None,
     "check failed: KeyError: 'type'"),
    ("FN01", "owner-stage-conversion", "Слабая конверсия менеджера на этапе", Severity.MEDIUM, Status.FAIL, 3,
     3, 0, "3 manager x stage conversions far below the team's"),
    ("HY01", "required-fields", "Обязательные поля", Severity.MEDIUM, Status.PASS, 0, 0.0, 0.0,
     "all required fields present"),
    ("HY08", "unparseable-values", "Нераспознанные значения", Severity.MEDIUM, Status.FAIL, 3, 3, 0,
     "3 values could not be parsed"),
]


def _info(code, name, title_ru, severity) -> CheckInfo:
    return CheckInfo(
        code=code, name=name, title_ru=title_ru, family=FAMILY_PREFIX[code[:2]], severity=severity,
        summary=f"{name.replace('-', ' ').capitalize()}.",
        rationale=f"Why {name} matters: a CRM that hides this cannot show where sales stall.",
        rationale_ru=f"Почему это важно ({code}): CRM, которая это скрывает, не показывает, где буксуют продажи.",
        fix=f"Fix for {name}: make the field required and review the listed records.",
        fix_ru=f"Как исправить ({code}): сделайте поле обязательным и разберите перечисленные записи.",
        params=tuple(BY_CODE[code].params.items()),  # as the runner records them: the params as run
    )


def _findings(n: int, rng: np.random.Generator) -> pd.DataFrame:
    failed = [c for c in CHECKS if c[4] is Status.FAIL]
    codes = np.array([c[0] for c in failed])
    sev = {c[0]: c[3].label for c in failed}
    pick = codes[rng.integers(0, len(codes), n)]
    pipelines = list(PIPELINES)
    pipe = np.array(pipelines)[rng.integers(0, len(pipelines), n)]
    stage = np.array([PIPELINES[p][i % len(PIPELINES[p])] for i, p in enumerate(pipe)])
    owner = np.array(OWNERS)[rng.integers(0, len(OWNERS), n)]
    ids = np.arange(18000, 18000 + n).astype(str)
    entity_type = np.where(np.isin(pick, ["OF04"]), "activity", "deal")
    entity_type = np.where(np.isin(pick, ["ST02"]), "owner", entity_type)
    entity_type = np.where(np.isin(pick, ["ST01"]), "dataset", entity_type)
    entity_type = np.where(np.isin(pick, ["SG01"]), "stage", entity_type)
    entity_type = np.where(np.isin(pick, ["FN01"]), "owner", entity_type)
    entity_id = ids.astype(object)
    entity_id[entity_type == "owner"] = owner[entity_type == "owner"]
    entity_id[entity_type == "dataset"] = None
    stage_ids = np.char.add(np.char.add(pipe.astype(str), "/"), stage.astype(str)).astype(object)
    entity_id[entity_type == "stage"] = stage_ids[entity_type == "stage"]
    is_deal = entity_type == "deal"
    title = np.where(is_deal, np.char.add("Поставка оборудования №", ids), None).astype(object)
    amount = np.where(is_deal, rng.integers(5, 900, n) * 1000.0, np.nan)
    message = np.char.add(np.char.add("deal moved to '", stage.astype(str)), "' with no logged contact").astype(object)
    evidence = [{"days_silent": int(d), "share": 0.1234} for d in rng.integers(1, 90, n)]
    if n >= 4:
        # The hostile values a CRM holds: a formula title, a control character, contact details.
        first_deal, second = (int(i) for i in np.flatnonzero(is_deal)[:2])
        title[first_deal] = FORMULA_TITLE
        message[first_deal] = "=1+1 is what the manager typed as the reason"
        evidence[first_deal] = {"contact": "Иван Петров", "email": "ivan.petrov@client.ru",
                                "note": "call +7 (912) 345-67-89"}
        title[second] = "Bell\x07 and tab\tдеталь"
        message[second] = "client wrote from ivan.petrov@client.ru, phone 8 912 345 67 89"
    frame = pd.DataFrame({
        "code": pick, "severity": [sev[c] for c in pick], "entity_type": entity_type,
        "entity_id": entity_id, "owner": owner.astype(object), "pipeline": pipe.astype(object),
        "stage": stage.astype(object), "message": message, "evidence": evidence,
    })
    frame["family"] = [FAMILY_PREFIX[c[:2]].value for c in pick]
    # The context the runner adds (audit.derived.finding_context): the deal, its company, when.
    is_activity = entity_type == "activity"
    frame["deal_id"] = np.where(is_deal | is_activity, ids, None).astype(object)
    frame["title"] = np.where(is_activity, np.char.add("Монтаж №", ids), title).astype(object)
    frame["amount"] = amount
    frame["company"] = np.where(is_deal | is_activity, np.char.add("ООО «Ромашка-", np.char.add(
        (np.arange(n) % 7).astype(str), "»")), None).astype(object)
    frame["at"] = pd.Series(AS_OF - pd.to_timedelta(rng.integers(1, 200, n), unit="D")).where(
        pd.Series(is_deal | is_activity)).astype("datetime64[us]")
    return frame[[*FINDING_COLUMNS, "family", "deal_id", "title", "amount", "company", "at"]]


def _owners(findings: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for i, owner in enumerate(OWNERS):
        won, lost, open_ = 40 + 7 * i, (0 if i == 0 else 8 + 5 * i), 12 + i
        deals = won + lost + open_
        row = {"owner": owner, "deals": deals, "open": open_, "won": won, "lost": lost,
               "win_rate": round(won / (won + lost), 4), "activities": 150 + 40 * i,
               "won_amount": won * 150_000.0, "open_amount": open_ * 90_000.0,
               "activities_per_deal": round((150 + 40 * i) / deals, 2), "median_cycle_days": 14.5 + i,
               "findings": int((findings["owner"] == owner).sum()),
               "checks": sorted(set(findings.loc[findings["owner"] == owner, "code"]))}
        for fam in Family:
            sub = findings[(findings["owner"] == owner) & (findings["family"] == fam.value)]
            row[f"findings_{fam.value}"] = len(sub)
        rows.append(row)
    return pd.DataFrame(rows)


def _funnel() -> pd.DataFrame:
    rows = []
    for pipeline, stages in PIPELINES.items():
        for order, stage in enumerate(stages[:-1], 1):
            for j, owner in enumerate(["", *OWNERS]):
                entered = 120 if owner == "" else 6 + 5 * j
                conversion = max(0.05, min(1.0, 0.9 - 0.12 * order + (0.05 * j if owner else 0) - (0.3 if j == 3 and order == 2 else 0)))
                rows.append({"pipeline": pipeline, "stage": stage, "order": float(order), "owner": owner,
                             "entered": entered, "advanced": int(entered * conversion), "lost": 3,
                             "conversion": round(conversion, 4), "median_dwell_days": 3.5 + order})
    return pd.DataFrame(rows)


def _stages() -> pd.DataFrame:
    rows = []
    for pipeline, stages in PIPELINES.items():
        for order, stage in enumerate(stages, 1):
            verdict = "vague" if stage in ("Возражения", "Думает") else "result_named"
            if stage == "Возражения":
                verdict = "vague, hub"
            rows.append({"pipeline": pipeline, "stage": stage, "order": float(order),
                         "kind": "won" if order == len(stages) else "open", "verdict": verdict,
                         "deals_now": 10 + 3 * order, "median_dwell_days": 2.0 + order})
    rows.append({"pipeline": "Опт", "stage": "Архив 2019", "order": 9.0, "kind": "open", "verdict": "dead",
                 "deals_now": 0, "median_dwell_days": np.nan})
    return pd.DataFrame(rows)


def _pipelines() -> pd.DataFrame:
    return pd.DataFrame({"pipeline": list(PIPELINES), "deals": [820, 410], "owners": [5, 1],
                         "twin": [None, "Опт"], "similarity": [np.nan, 0.82]})


def _inputs() -> tuple[SourceFile, ...]:
    return (
        SourceFile(path="export/deals.csv", table="deals", crm="amocrm", rows=1230, encoding="cp1251",
                   delimiter=";", header_row=1, sha256="ab" * 32,
                   mapping={"ID": "deal_id", "Название сделки": "title", "Этап сделки": "stage",
                            "Ответственный": "owner", "Бюджет": "amount", "=cmd|' /C calc'!A0": "source"},
                   unmapped=("Теги", "Примечание 2"), parse_failures={"amount": 2, "created_at": 1}),
        SourceFile(path="export/events.csv", table="stage_history", crm="amocrm", rows=5400, encoding="utf-8",
                   delimiter=",", header_row=1, mapping={"ID сделки": "deal_id", "Новый этап": "to_stage"}),
        SourceFile(path="export/notes.xlsx", table=None, sheet="Лист1", note="not recognised: no deal id column"),
    )


def _parse_issues() -> pd.DataFrame:
    return pd.DataFrame({
        "table": ["deals", "deals", "deals"], "file": ["export/deals.csv"] * 3, "row": [12, 57, 301],
        "column": ["amount", "amount", "created_at"], "source_column": ["Бюджет", "Бюджет", "Дата создания"],
        "raw": ["12 000 руб", "=SUM(A1:A9)", "31.02.2026"], "entity_id": ["18011", "18056", "18300"],
    })


def sample_result(findings: int = 120, *, history: bool = False, seed: int = 5) -> AuditResult:
    rng = np.random.default_rng(seed)
    frame = _findings(findings, rng)
    results = []
    for code, name, _ru, severity, status, affected, metric, threshold, message in CHECKS:
        sub = frame[frame["code"] == code][list(FINDING_COLUMNS)] if status is Status.FAIL else None
        results.append(CheckResult(
            code=code, name=name, family=FAMILY_PREFIX[code[:2]], severity=severity, status=status,
            metric=metric, threshold=threshold,
            affected=int(len(sub)) if sub is not None and len(sub) else affected,
            message=message or ("not run: stage history not provided" if status is Status.SKIPPED else ""),
            skipped_reason=("stage history not provided: export amoCRM lead status events, to enable ST05"
                            if status is Status.SKIPPED else None),
            judged=0 if status is Status.SKIPPED else None if status is Status.ERROR else max(affected, 1) * 4,
            **({"findings": sub} if sub is not None else {})))
    catalogue = {c[0]: _info(c[0], c[1], c[2], c[3]) for c in CHECKS}
    previous, trend = None, ()
    if history:
        previous = {"as_of": "2026-11-13T18:00:00", "score": 58.0,
                    "checks": {"ST01": 1, "ST03": 55, "ST06": 20, "OF01": 80, "SG01": 2, "ST02": None},
                    "owners": {o: 60.0 + i for i, o in enumerate(OWNERS)}}
        trend = ({"as_of": "2026-10-30T18:00:00", "score": 49.5}, {"as_of": "2026-11-06T18:00:00", "score": 55.0},
                 {"as_of": "2026-11-13T18:00:00", "score": 58.0})
    return AuditResult(
        as_of=AS_OF, crm="amocrm", inputs=_inputs(), checks=tuple(results), findings=frame,
        owners=_owners(frame), funnel=_funnel(), stages=_stages(), pipelines=_pipelines(),
        scores=Scores(overall=61.5, by_owner={o: 40.0 + 9 * i for i, o in enumerate(OWNERS)},
                      by_pipeline={"Опт": 66.0, "Розница": 52.5}),
        parse_issues=_parse_issues(), catalogue=catalogue, tool_version="0.1.0",
        previous=previous, trend=trend, warnings=WARNINGS,
        coverage=Coverage(judged=sum(c.judged_anything for c in results), catalogue=31, not_judged=(
            FamilyGap(Family.ACTIVITY, "no activities", "нет активностей"),)),
    )


WARNINGS = (
    InputWarning("no-lost-deals", "240 closed deals but not one lost: the lost stage may not have been recognised",
                 "закрытых сделок 240, но ни одной проигранной: возможно, этап проигрыша не распознан",
                 file="export/deals.csv", numbers={"deals": 300, "won": 240, "lost": 0}),
    InputWarning("rows-link-to-no-deal", "12 of 40 activities link to no exported deal (12 name deals missing from "
                 "the deals export)", "активности без связи с выгруженной сделкой: 12 из 40",
                 file="export/events.csv", numbers={"table": "activities", "rows": 40, "unlinked": 12}),
)
