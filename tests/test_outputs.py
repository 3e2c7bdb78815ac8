"""Output paths for cron: placeholders, created folders, and the lock against overlapping runs."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest

from audit.model.errors import AuditError
from audit.app.outputs import (
    LOCK_NAME,
    LOCK_TIMEOUT_ENV,
    LOCK_TIMEOUT_S,
    lock_files,
    lock_timeout,
    output_lock,
    render_path,
)

RESULT = SimpleNamespace(as_of=pd.Timestamp("2026-11-20 18:04"), crm="amocrm")


@pytest.mark.parametrize("template, expected", [
    pytest.param("reports/crm-{as_of:%Y-%m-%d}.xlsx", "reports/crm-2026-11-20.xlsx", id="date"),
    pytest.param("{crm}/{as_of:%Y/%m}/audit.json", "amocrm/2026/11/audit.json", id="crm-and-nested-folders"),
    pytest.param("out/report.json", "out/report.json", id="no-placeholder"),
    pytest.param("out/{{literal}}-{as_of:%H%M}.md", "out/{literal}-1804.md", id="escaped-braces"),
])
def test_render_path(template, expected):
    assert render_path(template, RESULT) == Path(expected)


def test_render_path_without_crm_name():
    assert render_path("{crm}.json", SimpleNamespace(as_of=RESULT.as_of, crm=None)) == Path("crm.json")


@pytest.mark.parametrize("template", [
    pytest.param("reports/{date}.xlsx", id="unknown-name"),
    pytest.param("reports/{0}.xlsx", id="positional"),
    pytest.param("reports/{as_of.nope}.xlsx", id="bad-attribute"),
    pytest.param("reports/{as_of.xlsx", id="unclosed-brace"),
])
def test_bad_placeholder_is_one_line_error(template):
    with pytest.raises(AuditError, match="bad placeholder") as err:
        render_path(template, RESULT)
    assert str(err.value).startswith(template) and "\n" not in str(err.value)


def test_lock_files_one_per_folder_sorted(tmp_path):
    files = lock_files([tmp_path / "b" / "r.xlsx", tmp_path / "b" / "r.json", tmp_path / "a" / "r.md"],
                       history_dir=tmp_path / "a")
    assert files == [tmp_path / "a" / LOCK_NAME, tmp_path / "b" / LOCK_NAME]


def test_lock_creates_missing_folders(tmp_path):
    target = tmp_path / "reports" / "2026" / "crm.xlsx"
    with output_lock([target], tmp_path / "history"):
        assert (target.parent / LOCK_NAME).exists()
        assert (tmp_path / "history" / LOCK_NAME).exists()


def test_no_outputs_no_lock(tmp_path, monkeypatch):
    # Only stdout and no history: no lock file anywhere, not even in the working directory
    # (where a lock beside a relative output path such as "report.json" would go).
    monkeypatch.chdir(tmp_path)
    assert lock_files([], None) == []
    with output_lock([]):
        assert list(tmp_path.iterdir()) == []
    with output_lock(["report.json"]):
        assert (tmp_path / LOCK_NAME).exists()  # the same folder does get one for a file


def test_overlapping_run_waits_for_the_first(tmp_path):
    target = tmp_path / "report.json"
    order: list[str] = []
    first_holds = threading.Event()

    def first() -> None:
        with output_lock([target], timeout=5):
            first_holds.set()
            order.append("first-start")
            time.sleep(0.4)
            order.append("first-end")

    t = threading.Thread(target=first)
    t.start()
    first_holds.wait(5)
    started = time.monotonic()
    with output_lock([target], timeout=5):
        order.append("second")
        waited = time.monotonic() - started
    t.join()
    assert order == ["first-start", "first-end", "second"]
    assert waited >= 0.2


def test_overlapping_run_gives_up_after_timeout(tmp_path, monkeypatch):
    monkeypatch.setenv(LOCK_TIMEOUT_ENV, "0.3")
    target = tmp_path / "out" / "report.xlsx"
    with output_lock([target]):
        started = time.monotonic()
        with pytest.raises(AuditError, match="another crm-audit run is still writing here") as err, \
                output_lock([target]):
            pytest.fail("got a lock another run holds")  # pragma: no cover
        assert 0.25 <= time.monotonic() - started < 3
    message = str(err.value)
    assert message.startswith(str(target.parent.resolve() / LOCK_NAME)) and LOCK_TIMEOUT_ENV in message
    with output_lock([target], timeout=0):  # released: the next run gets it at once
        pass


def test_history_folder_alone_is_locked(tmp_path):
    with output_lock([], tmp_path / "hist"), pytest.raises(AuditError, match="still writing"), \
            output_lock([tmp_path / "other" / "r.json"], tmp_path / "hist", timeout=0.1):
        pass  # pragma: no cover


@pytest.mark.parametrize("raw, expected", [
    pytest.param(None, LOCK_TIMEOUT_S, id="default"),
    pytest.param("", LOCK_TIMEOUT_S, id="empty-is-default"),
    pytest.param("120", 120.0, id="seconds"),
    pytest.param("0", 0.0, id="zero-means-do-not-wait"),
])
def test_lock_timeout_from_env(monkeypatch, raw, expected):
    if raw is None:
        monkeypatch.delenv(LOCK_TIMEOUT_ENV, raising=False)
    else:
        monkeypatch.setenv(LOCK_TIMEOUT_ENV, raw)
    assert lock_timeout() == expected


@pytest.mark.parametrize("raw", [pytest.param("soon", id="word"), pytest.param("-5", id="negative"),
                                 pytest.param("nan", id="nan")])
def test_bad_lock_timeout_env(monkeypatch, raw):
    monkeypatch.setenv(LOCK_TIMEOUT_ENV, raw)
    with pytest.raises(AuditError, match=LOCK_TIMEOUT_ENV):
        lock_timeout()


# -- what a report may replace, and what a killed run leaves --------------------------------------

def test_sweep_removes_only_leftovers_of_dead_runs(tmp_path):
    import os
    import subprocess
    import sys

    from reports.atomic import sweep_leftovers
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead_pid = int(dead.stdout)
    target = tmp_path / "report.xlsx"
    stale_file = tmp_path / f".report.xlsx.{dead_pid}.k2j4h1xx.tmp"
    stale_file.write_bytes(b"half a report")
    stale_dir = tmp_path / f".report.xlsx.{dead_pid}.a9b8c7dd.tmp"
    (stale_dir / "sub").mkdir(parents=True)
    (stale_dir / "sub" / "openpyxl.abc").write_bytes(b"x")
    alive = tmp_path / f".report.xlsx.{os.getpid()}.zzzzzzzz.tmp"  # this process: a writer at work
    alive.write_bytes(b"")
    other = tmp_path / f".other.json.{dead_pid}.k2j4h1xx.tmp"       # another report's
    other.write_bytes(b"")
    removed = sweep_leftovers(target)
    assert sorted(p.name for p in removed) == sorted([stale_file.name, stale_dir.name])
    assert alive.exists() and other.exists() and not stale_file.exists() and not stale_dir.exists()


@pytest.mark.parametrize("make, needle", [
    pytest.param(lambda p: p.mkdir(), "is a folder", id="folder"),
    pytest.param(lambda p: p.symlink_to(p.parent / "elsewhere"), "is a symbolic link", id="dangling-symlink"),
    pytest.param(lambda p: __import__("os").mkfifo(p), "is a FIFO", id="fifo"),
])
def test_atomic_path_refuses_what_is_not_a_regular_file(make, needle, tmp_path):
    from reports.atomic import atomic_path
    target = tmp_path / "report.json"
    make(target)
    with pytest.raises(AuditError, match=needle), atomic_path(target) as tmp:
        tmp.write_text("x")  # pragma: no cover
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


def test_two_reports_on_one_path_are_refused(tmp_path):
    from audit.app.outputs import refuse_bad_outputs
    with pytest.raises(AuditError, match="is named for two reports"):
        refuse_bad_outputs([tmp_path / "r.json", tmp_path / "sub" / ".." / "r.json"])


def test_temporary_files_carry_the_process_id(tmp_path):
    import os

    from reports.atomic import atomic_path
    with atomic_path(tmp_path / "r.json") as tmp:
        assert tmp.parent == tmp_path and tmp.name.startswith(f".r.json.{os.getpid()}.") and tmp.name.endswith(".tmp")
        tmp.write_text("{}")
    assert (tmp_path / "r.json").read_text() == "{}"
