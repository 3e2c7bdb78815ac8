"""Every check speaks Russian too: its summary message and each finding's message have a
Russian twin, and the reports in Russian show it (the JSON findings keep English only).

The catalogue runs on the demo export (most checks fail there), on the healthy demo CRM (most
pass) and on a one-deal CRM (the "too few to judge" branches), so every message a check can
write on these inputs is looked at.
"""

from __future__ import annotations

import json
import re
from dataclasses import replace

import pandas as pd
import pytest
from openpyxl import load_workbook

from audit.app.demo import generate
from audit.model.findings import MESSAGE_RU, Status, finding_messages
from audit.runner import run_audit
from checks import ALL_CHECKS
from audit.model import text as ru
from checks.base import Check, Family, Severity
from checks.hygiene._common import combine_texts
from checks.hygiene.rules import PROBLEM_RU, RULES
from reports import ReportOptions, console, json_report, markdown, xlsx
from reports.pii import mask_result
from tests.builders import AS_OF, activity, deal, lead, make_crm

CODES = [c.code for c in ALL_CHECKS]
CYRILLIC = re.compile("[а-яё]", re.IGNORECASE)
LATIN_WORDS = re.compile(r"\b(?:of|the|deals?|stages?|owners?|with|and|not|has|have|is|are)\b")


@pytest.fixture(scope="module")
def clean_audit():
    data = generate(problems=False)
    return run_audit(data.crm(), as_of=data.as_of)


@pytest.fixture(scope="module")
def tiny_audit():
    crm = make_crm([deal(1, status="won", closed_at="2026-10-05")],
                   activities=[activity(1, "2026-10-02")], leads=[lead(1)])
    return run_audit(crm, as_of=AS_OF)


def _russian(text) -> bool:
    """Russian prose, read as a sentence: Cyrillic, not starting with a small Russian letter,
    and no English sentence left in it (ids, column names and the CRM's own values may stay Latin)."""
    return (isinstance(text, str) and bool(CYRILLIC.search(text)) and not re.match("[а-яё]", text)
            and not LATIN_WORDS.search(re.sub(r"«[^»]*»|'[^']*'|\([^)]*[a-z_]+[^)]*\)", "", text)))


@pytest.mark.parametrize("audit", ["demo_audit", "clean_audit", "tiny_audit"])
@pytest.mark.parametrize("code", CODES)
def test_every_result_and_finding_has_a_russian_message(code, audit, request):
    result = {c.code: c for c in request.getfixturevalue(audit).checks}[code]
    assert result.status is not Status.ERROR, result.message
    assert _russian(result.message_ru), f"{code}: {result.message_ru!r} (en: {result.message!r})"
    if result.status is Status.SKIPPED:
        assert _russian(result.skipped_reason_ru), result.skipped_reason_ru
    findings = result.findings
    if result.failed:
        assert len(findings) and MESSAGE_RU in findings
        bad = findings[~findings[MESSAGE_RU].map(_russian)]
        assert bad.empty, f"{code}: {bad[[MESSAGE_RU, 'message']].head(3).to_dict('records')}"


def test_the_demo_fails_most_checks_so_their_findings_were_looked_at(demo_audit):
    failed = {c.code for c in demo_audit.checks if c.failed}
    assert len(failed) >= len(CODES) - 2, sorted(set(CODES) - failed)


def test_the_audits_findings_table_keeps_the_russian_messages(demo_audit):
    findings = demo_audit.findings
    assert findings[MESSAGE_RU].notna().all()
    one = findings[findings["code"].eq("ST03")].iloc[0]
    assert one["message"] == "lost deal has no loss reason"
    assert one[MESSAGE_RU] == "Сделка проиграна, причина отказа не указана"
    assert finding_messages(findings, "ru").equals(findings[MESSAGE_RU])
    assert finding_messages(findings, "en").equals(findings["message"])


def test_english_falls_back_where_a_check_gave_no_russian():
    frame = pd.DataFrame({"message": ["a", "b", "c"], MESSAGE_RU: ["а", None, ""]})
    assert finding_messages(frame, "ru").tolist() == ["а", "b", "c"]
    assert finding_messages(frame.drop(columns=[MESSAGE_RU]), "ru").tolist() == ["a", "b", "c"]


@pytest.mark.parametrize("n, word", [
    (0, "сделок"), (1, "сделка"), (2, "сделки"), (4, "сделки"), (5, "сделок"), (11, "сделок"),
    (12, "сделок"), (14, "сделок"), (21, "сделка"), (22, "сделки"), (101, "сделка"), (111, "сделок"),
    (1982, "сделки"), (2.5, "сделки"), (-1, "сделка"),
])
def test_plural_forms(n, word):
    assert ru.plural(n, "сделка", "сделки", "сделок") == word
    assert ru.plurals(pd.Series([n]), "сделка", "сделки", "сделок").iloc[0] == word


def test_plural_forms_of_a_column_keep_its_index():
    n = pd.Series([1, 3, 25, None], index=[10, 11, 12, 13], dtype="Int64")
    words = ru.counts(n[n.notna()], "день", "дня", "дней")
    assert words.to_dict() == {10: "1 день", 11: "3 дня", 12: "25 дней"}


def test_sentences_start_with_a_capital():
    assert ru.sentence("у 3 сделок") == "У 3 сделок" and ru.sentence("ёж") == "Ёж"
    assert ru.sentence("deal_id 7 повторяется") == "deal_id 7 повторяется" and ru.sentence(None) is None
    parts = [pd.Series(["Нет этапа", "Нет этапа"], index=[0, 3]), pd.Series(["Нет даты создания"], index=[3])]
    assert combine_texts(parts, sentences=True).tolist() == ["Нет этапа", "Нет этапа; нет даты создания"]


def test_every_hygiene_rule_has_a_russian_problem():
    assert {r.key for r in RULES} == set(PROBLEM_RU)
    assert ru.reason("deals lack owner, stage") == "в выгрузке сделок нет колонок «ответственный», «этап»"
    assert ru.reason("deals lack owner, stage", "en") == "the deals export has no owner or stage column"
    assert ru.reason("leads not provided") == "лиды не выгружены"


class Broken(Check):
    """A check that raises."""

    code, name, family, severity = "ST99", "broken", Family.STERILE, Severity.LOW
    title_ru = rationale = rationale_ru = fix = fix_ru = "-"

    def run(self, crm, ctx):
        raise ValueError("boom")


def test_runner_skip_and_error_messages_in_russian():
    crm = make_crm([deal(1)])
    result = {c.code: c for c in run_audit(crm, as_of=AS_OF, select=["ST07", "OF01"]).checks}
    assert result["ST07"].message_ru.startswith("Не выполнена — лиды не выгружены: выгрузите лиды")
    assert result["ST07"].text("ru") == result["ST07"].message_ru and result["ST07"].text("en").startswith("not run")
    assert "активности не выгружены: выгрузите звонки" in result["OF01"].skipped_reason_ru.lower()
    assert result["OF01"].skipped_reason_ru.endswith(", чтобы включить OF01")
    broken = run_audit(crm, as_of=AS_OF, catalogue=[Broken]).checks[0]
    assert broken.status is Status.ERROR
    assert broken.message_ru == "Проверка завершилась ошибкой: ValueError: boom"


def test_workbook_in_russian_shows_russian_messages(demo_audit, tmp_path):
    for lang in ("ru", "en"):
        path = tmp_path / f"{lang}.xlsx"
        xlsx.write(demo_audit, path, ReportOptions(lang=lang))
        wb = load_workbook(path, read_only=True)
        sheet = wb["Замечания" if lang == "ru" else "Findings"]
        rows = list(sheet.iter_rows(min_row=2, values_only=True))
        col = rows[0].index("Что обнаружено" if lang == "ru" else "What we found")
        messages = [r[col] for r in rows[1:]]
        # One row per deal per check: a deal's repeated findings share a row that ends with the latest.
        expected = demo_audit.findings[MESSAGE_RU if lang == "ru" else "message"]
        latest = re.compile(r"^\d+ (?:раза?|times) \([^)]*\)\. (?:Последний|The latest): ")
        shown = {latest.sub("", m) for m in messages}
        assert {m[:1].lower() + m[1:] for m in shown} <= {m[:1].lower() + m[1:] for m in expected}
        f = demo_audit.findings
        groups = f.groupby(["code", f["deal_id"].fillna(f.index.to_series().astype(str))]).ngroups
        assert len(messages) == groups
        if lang == "ru":
            assert all(CYRILLIC.search(m) for m in messages)
            checks = {r[0]: r for r in wb["Проверки"].iter_rows(min_row=3, values_only=True) if r}
            st03 = {c.code: c for c in demo_audit.checks}["ST03"]
            assert st03.message_ru in checks["ST03"]
        wb.close()


def test_console_and_markdown_in_russian(demo_audit):
    top = {c.code: c for c in demo_audit.checks}["ST06"]
    text = console.render_summary(demo_audit, [], lang="ru")
    assert top.message_ru[:40] in text and top.message not in text
    md = markdown.render(demo_audit, "ru")
    assert markdown.escape(top.message_ru) in md and top.message not in md
    assert top.message in markdown.render(demo_audit, "en")


def test_json_keeps_english_findings_and_adds_russian_check_messages(demo_audit):
    doc = json.loads(json_report.dump(demo_audit))
    assert all(MESSAGE_RU not in f for f in doc["findings"])
    st03 = next(c for c in doc["checks"] if c["code"] == "ST03")
    assert st03["message"].endswith("have no loss reason") and CYRILLIC.search(st03["message_ru"])


def test_pii_masking_masks_the_russian_messages_as_the_english(demo_audit):
    deals = pd.DataFrame({"deal_id": ["d1"], "contact": ["Иван Петров"]})
    base = {c.code: c for c in demo_audit.checks}["HY07"]
    findings = base.findings.head(1).assign(
        entity_type="deal", entity_id="d1",
        message="same contact 'Иван Петров', ivan.petrov@client.ru",
        message_ru="тот же контакт «Иван Петров», ivan.petrov@client.ru")
    check = replace(base, findings=findings, message="call Иван Петров at +7 912 345-67-89",
                    message_ru="позвоните Иван Петров: +7 912 345-67-89")
    result = replace(demo_audit, checks=(check,), findings=findings.assign(family="hygiene", title=None, amount=None))
    masked = mask_result(result, deals)
    row = masked.findings.iloc[0]
    for col in ("message", MESSAGE_RU):
        assert "Иван" not in row[col] and "Петров" not in row[col] and "ivan.petrov@" not in row[col], row[col]
    c = masked.checks[0]
    for text in (c.message, c.message_ru):
        assert "Иван Петров" not in text and "345-67" not in text, text
