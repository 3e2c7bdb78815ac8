"""`crm-audit diff`: findings new and resolved between two JSON reports, and the score change."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
from click.testing import CliRunner

from audit.cli import cli
from audit.app.diff import TEXT_LIMIT, Report, compare, diff_reports, render_diff
from audit.model.errors import AuditError
from audit.model.result import Scores
from audit.runner import run_audit
from reports.json_report import write
from tests.builders import deal, make_crm


def report_of(tmp_path, name, deals, score):
    """A real JSON report of ST03 (lost deals without a reason) on these deals."""
    result = run_audit(make_crm(deals), select=("ST03",), as_of="2026-11-20")
    path = tmp_path / name
    write(replace(result, scores=Scores(overall=score)), path)
    return path


@pytest.fixture(scope="module")
def two_reports(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("reports")
    old = report_of(tmp_path, "old.json", [
        deal(1, status="lost", lost_reason=None), deal(2, status="lost", lost_reason=None),
        deal(3, status="lost", lost_reason="Price")], score=55.0)
    # Deal 1 got its reason, deal 2 did not, deal 4 was lost without one since.
    new = report_of(tmp_path, "new.json", [
        deal(1, status="lost", lost_reason="Competitor"), deal(2, status="lost", lost_reason=None),
        deal(3, status="lost", lost_reason="Price"), deal(4, status="lost", lost_reason=" ")], score=61.5)
    return old, new


def test_fixed_and_appeared_findings(two_reports):
    diff = diff_reports(*two_reports)
    assert [(f["code"], f["entity_id"]) for f in diff.appeared] == [("ST03", "4")]
    assert [(f["code"], f["entity_id"]) for f in diff.resolved] == [("ST03", "1")]
    assert diff.unchanged == 1
    assert (diff.old.score, diff.new.score, diff.score_change) == (55.0, 61.5, 6.5)


def test_json_form(two_reports):
    doc = json.loads(render_diff(diff_reports(*two_reports), "json"))
    assert [f["entity_id"] for f in doc["new"]] == ["4"]
    assert [f["entity_id"] for f in doc["resolved"]] == ["1"]
    assert doc["score"] == {"old": 55.0, "new": 61.5, "change": 6.5}
    assert doc["new"][0]["message"] and doc["new"][0]["severity"] == "medium"
    assert doc["checks"] == [{"code": "ST03", "name": "lost-without-reason", "new": 1, "resolved": 1,
                              "old_affected": 2, "new_affected": 2}]


def test_cli_diff_text_and_json(two_reports):
    old, new = two_reports
    runner = CliRunner()
    text = runner.invoke(cli, ["diff", str(old), str(new)])
    assert text.exit_code == 0, text.output
    assert "trust score 55.0 -> 61.5 (+6.5)" in text.output
    assert "findings: 1 new, 1 resolved, 1 unchanged" in text.output
    new_part, resolved_part = text.output.split("\nnew:\n")[1].split("\nresolved:\n")
    assert "deal 4" in new_part and "deal 1" not in new_part
    assert "deal 1" in resolved_part and "deal 4" not in resolved_part
    as_json = runner.invoke(cli, ["diff", str(old), str(new), "--format", "json"])
    assert as_json.exit_code == 0
    assert json.loads(as_json.output)["score"]["new"] == 61.5


def test_same_report_has_no_changes(two_reports):
    old, _new = two_reports
    diff = diff_reports(old, old)
    assert diff.appeared == () and diff.resolved == () and diff.score_change == 0.0


def finding(code, entity_id, entity_type="deal", stage="Proposal", pipeline="Sales", **more):
    return {"code": code, "severity": "medium", "entity_type": entity_type, "entity_id": entity_id,
            "owner": "Anna", "pipeline": pipeline, "stage": stage, "message": f"{code} {entity_id}",
            "evidence": {}, **more}


def ids(findings):
    return [(f["code"], f["entity_id"], f["stage"]) for f in findings]


def rep(*findings, score=50.0):
    return Report(path="r.json", as_of="2026-11-20T00:00:00", score=score, findings=tuple(findings))


@pytest.mark.parametrize("old, new, appeared, resolved", [
    pytest.param([finding("OF01", "7", stage="Proposal"), finding("OF01", "7", stage="Contract")],
                 [finding("OF01", "7", stage="Contract"), finding("OF01", "7", stage="Invoice")],
                 [("OF01", "7", "Invoice")], [("OF01", "7", "Proposal")],
                 id="per-stage-findings-of-one-deal-told-apart-by-stage"),
    pytest.param([finding("SG03", "7", stage="Proposal")], [finding("SG03", "7", stage="Contract")],
                 [], [], id="deal-that-moved-keeps-its-problem"),
    pytest.param([finding("OF01", "7", stage="Proposal")],
                 [finding("OF01", "7", stage="Contract"), finding("OF01", "7", stage="Invoice")],
                 [("OF01", "7", "Contract"), ("OF01", "7", "Invoice")], [("OF01", "7", "Proposal")],
                 id="events-are-not-matched-across-stages"),
    pytest.param([finding("ST03", "7", owner="Anna")], [finding("ST03", "7", owner="Boris", message="other")],
                 [], [], id="reassigned-deal-is-same-finding"),
    pytest.param([finding("ST03", "7")], [finding("ST04", "7")],
                 [("ST04", "7", "Proposal")], [("ST03", "7", "Proposal")], id="other-check-is-other-problem"),
    pytest.param([finding("HY02", "5"), finding("HY02", "5")], [finding("HY02", "5")],
                 [], [("HY02", "5", "Proposal")], id="duplicates-matched-once-each"),
    pytest.param([finding("SG01", "Sales/Thinking", "stage", stage="Thinking")],
                 [finding("SG01", "Sales/Thinking", "stage", stage="Thinking"),
                  finding("SG01", "Wholesale/Thinking", "stage", pipeline="Wholesale", stage="Thinking")],
                 [("SG01", "Wholesale/Thinking", "Thinking")], [], id="stage-findings-keyed-by-pipeline-stage"),
    pytest.param([finding("ST01", None, "dataset", stage=None, pipeline=None)], [],
                 [], [("ST01", None, None)], id="dataset-finding-resolved"),
    pytest.param([finding("ST03", 7)], [finding("ST03", "7")], [], [], id="numeric-id-matches-text-id"),
    pytest.param([], [], [], [], id="both-empty"),
])
def test_matching(old, new, appeared, resolved):
    diff = compare(rep(*old), rep(*new))
    assert ids(diff.appeared) == appeared
    assert ids(diff.resolved) == resolved


def test_new_findings_listed_by_severity_then_code():
    diff = compare(rep(), rep(finding("ST03", "2"), {**finding("ST01", "1"), "severity": "high"},
                              finding("OF02", "3")))
    assert [f["code"] for f in diff.appeared] == ["ST01", "OF02", "ST03"]


def test_text_form_caps_long_lists():
    many = [finding("ST03", str(i)) for i in range(TEXT_LIMIT + 5)]
    text = render_diff(compare(rep(score=None), rep(*many, score=40.0)), "text")
    assert "trust score - -> 40.0" in text
    assert "... and 5 more (--format json lists all)" in text
    assert text.count("  ST03 medium deal") == TEXT_LIMIT


BAD_REPORTS = [
    pytest.param(b"{not json", "not valid JSON", id="not-json"),
    pytest.param(b"\xff\xfe\x00garbage", "not UTF-8", id="binary"),
    pytest.param(b"[1, 2]", "no schema_version", id="json-array"),
    pytest.param(b'{"deals": []}', "no schema_version", id="other-json"),
    pytest.param(b'{"schema_version": 1, "summary": {"score": 1}}', "no findings list", id="no-findings"),
    pytest.param(b'{"schema_version": 1, "findings": [{"x": 1}], "summary": {}}', r"findings\[0\]",
                 id="finding-without-code"),
    pytest.param(b'{"schema_version": 1, "findings": [], "summary": {"score": "high"}}', "summary.score",
                 id="score-not-number"),
    pytest.param(b'{"schema_version": 2, "findings": [], "summary": {}}', "newer than", id="newer-schema"),
]


@pytest.mark.parametrize("content, problem", BAD_REPORTS)
def test_bad_report_is_audit_error(tmp_path, two_reports, content, problem):
    bad = tmp_path / "bad.json"
    bad.write_bytes(content)
    with pytest.raises(AuditError, match=problem) as err:
        diff_reports(two_reports[0], bad)
    assert str(err.value).startswith(str(bad))


@pytest.mark.parametrize("content, problem", BAD_REPORTS[:4])
def test_cli_bad_report_exits_2_with_one_line(tmp_path, two_reports, content, problem):
    bad = tmp_path / "bad.json"
    bad.write_bytes(content)
    result = CliRunner().invoke(cli, ["diff", str(bad), str(two_reports[1])])
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and str(bad) in lines[0] and problem in lines[0], result.output
    assert "Traceback" not in result.output


def test_cli_missing_report_exits_2(tmp_path, two_reports):
    result = CliRunner().invoke(cli, ["diff", str(tmp_path / "nope.json"), str(two_reports[1])])
    assert result.exit_code == 2 and "nope.json" in result.output
