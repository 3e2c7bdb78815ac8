"""Outputs under attack: only regular files are written, never an input or the config; nothing
is left behind by a run that is stopped (SIGTERM, SIGINT) and what a kill -9 leaves is swept
by the next run; openpyxl's scratch files never reach the system temp folder."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import stat
import time
from pathlib import Path

import pytest

from tests.hostile.harness import run_bounded
from tests.ingest.conftest import FIXTURES

pytestmark = pytest.mark.hostile

DEALS = FIXTURES / "generic_deals.csv"


def _run(*args, seconds: float = 60.0, rss_mb: float = 800.0, **kw):
    return run_bounded(["run", *map(str, args)], seconds=seconds, rss_mb=rss_mb, **kw)


def _refused(outcome, needle: str) -> None:
    lines = [line for line in outcome.stderr.splitlines() if line.strip()]
    assert outcome.code == 2 and len(lines) == 1, outcome.stderr
    assert needle in lines[0], lines[0]
    assert "Exception ignored" not in outcome.stderr and "Traceback" not in outcome.stderr


def test_a_character_device_is_not_replaced(tmp_path):
    """`--json /dev/null` run as root renamed a file over /dev/null and put a lock in /dev. The
    test makes its own device node (the same device as /dev/null) in its own folder: a test
    aimed at the real /dev/null would, on a regression run as root, break the machine's."""
    device = tmp_path / "null"
    try:
        os.mknod(device, stat.S_IFCHR | 0o666, os.makedev(1, 3))
    except PermissionError:
        pytest.skip("cannot create a device node here (needs root)")
    _refused(_run(DEALS, "--json", device, "-q"), "is a character device, not a regular file")
    assert stat.S_ISCHR(device.lstat().st_mode)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["null"]  # no lock, no temp file beside it


def test_a_fifo_is_not_replaced(tmp_path):
    fifo = tmp_path / "report.json"
    os.mkfifo(fifo)
    _refused(_run(DEALS, "--json", fifo, "-q", seconds=20), "is a FIFO")
    assert stat.S_ISFIFO(fifo.lstat().st_mode)


def test_a_socket_is_not_replaced(tmp_path):
    path = tmp_path / "report.md"
    with socket.socket(socket.AF_UNIX) as sock:
        sock.bind(str(path))
        _refused(_run(DEALS, "--md", path, "-q"), "is a socket")
        assert stat.S_ISSOCK(path.lstat().st_mode)


def test_a_symlink_is_not_replaced(tmp_path):
    target = tmp_path / "elsewhere.json"
    target.write_text("keep me", encoding="utf-8")
    link = tmp_path / "report.json"
    link.symlink_to(target)
    _refused(_run(DEALS, "--json", link, "-q"), "is a symbolic link")
    assert link.is_symlink() and target.read_text(encoding="utf-8") == "keep me"


def test_a_folder_is_refused_in_one_line(tmp_path):
    """`-o FOLDER` printed 71 lines of "Exception ignored" from half-built workbook streams."""
    (tmp_path / "out").mkdir()
    _refused(_run(DEALS, "-o", tmp_path / "out", "-q"), "is a folder")


@pytest.mark.parametrize("option", ["--md", "-o", "--json"])
def test_the_config_is_never_overwritten(option, tmp_path):
    config = tmp_path / "crm-audit.toml"
    config.write_text("[report]\nlang = 'en'\n", encoding="utf-8")
    before = config.read_bytes()
    _refused(_run(DEALS, "-c", config, option, config, "-q"), "is the config file")
    assert config.read_bytes() == before


def test_a_hard_link_to_an_input_is_refused(tmp_path):
    deals = tmp_path / "deals.csv"
    shutil.copy(DEALS, deals)
    os.link(deals, tmp_path / "report.md")
    before = deals.read_bytes()
    _refused(_run(deals, "--md", tmp_path / "report.md", "-q"), "is an input file")
    assert deals.read_bytes() == before


def test_a_report_in_the_export_folder_is_not_read_back(tmp_path):
    """A workbook written into the input folder was read as input (its "Stages and pipelines"
    sheet as a pipelines table) and every later run failed."""
    export = tmp_path / "export"
    export.mkdir()
    shutil.copy(DEALS, export / "deals.csv")
    first = _run(export, "-o", export / "report.xlsx", "--json", export / "report.json", "-q", "--fail-on", "never")
    assert first.code == 0, first.stderr
    second = _run(export, "-o", export / "report.xlsx", "-q", "--fail-on", "never")
    assert second.code == 0, second.stderr
    inspect = run_bounded(["inspect", str(export), str(export / "report.json")], seconds=60, rss_mb=800)
    assert inspect.code == 0, inspect.stderr
    assert inspect.stdout.count("skipped: a crm-audit report, not an export") == 2


# -- stopped runs -------------------------------------------------------------------------------------

def _big_export(folder: Path, deals: int = 40_000) -> Path:
    """A deals export whose workbook takes a while to write (every lost deal lacks a reason: 20,000
    to-do rows, the sheet's cap). The stop tests send their signal when the report's temporary
    files appear; the workbook must take long enough (about a second here) that the signal lands
    while it is written, not after, on a loaded machine too."""
    folder.mkdir(parents=True, exist_ok=True)
    lines = ["deal_id,title,stage,status,owner,created_at,closed_at,amount,lost_reason"]
    for i in range(deals):
        status = "lost" if i % 2 else "won"
        lines.append(f"{i},Deal {i},{'Lost' if i % 2 else 'Won'},{status},Owner{i % 9},2026-0{1 + i % 9}-1{i % 10} 10:{i % 60:02d},"
                     f"2026-10-{1 + i % 28:02d} 12:00,{100 + i},")
    path = folder / "deals.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


def _stop_while_writing(signum: int, out: Path):
    """on_start hook: wait for the workbook's scratch folder to appear, then send `signum`."""
    def hook(proc) -> None:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and proc.poll() is None:
            if out.exists() and _leftovers(out):
                os.kill(proc.pid, signum)
                return
            time.sleep(0.005)
        pytest.fail("the run never started writing the workbook")  # pragma: no cover
    return hook


@pytest.mark.parametrize("signum, code", [(signal.SIGTERM, 128 + signal.SIGTERM), (signal.SIGINT, 130)],
                         ids=["SIGTERM", "SIGINT"])
def test_a_stopped_run_leaves_nothing_behind(signum, code, tmp_path):
    deals = _big_export(tmp_path / "export")
    out, systmp = tmp_path / "out", tmp_path / "systmp"
    systmp.mkdir()
    outcome = _run(deals, "-o", out / "report.xlsx", "-q", "--fail-on", "never", seconds=120,
                   env={"TMPDIR": str(systmp)}, on_start=_stop_while_writing(signum, out))
    assert outcome.code == code, outcome.stderr
    assert _leftovers(out) == [] and not (out / "report.xlsx").exists()
    assert list(systmp.iterdir()) == []


def test_what_a_kill_9_leaves_is_swept_by_the_next_run(tmp_path):
    deals = _big_export(tmp_path / "export")
    out, systmp = tmp_path / "out", tmp_path / "systmp"
    systmp.mkdir()
    killed = _run(deals, "-o", out / "report.xlsx", "-q", "--fail-on", "never", seconds=120,
                  env={"TMPDIR": str(systmp)}, on_start=_stop_while_writing(signal.SIGKILL, out))
    assert killed.code == -signal.SIGKILL
    left = _leftovers(out)
    assert left and all(name.startswith(".report.xlsx.") for name in left)
    assert list(systmp.iterdir()) == [], "openpyxl's scratch files belong beside the report"
    again = _run(deals, "-o", out / "report.xlsx", "-q", "--fail-on", "never", seconds=120,
                 env={"TMPDIR": str(systmp)})
    assert again.code == 0, again.stderr
    assert _leftovers(out) == [] and (out / "report.xlsx").exists()


@pytest.mark.parametrize("option", ["-o", "--json"])
def test_a_report_path_that_is_not_utf8_is_refused_in_one_line(option, tmp_path):
    # `-o` into a folder named in cp1251 bytes was an internal error from openpyxl's XML writer.
    target = tmp_path / os.fsdecode("Отчёт".encode("cp1251") + (b".json" if option == "--json" else b""))
    _refused(_run(DEALS, option, target), "path is not UTF-8 text")
    assert not target.exists() and DEALS.exists()
