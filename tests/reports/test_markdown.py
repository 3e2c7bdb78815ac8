"""The Markdown summary for mail or chat."""

import os
from dataclasses import replace

import pytest

from reports import ReportOptions, markdown
from tests.reports.sample import sample_result


@pytest.fixture(scope="module")
def result():
    return sample_result(findings=80, history=True)


@pytest.mark.parametrize("lang, title, score, table_head", [
    pytest.param("en", "# CRM audit: data as of 2026-11-20 18:04", "Trust score: **61.5 / 100**",
                 "| Severity | Check | Affected | Change | What we found | What to do |", id="en"),
    pytest.param("ru", "# Аудит CRM: данные на 20.11.2026 18:04", "Индекс доверия: **61,5 из 100**",
                 "| Важность | Проверка | Затронуто | Изменение | Что обнаружено | Что сделать |", id="ru"),
])
def test_summary(result, tmp_path, lang, title, score, table_head):
    path = tmp_path / "r.md"
    markdown.write(result, path, ReportOptions(lang=lang))
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines()
    assert lines[0] == title and score in text and table_head in lines
    rows = [l for l in lines if l.startswith("| ") and ("ST" in l or "OF" in l or "SG" in l
                                                         or "FN" in l or "HY" in l)]
    assert len(rows) == 10          # failed checks, top 10
    assert os.listdir(tmp_path) == ["r.md"]


def test_crm_text_is_escaped(result):
    checks = list(result.checks)
    checks[0] = replace(checks[0], message="a | b <img src=x> [link](http://x) *bold*\nnext")
    text = markdown.render(replace(result, checks=tuple(checks)))
    line = next(l for l in text.splitlines() if "ST01" in l)
    assert r"a \| b \<img src=x\> \[link\](http://x) \*bold\* next" in line
    assert line.count(" | ") == 5   # six cells: the message did not split the row


def test_no_history_no_change_column():
    text = markdown.render(sample_result(findings=20, history=False))
    assert "Change" not in text and "since the run" not in text


def test_all_passed():
    from audit.model.findings import Status
    r = sample_result(findings=20)
    r = replace(r, checks=tuple(c for c in r.checks if c.status is Status.PASS))
    assert "No check failed." in markdown.render(r)


def test_coverage_beside_the_score_and_warnings(result):
    text = markdown.render(result)
    assert ("Trust score: **61.5 / 100** - based on 13 of 31 checks; not judged: work outside the CRM "
            "(no activities)") in text
    lines = text.splitlines()
    at = lines.index("## Input warnings")
    assert lines[at + 2] == "- deals.csv: 240 closed deals but not one lost: the lost stage may not have been recognised"
    assert at < lines.index("## Top problems")
    assert "## Предупреждения о входных данных" in markdown.render(result, "ru")


def test_nothing_judged_is_not_scored(result):
    from audit.model.result import Coverage, Scores
    text = markdown.render(replace(result, scores=Scores(overall=None), coverage=Coverage(judged=0, catalogue=31)))
    assert "Trust score: **not scored** - no check could judge this export (0 of 31 checks)" in text
