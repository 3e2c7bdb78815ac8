"""The console summary: compact, coloured on a terminal, plain when piped."""

from dataclasses import replace

import pytest

from audit.model.findings import Status
from reports.console import render_quiet_failure, render_summary
from tests.reports.sample import sample_result


@pytest.fixture(scope="module")
def result():
    return sample_result(findings=80, history=True)


def test_plain_summary_has_score_failed_checks_and_reports(result):
    text = render_summary(result, [("xlsx", "out/report.xlsx"), ("json", "out/report.json")], color=False)
    assert "\x1b[" not in text
    lines = text.splitlines()
    assert lines[0].startswith("crm-audit · data as of 2026-11-20 18:04")
    assert "61.5 / 100" in lines[1] and "+3.5 since the run of 2026-11-13 18:00" in lines[1]
    assert "3 passed · 10 failed · 1 skipped · 1 errors" in text
    # Ranked by severity, then reach: high checks first, the most affected on top.
    start = lines.index("Failed checks") + 1
    failed = lines[start:start + 10]
    severities = [l.split()[0].lstrip("!") for l in failed]
    assert severities == sorted(severities, key=["high", "medium", "low"].index)
    high = [c for c in result.checks if c.status is Status.FAIL and c.severity.label == "high"]
    top = max(high, key=lambda c: (c.affected, [-ord(ch) for ch in c.code]))
    assert failed[0].startswith(" !high") and top.code in failed[0]
    assert "out/report.xlsx" in text and "out/report.json" in text
    assert "Exit 1: 5 failed check(s) at or above 'high'" in text
    assert "OF05" in text and "ST05" in text  # errored, skipped


def test_color_only_on_a_terminal(result):
    assert "\x1b[" in render_summary(result, [], color=True)


def test_russian_labels(result):
    text = render_summary(result, [], color=False, lang="ru", fail_on="never")
    assert "Индекс доверия" in text and "Непройденные проверки" in text and "высокая" in text
    assert "Код выхода" not in text  # fail_on=never: nothing decides the exit code


def test_all_passed(result):
    passed = replace(result, checks=tuple(c for c in result.checks if c.status is Status.PASS))
    text = render_summary(passed, [], color=False)
    assert "No check failed." in text and "Exit 1" not in text


def test_crm_text_cannot_drive_the_terminal(result):
    checks = list(result.checks)
    checks[0] = replace(checks[0], message="ok\x1b[2J\x1b[31mgone\x07")
    text = render_summary(replace(result, checks=tuple(checks), crm="amo\x1b[0m"), [], color=False)
    assert "\x1b" not in text and "\x07" not in text
    assert "ok[2J[31mgone" in text


def test_quiet_failure_is_one_stable_line_then_the_warnings(result):
    failed = result.failed_at_or_above(result.checks[0].severity)
    first, *rest = render_quiet_failure(result, failed, "high").splitlines()
    assert first == f"crm-audit: {len(failed)} check(s) at or above high failed: " \
                    f"{', '.join(c.code for c in failed)} (score 61.5)"
    assert rest == ["  ! deals.csv: 240 closed deals but not one lost: the lost stage may not have been recognised",
                    "  ! events.csv: 12 of 40 activities link to no exported deal (12 name deals missing from the "
                    "deals export)"]
    assert render_quiet_failure(replace(result, warnings=()), failed, "high") == first


def test_score_shows_its_coverage_and_warnings_follow(result):
    lines = render_summary(result, [], color=False).splitlines()
    assert lines[1].startswith("Trust score  61.5 / 100 - based on 13 of 31 checks; not judged: work outside the CRM "
                               "(no activities)")
    at = lines.index("Input warnings (the export may be misread or incomplete)")
    assert at < lines.index("Failed checks")
    assert lines[at + 1] == "  ! deals.csv: 240 closed deals but not one lost: the lost stage may not have been recognised"
    ru = render_summary(result, [], color=False, lang="ru")
    assert "по 13 из 31 проверки; не оценены: работа вне CRM (нет активностей)" in ru   # «из 31 проверки»
    assert "  ! deals.csv: закрытых сделок 240, но ни одной проигранной" in ru


def test_nothing_judged_shows_no_score(result):
    from audit.model.result import Coverage, Scores
    blind = replace(result, scores=Scores(overall=None), coverage=Coverage(judged=0, catalogue=31), warnings=())
    text = render_summary(blind, [], color=False)
    assert "100" not in text.splitlines()[1] and "61.5" not in text
    assert "Trust score  not scored - no check could judge this export (0 of 31 checks)" in text.splitlines()[1]


def test_failed_lines_read_the_metric_against_its_threshold(result):
    from audit.model.gauge import Fails, Gauge, Unit
    gauge = Gauge("lost share of closed deals", "доля проигранных", Unit.SHARE, Fails.BELOW)
    checks = [replace(c, gauge=gauge, metric=0.04, threshold=0.2) if c.code == "ST01" else c for c in result.checks]
    text = render_summary(replace(result, checks=tuple(checks)), [], color=False)
    (line,) = [l for l in text.splitlines() if " ST01 " in l]
    assert line.endswith("  (lost share of closed deals: 4%, fails below 20%)")
    ru = render_summary(replace(result, checks=tuple(checks)), [], color=False, lang="ru")
    assert "(доля проигранных: 4\u00a0%; не пройдена, если ниже 20\u00a0%)" in ru
