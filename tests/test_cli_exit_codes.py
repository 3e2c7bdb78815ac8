"""`crm-audit run` as cron sees it: exit codes, -q, history across runs, output paths, overlap.

Exports are small generic CSV files whose headers are the canonical column names. Runs
select ST03 (lost-without-reason, medium) so the verdicts do not move as the catalogue grows.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from audit.cli import cli
from audit.app.history import History
from audit.app.outputs import LOCK_TIMEOUT_ENV, output_lock

DEALS_HEADER = "deal_id,stage,status,owner,created_at,closed_at,lost_reason"


def write_export(folder: Path, unexplained: int = 0, explained: int = 2, day: int = 10) -> Path:
    """deals.csv with `unexplained` lost deals lacking a reason; the latest close is on `day`."""
    folder.mkdir(parents=True, exist_ok=True)
    rows = [DEALS_HEADER, f"100,Won,won,Anna,2026-10-01,2026-11-{day:02d},"]
    rows += [f"{i},Lost,lost,Boris,2026-10-01,2026-10-20,Price" for i in range(1, explained + 1)]
    rows += [f"{i},Lost,lost,Boris,2026-10-01,2026-10-20," for i in range(50, 50 + unexplained)]
    (folder / "deals.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    (folder / "activities.csv").write_text("deal_id,type,at\n100,call,2026-10-05\n", encoding="utf-8")
    return folder


def run(*args: str, env: dict | None = None):
    return CliRunner().invoke(cli, ["run", *args], env=env)


def error_lines(output: str) -> list[str]:
    return [line for line in output.splitlines() if line.startswith("crm-audit: error:")]


@pytest.fixture
def clean(tmp_path):
    return write_export(tmp_path / "clean", unexplained=0)


@pytest.fixture
def dirty(tmp_path):
    return write_export(tmp_path / "dirty", unexplained=2)


@pytest.mark.parametrize("export, options, code", [
    pytest.param("clean", [], 0, id="clean-export-0"),
    pytest.param("clean", ["--fail-on", "low"], 0, id="clean-even-at-low-0"),
    pytest.param("dirty", [], 0, id="medium-finding-below-default-high-0"),
    pytest.param("dirty", ["--fail-on", "high"], 0, id="medium-finding-below-high-0"),
    pytest.param("dirty", ["--fail-on", "medium"], 1, id="medium-finding-at-medium-1"),
    pytest.param("dirty", ["--fail-on", "low"], 1, id="medium-finding-above-low-1"),
    pytest.param("dirty", ["--fail-on", "never"], 0, id="never-fails-0"),
])
def test_exit_code_matrix(request, export, options, code):
    folder = request.getfixturevalue(export)
    result = run(str(folder), "--select", "ST03", *options)
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize("config, code", [
    pytest.param('[checks]\nfail_on = "medium"\n', 1, id="config-fail-on"),
    pytest.param('[checks.ST03]\nseverity = "high"\n', 1, id="severity-raised-to-default-fail-on"),
    pytest.param('[checks.ST03]\nseverity = "high"\n[checks]\nfail_on = "never"\n', 0, id="config-never"),
])
def test_exit_code_from_config(tmp_path, dirty, config, code):
    cfg = tmp_path / "crm-audit.toml"
    cfg.write_text(config, encoding="utf-8")
    result = run(str(dirty), "--select", "ST03", "-c", str(cfg))
    assert result.exit_code == code, result.output


def test_command_line_fail_on_beats_config(tmp_path, dirty):
    cfg = tmp_path / "crm-audit.toml"
    cfg.write_text('[checks]\nfail_on = "medium"\n', encoding="utf-8")
    assert run(str(dirty), "--select", "ST03", "-c", str(cfg), "--fail-on", "high").exit_code == 0


def _garbage(folder: Path) -> list[str]:
    (folder / "deals.csv").write_bytes(os.urandom(64) + b"\x00\x00" + os.urandom(2000))
    return [str(folder / "deals.csv")]


def _empty(folder: Path) -> list[str]:
    (folder / "deals.csv").write_bytes(b"")
    return [str(folder / "deals.csv")]


def _no_deals(folder: Path) -> list[str]:
    (folder / "notes.csv").write_text("foo,bar\n1,2\n", encoding="utf-8")
    return [str(folder / "notes.csv")]


def _bad_toml(folder: Path) -> list[str]:
    (folder / "bad.toml").write_text("[checks\n", encoding="utf-8")
    return [str(write_export(folder / "exp")), "-c", str(folder / "bad.toml")]


def _unknown_section(folder: Path) -> list[str]:
    (folder / "bad.toml").write_text("[chekcs]\n", encoding="utf-8")
    return [str(write_export(folder / "exp")), "-c", str(folder / "bad.toml")]


def _missing_config(folder: Path) -> list[str]:
    return [str(write_export(folder / "exp")), "-c", str(folder / "nope.toml")]


def _bad_placeholder(folder: Path) -> list[str]:
    return [str(write_export(folder / "exp")), "--json", str(folder / "{date}.json")]


def _over_input(folder: Path) -> list[str]:
    exp = write_export(folder / "exp")
    return [str(exp), "--json", str(exp / "deals.csv")]


def _corrupt_history(folder: Path) -> list[str]:
    (folder / "hist").mkdir()
    (folder / "hist" / "crm-audit-history.sqlite").write_bytes(b"not a database" * 200)
    return [str(write_export(folder / "exp")), "--history", str(folder / "hist")]


@pytest.mark.parametrize("make_args, names", [
    pytest.param(lambda f: [str(f / "missing.csv")], "missing.csv", id="missing-file"),
    pytest.param(lambda f: [str(f / "missing-folder")], "missing-folder", id="missing-folder"),
    pytest.param(_garbage, "deals.csv", id="unreadable-export"),
    pytest.param(_empty, "deals.csv", id="empty-export"),
    pytest.param(_no_deals, "notes.csv", id="no-deals-table"),
    pytest.param(_bad_toml, "bad.toml", id="bad-config-toml"),
    pytest.param(_unknown_section, "bad.toml", id="bad-config-section"),
    pytest.param(_missing_config, "nope.toml", id="missing-config"),
    pytest.param(_bad_placeholder, "{date}.json", id="bad-output-placeholder"),
    pytest.param(_over_input, "deals.csv", id="report-over-input"),
    pytest.param(_corrupt_history, "crm-audit-history.sqlite", id="corrupt-history"),
])
def test_input_and_usage_errors_exit_2_with_one_line(tmp_path, make_args, names):
    result = run(*make_args(tmp_path), "--select", "ST03")
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    lines = error_lines(result.output)
    assert len(lines) == 1 and names in lines[0], result.output


@pytest.mark.parametrize("options", [
    pytest.param(["--select", "ZZ99"], id="unknown-check"),
    pytest.param(["--as-of", "someday"], id="bad-as-of"),
    pytest.param(["--fail-on", "critical"], id="bad-fail-on"),
])
def test_bad_options_exit_2(clean, options):
    result = run(str(clean), *options)
    assert result.exit_code == 2 and "Traceback" not in result.output


def test_quiet_prints_nothing_on_success(clean, tmp_path):
    result = run(str(clean), "--select", "ST03", "-q", "--json", str(tmp_path / "r.json"))
    assert result.exit_code == 0 and result.output == ""
    assert (tmp_path / "r.json").exists()


def test_quiet_prints_one_line_on_failure(dirty):
    result = run(str(dirty), "--select", "ST03", "-q", "--fail-on", "medium")
    assert result.exit_code == 1
    assert result.output.count("\n") == 1
    assert re.fullmatch(r"crm-audit: 1 check\(s\) at or above medium failed: ST03 \(score [^)\n]+\)\n",
                        result.output), result.output


def test_quiet_error_is_one_line(tmp_path):
    result = run(str(tmp_path / "missing.csv"), "-q")
    assert result.exit_code == 2 and len(result.output.strip().splitlines()) == 1


def test_output_placeholders_and_missing_folders(clean, tmp_path):
    template = str(tmp_path / "reports" / "{as_of:%Y}" / "{crm}-{as_of:%Y-%m-%d}.json")
    result = run(str(clean), "--select", "ST03", "--json", template)
    assert result.exit_code == 0, result.output
    report = tmp_path / "reports" / "2026" / "generic-2026-11-10.json"
    assert json.loads(report.read_text(encoding="utf-8"))["as_of"] == "2026-11-10T00:00:00"
    assert [p.name for p in report.parent.iterdir() if p.suffix == ".tmp"] == []


def test_history_across_three_runs(tmp_path):
    hist, out = tmp_path / "hist", tmp_path / "out"
    reports = []
    for day, unexplained in ((10, 3), (11, 2), (12, 1)):
        export = write_export(tmp_path / f"exp{day}", unexplained=unexplained, day=day)
        result = run(str(export), "--select", "ST03", "--history", str(hist),
                     "--json", str(out / "crm-{as_of:%Y-%m-%d}.json"))
        assert result.exit_code == 0, result.output
        reports.append(json.loads((out / f"crm-2026-11-{day}.json").read_text(encoding="utf-8")))
    first, second, third = reports
    assert "previous" not in first["summary"]
    assert first["checks"][0]["previous_affected"] is None
    assert second["summary"]["previous"]["as_of"] == "2026-11-10T00:00:00"
    assert [c["previous_affected"] for c in second["checks"]] == [3]
    assert [c["previous_affected"] for c in third["checks"]] == [2]
    assert third["summary"]["previous"]["as_of"] == "2026-11-11T00:00:00"
    assert third["summary"]["previous"]["score"] == second["summary"]["score"]
    assert third["summary"]["trend"] == [
        {"as_of": "2026-11-10T00:00:00", "score": first["summary"]["score"]},
        {"as_of": "2026-11-11T00:00:00", "score": second["summary"]["score"]}]
    # The third export audited again: replaced, not doubled.
    assert run(str(tmp_path / "exp12"), "--select", "ST03", "--history", str(hist)).exit_code == 0
    assert [r["as_of"] for r in History(hist).runs()] == [
        "2026-11-10T00:00:00", "2026-11-11T00:00:00", "2026-11-12T00:00:00"]
    assert [r["checks"]["ST03"] for r in History(hist).runs()] == [3, 2, 1]


def test_run_waits_for_an_overlapping_run(clean, tmp_path):
    hist = tmp_path / "hist"
    released = threading.Event()

    def other_run() -> None:
        with output_lock([], hist):
            time.sleep(0.5)
            released.set()

    holder = threading.Thread(target=other_run)
    holder.start()
    time.sleep(0.1)
    result = run(str(clean), "--select", "ST03", "--history", str(hist), "-q", env={LOCK_TIMEOUT_ENV: "10"})
    holder.join()
    assert released.is_set()
    assert result.exit_code == 0, result.output
    assert len(History(hist).runs()) == 1


def test_run_gives_up_on_a_stuck_run_with_exit_2(clean, tmp_path):
    out = tmp_path / "out"
    with output_lock([out / "r.json"]):
        result = run(str(clean), "--select", "ST03", "--json", str(out / "r.json"), env={LOCK_TIMEOUT_ENV: "0.3"})
    assert result.exit_code == 2
    lines = error_lines(result.output)
    assert len(lines) == 1 and "another crm-audit run is still writing here" in lines[0]
    assert not (out / "r.json").exists()


def test_two_overlapping_processes_share_history_and_output(tmp_path):
    hist, report = tmp_path / "hist", tmp_path / "out" / "report.json"
    exports = [write_export(tmp_path / f"exp{day}", unexplained=n, day=day) for day, n in ((10, 1), (11, 2))]
    cmd = [sys.executable, "-m", "audit.cli", "run", "--select", "ST03", "--history", str(hist),
           "--json", str(report), "-q"]
    env = {**os.environ, LOCK_TIMEOUT_ENV: "60"}
    procs = [subprocess.Popen([*cmd, str(e)], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for e in exports]
    outcomes = [(p.wait(timeout=120), p.stdout.read(), p.stderr.read()) for p in procs]
    for p in procs:
        p.stdout.close()
        p.stderr.close()
    assert [code for code, _out, _err in outcomes] == [0, 0], outcomes
    assert all(out == "" and err == "" for _code, out, err in outcomes), outcomes
    runs = History(hist).runs()
    assert [r["as_of"] for r in runs] == ["2026-11-10T00:00:00", "2026-11-11T00:00:00"]
    assert [r["checks"]["ST03"] for r in runs] == [1, 2]
    doc = json.loads(report.read_text(encoding="utf-8"))  # whole, from one run or the other
    assert doc["as_of"] in ("2026-11-10T00:00:00", "2026-11-11T00:00:00")
    assert [p.name for p in report.parent.iterdir() if p.suffix == ".tmp"] == []
