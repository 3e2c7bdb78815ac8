"""Run crm-audit in a child process under a wall-clock and memory budget.

The child's peak memory is its high-water mark (VmHWM in /proc/PID/status, polled every 10 ms;
it is the child's own since exec). ru_maxrss from wait4 is not used: Linux folds the parent's
high-water mark into it at exec, so a test process that built a big bomb would be charged for
it. The same poll kills the child at three times either budget, so that a regression (a bomb
read after all) fails the test instead of taking the machine down with it.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

# The command as `python -m audit.cli` (what the console script runs): the code under test is
# whatever `audit` this interpreter imports.
COMMAND = [sys.executable, "-m", "audit.cli"]
POLL_S = 0.01


@dataclass(frozen=True)
class Outcome:
    code: int               # exit code (negative: killed by that signal)
    seconds: float          # wall clock
    peak_mb: float          # the child's peak resident memory
    stdout: str
    stderr: str
    killed_by_watchdog: str | None = None

    def row(self, case: str) -> str:
        return f"| {case} | {self.code} | {self.seconds:.2f} | {self.peak_mb:.0f} |"


def _memory_mb(pid: int) -> tuple[float, float]:
    """(resident now, high-water mark) in MB; zeros once the process is gone."""
    now = peak = 0.0
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    now = int(line.split()[1]) / 1024
                elif line.startswith("VmHWM:"):
                    peak = int(line.split()[1]) / 1024
    except OSError:
        pass
    return now, peak


def run_bounded(args: list[str], *, seconds: float, rss_mb: float, env: dict | None = None,
                cwd: Path | None = None, on_start=None) -> Outcome:
    """Run `crm-audit ARGS`; the watchdog kills it past 3x either budget. `on_start(proc)` may act
    on the running child (send it a signal) and returns when done."""
    child_env = {**os.environ, "GX_ANALYTICS_ENABLED": "false", **(env or {})}
    started = time.monotonic()
    proc = subprocess.Popen([*COMMAND, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=child_env,
                            cwd=cwd)
    out: dict[str, bytes] = {}
    readers = [threading.Thread(target=lambda n=name, s=stream: out.__setitem__(n, s.read()))
               for name, stream in (("stdout", proc.stdout), ("stderr", proc.stderr))]
    for reader in readers:
        reader.start()
    verdict: list[str] = []
    peak = [0.0]
    done = threading.Event()

    def watchdog() -> None:
        while not done.wait(POLL_S):
            elapsed, (rss, hwm) = time.monotonic() - started, _memory_mb(proc.pid)
            peak[0] = max(peak[0], hwm, rss)
            if rss > 3 * rss_mb or elapsed > 3 * seconds:
                verdict.append(f"killed at {elapsed:.1f} s, {rss:.0f} MB")
                os.kill(proc.pid, signal.SIGKILL)
                return

    guard = threading.Thread(target=watchdog, daemon=True)
    guard.start()
    if on_start is not None:
        on_start(proc)
    # The last look at the high-water mark: the child has exited but is not reaped yet.
    os.waitid(os.P_PID, proc.pid, os.WEXITED | os.WNOWAIT)
    elapsed = time.monotonic() - started
    done.set()
    guard.join()
    _pid, status, _usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    for reader in readers:
        reader.join()
    return Outcome(code=proc.returncode, seconds=elapsed, peak_mb=peak[0],
                   stdout=out.get("stdout", b"").decode("utf-8", "replace"),
                   stderr=out.get("stderr", b"").decode("utf-8", "replace"),
                   killed_by_watchdog=verdict[0] if verdict else None)


def assert_within(outcome: Outcome, *, code: int, seconds: float, rss_mb: float, needle: str = "") -> None:
    """Exit code, one-line message, and both budgets."""
    assert outcome.killed_by_watchdog is None, outcome.killed_by_watchdog
    assert outcome.code == code, (outcome.code, outcome.stderr[-2000:])
    if code == 2:
        lines = [line for line in outcome.stderr.splitlines() if line.strip()]
        assert len(lines) == 1 and lines[0].startswith("crm-audit: error: "), outcome.stderr[-2000:]
        assert needle in lines[0], lines[0]
    assert outcome.seconds <= seconds, f"{outcome.seconds:.1f} s over the {seconds} s budget"
    assert outcome.peak_mb <= rss_mb, f"{outcome.peak_mb:.0f} MB over the {rss_mb} MB budget"
