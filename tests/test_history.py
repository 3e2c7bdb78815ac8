"""Run history (--history DIR): trend across runs, previous run, reruns, overlap, bad stores."""

from __future__ import annotations

import json
import sqlite3
import threading

import pandas as pd
import pytest

from audit.model.errors import AuditError
from audit.model.findings import CheckResult, Family, Severity, Status, empty_findings
from audit.app.history import HISTORY_FILE, History, inputs_digest
from audit.model import SourceFile
from audit.model.result import AuditResult, Scores
from reports.json_report import build


def audit_result(as_of: str, score: float, checks: dict[str, tuple[str, int]] | None = None,
                 owners: dict[str, float] | None = None, digest: str = "a" * 64) -> AuditResult:
    """An AuditResult with just what history records: as_of, inputs, score, checks, owners."""
    checks = checks if checks is not None else {"ST03": ("fail", 4), "HY01": ("pass", 0)}
    results = tuple(
        CheckResult(code=code, name=code.lower(), family=Family.STERILE, severity=Severity.MEDIUM,
                    status=Status(status), affected=affected,
                    skipped_reason="deals lack lost_reason" if status == "skipped" else None)
        for code, (status, affected) in checks.items())
    findings = empty_findings().assign(family=pd.Series(dtype=object))
    return AuditResult(
        as_of=pd.Timestamp(as_of), crm="generic",
        inputs=(SourceFile(path="deals.csv", table="deals", crm="generic", rows=10, sha256=digest),),
        checks=results, findings=findings, owners=pd.DataFrame(), funnel=pd.DataFrame(),
        stages=pd.DataFrame(), pipelines=pd.DataFrame(),
        scores=Scores(overall=score, by_owner=owners or {}), parse_issues=pd.DataFrame())


def record(history: History, *results: AuditResult) -> None:
    for r in results:
        history.record(history.attach(r))


def test_three_runs_give_trend_and_previous(tmp_path):
    history = History(tmp_path / "hist")
    record(history,
           audit_result("2026-11-18 18:00", 52.0, {"ST03": ("fail", 9)}, {"Anna": 40.0, "Boris": 70.0}, "1" * 64),
           audit_result("2026-11-19 18:00", 58.5, {"ST03": ("fail", 6)}, {"Anna": 50.0, "Boris": 71.0}, "2" * 64))
    third = history.attach(audit_result("2026-11-20 18:00", 64.0, {"ST03": ("fail", 2)}, digest="3" * 64))

    assert third.trend == ({"as_of": "2026-11-18T18:00:00", "score": 52.0},
                           {"as_of": "2026-11-19T18:00:00", "score": 58.5})
    prev = third.previous
    assert prev["as_of"] == "2026-11-19T18:00:00" and prev["score"] == 58.5
    assert prev["checks"] == {"ST03": 6}
    assert prev["owners"] == {"Anna": 50.0, "Boris": 71.0}
    assert prev["findings"] == {"high": 0, "medium": 0, "low": 0, "info": 0}

    history.record(third)
    assert [(r["as_of"], r["score"]) for r in history.runs()] == [
        ("2026-11-18T18:00:00", 52.0), ("2026-11-19T18:00:00", 58.5), ("2026-11-20T18:00:00", 64.0)]


def test_first_run_has_no_previous(tmp_path):
    attached = History(tmp_path / "new").attach(audit_result("2026-11-20", 70.0))
    assert attached.previous is None and attached.trend == ()
    assert not (tmp_path / "new").exists(), "reading an absent history must not create it"


def test_rerun_on_same_inputs_replaces_not_doubles(tmp_path):
    history = History(tmp_path)
    record(history, audit_result("2026-11-19", 50.0), audit_result("2026-11-20", 60.0, {"ST03": ("fail", 4)}))
    # Same export and as_of audited again, say after a config change: the record is replaced.
    record(history, audit_result("2026-11-20", 62.0, {"ST03": ("fail", 3)}))
    runs = history.runs()
    assert [(r["as_of"], r["score"]) for r in runs] == [("2026-11-19T00:00:00", 50.0), ("2026-11-20T00:00:00", 62.0)]
    assert runs[-1]["checks"] == {"ST03": 3}
    nxt = history.attach(audit_result("2026-11-21", 65.0))
    assert [p["score"] for p in nxt.trend] == [50.0, 62.0]


def test_other_export_with_same_as_of_is_kept_and_trend_shows_latest(tmp_path):
    history = History(tmp_path)
    record(history, audit_result("2026-11-20", 60.0, digest="1" * 64),
           audit_result("2026-11-20", 61.0, digest="2" * 64))
    assert len(history.runs()) == 2
    nxt = history.attach(audit_result("2026-11-21", 65.0))
    assert nxt.trend == ({"as_of": "2026-11-20T00:00:00", "score": 61.0},)
    assert nxt.previous["score"] == 61.0


def test_an_older_export_sees_only_older_runs(tmp_path):
    # Auditing last month's export today: its previous run is the one before it in data time.
    history = History(tmp_path)
    record(history, audit_result("2026-10-01", 40.0), audit_result("2026-11-20", 60.0))
    late = history.attach(audit_result("2026-10-15", 45.0))
    assert late.previous["as_of"] == "2026-10-01T00:00:00"
    assert [p["score"] for p in late.trend] == [40.0]


def test_fixed_and_re_exported_the_same_day_shows_the_fix(tmp_path):
    """Five loss reasons filled in and the deals exported again the same day: same as_of, other
    inputs. The second run is compared with the first, so the fix shows as a trend."""
    history = History(tmp_path)
    record(history, audit_result("2026-11-20 18:04", 55.0, {"ST03": ("fail", 5)}, digest="1" * 64))
    fixed = history.attach(audit_result("2026-11-20 18:04", 60.0, {"ST03": ("pass", 0)}, digest="2" * 64))
    prev = fixed.previous
    assert prev is not None and prev["score"] == 55.0 and prev["checks"] == {"ST03": 5}
    assert (prev["same_as_of"], prev["same_inputs"]) == (True, False)
    doc = build(fixed)
    assert doc["summary"]["previous"]["same_as_of"] is True
    assert {c["code"]: c["previous_affected"] for c in doc["checks"]} == {"ST03": 5}
    assert fixed.trend == ()  # the trend holds earlier dates only


def test_an_identical_rerun_is_not_its_own_previous(tmp_path):
    history = History(tmp_path)
    record(history, audit_result("2026-11-19", 50.0, digest="0" * 64), audit_result("2026-11-20", 60.0))
    again = history.attach(audit_result("2026-11-20", 60.0))
    assert again.previous["as_of"] == "2026-11-19T00:00:00"


def test_same_data_explicit_as_of_then_default_says_what_differs(tmp_path):
    """`--as-of 2026-11-20` first, then a plain run of the same export (as of its latest event,
    2026-11-25): the previous run is the same data audited as of another date, and says so."""
    from reports.common import previous_text
    history = History(tmp_path)
    record(history, audit_result("2026-11-20", 60.0))
    plain = history.attach(audit_result("2026-11-25 09:00", 60.0))
    prev = plain.previous
    assert (prev["same_inputs"], prev["same_as_of"]) == (True, False)
    assert previous_text(plain) == "2026-11-20 on the same data (audited as of another date)"
    assert previous_text(plain, "ru") == "20.11.2026 на тех же данных (аудит на другую дату)"


def test_an_earlier_export_is_labelled_by_its_date_alone(tmp_path):
    from reports.common import previous_text
    history = History(tmp_path)
    record(history, audit_result("2026-11-19", 50.0, digest="1" * 64))
    nxt = history.attach(audit_result("2026-11-20", 60.0, digest="2" * 64))
    assert previous_text(nxt) == "2026-11-19"
    record(history, audit_result("2026-11-20", 60.0, digest="2" * 64))
    redo = history.attach(audit_result("2026-11-20", 61.0, digest="3" * 64))
    assert previous_text(redo) == "2026-11-20 on another export of the same date"


def test_skipped_check_has_unknown_previous_affected(tmp_path):
    history = History(tmp_path)
    record(history, audit_result("2026-11-19", 50.0, {"ST03": ("skipped", 0), "ST01": ("pass", 0)}))
    current = history.attach(audit_result("2026-11-20", 55.0, {"ST03": ("fail", 5), "ST01": ("pass", 0),
                                                               "OF01": ("fail", 1)}))
    assert current.previous["checks"] == {"ST01": 0, "ST03": None}
    assert current.previous["statuses"] == {"ST01": "pass", "ST03": "skipped"}
    doc = build(current)
    assert {c["code"]: c["previous_affected"] for c in doc["checks"]} == {"ST03": None, "ST01": 0, "OF01": None}
    assert doc["summary"]["previous"]["score"] == 50.0
    assert doc["summary"]["trend"] == [{"as_of": "2026-11-19T00:00:00", "score": 50.0}]
    json.dumps(doc)  # JSON-ready as it is


def test_json_without_history_has_null_previous_affected():
    doc = build(audit_result("2026-11-20", 55.0))
    assert "previous" not in doc["summary"]
    assert all(c["previous_affected"] is None for c in doc["checks"])


def test_records_inputs_checks_and_owners(tmp_path):
    history = History(tmp_path)
    result = audit_result("2026-11-20 09:30", 71.25, {"ST03": ("fail", 4)}, {"Anna": 80.0})
    history.record(result)
    db = sqlite3.connect(tmp_path / HISTORY_FILE)
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("SELECT as_of, inputs_digest, score FROM runs").fetchall() == [
        ("2026-11-20T09:30:00.000000", inputs_digest(result), 71.25)]
    assert db.execute("SELECT path, table_name, sha256 FROM run_inputs").fetchall() == [
        ("deals.csv", "deals", "a" * 64)]
    assert db.execute("SELECT code, status, affected FROM run_checks").fetchall() == [("ST03", "fail", 4)]
    assert db.execute("SELECT owner, score FROM run_owners").fetchall() == [("Anna", 80.0)]


def test_digest_ignores_paths_and_order():
    a = audit_result("2026-11-20", 1.0)
    moved = AuditResult(**{**a.__dict__, "inputs": (SourceFile(path="/nightly/2026-11-20/deals.csv",
                                                               table="deals", sha256="a" * 64),)})
    assert inputs_digest(a) == inputs_digest(moved)
    assert inputs_digest(a) != inputs_digest(audit_result("2026-11-20", 1.0, digest="b" * 64))


def test_overlapping_writers_lose_nothing(tmp_path):
    # Eight runs recording at once (threads, each with its own connection): all land.
    errors = []

    def one(day: int) -> None:
        try:
            history = History(tmp_path)
            history.record(history.attach(audit_result(f"2026-11-{day:02d}", float(day))))
        except Exception as exc:  # noqa: BLE001 - any failure is reported by the assert below
            errors.append(exc)

    threads = [threading.Thread(target=one, args=(day,)) for day in range(1, 9)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert [r["score"] for r in History(tmp_path).runs()] == [float(d) for d in range(1, 9)]


@pytest.mark.parametrize("content, problem", [
    pytest.param(b"this is not sqlite at all" * 100, "not a crm-audit history", id="garbage-file"),
    pytest.param(None, "not a crm-audit history", id="someone-elses-database"),
])
def test_bad_store_is_one_line_error(tmp_path, content, problem):
    path = tmp_path / HISTORY_FILE
    if content is None:
        other = sqlite3.connect(path)
        other.execute("CREATE TABLE contacts (name TEXT)")
        other.commit()
        other.close()
    else:
        path.write_bytes(content)
    for call in (History(tmp_path).attach, History(tmp_path).record):
        with pytest.raises(AuditError, match=problem) as err:
            call(audit_result("2026-11-20", 1.0))
        assert str(err.value).startswith(str(path)) and "\n" not in str(err.value)


def test_newer_schema_is_refused(tmp_path):
    History(tmp_path).record(audit_result("2026-11-19", 1.0))
    db = sqlite3.connect(tmp_path / HISTORY_FILE)
    db.execute("PRAGMA user_version = 99")
    db.close()
    with pytest.raises(AuditError, match="newer than this crm-audit"):
        History(tmp_path).attach(audit_result("2026-11-20", 1.0))


def test_locked_history_gives_up_with_message(tmp_path):
    History(tmp_path).record(audit_result("2026-11-19", 1.0))
    holder = sqlite3.connect(tmp_path / HISTORY_FILE, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(AuditError, match="stayed locked"):
            History(tmp_path, timeout=0.2).record(audit_result("2026-11-20", 1.0))
    finally:
        holder.execute("ROLLBACK")
        holder.close()


def test_history_folder_that_is_a_file(tmp_path):
    blocker = tmp_path / "hist"
    blocker.write_text("x")
    with pytest.raises(AuditError, match="cannot create the history folder"):
        History(blocker).record(audit_result("2026-11-20", 1.0))
