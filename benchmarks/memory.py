"""Where a run's memory goes: resident memory (RSS) sampled every 50 ms through one real
`crm-audit run`, with the phase or check running at each sample.

    python benchmarks/memory.py EXPORT_FOLDER [more `crm-audit run` options]
    python benchmarks/memory.py EXPORT_FOLDER --profile prof.out   # also a cProfile of the run

Prints, per phase (ingest, each check, the tables after the checks, masking, each report), its
time, the RSS when it started and ended, and the highest RSS sampled while it ran; then the
run's peak and where it was. Arrow's and numpy's memory both count (tracemalloc sees neither);
Great Expectations' worker is a process of its own and is not counted here (benchmarks/run.py
reads its peak). The reports are written to a temporary folder, removed at the end.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# Functions of audit.runner run after the checks, each timed on its own.
AFTER_CHECKS = ("_all_findings", "owners_table", "funnel_table", "stages_table", "pipelines_table",
                "trust_scores", "export_warnings", "team_row")


def rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


class Sampler:
    """RSS every `every` seconds, each sample labelled with what was running."""

    def __init__(self, every: float = 0.05) -> None:
        self.label = "start"
        self.peaks: dict[str, float] = {}
        self.marks: list[tuple[str, float, float, float]] = []  # label, seconds, rss before, rss after
        self.every = every
        threading.Thread(target=self._run, daemon=True).start()

    def _run(self) -> None:
        while True:
            self.peaks[self.label] = max(self.peaks.get(self.label, 0.0), rss_mb())
            time.sleep(self.every)

    def timed(self, name, fn):
        def wrapper(*args, **kwargs):
            outer, self.label = self.label, (name(args) if callable(name) else name)
            label, started, before = self.label, time.perf_counter(), rss_mb()
            try:
                return fn(*args, **kwargs)
            finally:
                self.peaks[label] = max(self.peaks.get(label, 0.0), rss_mb())
                self.marks.append((label, time.perf_counter() - started, before, rss_mb()))
                self.label = outer
        return wrapper


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("folder", type=Path)
    ap.add_argument("--profile", type=Path, help="also write a cProfile of the run here")
    args, rest = ap.parse_known_args()
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    sampler = Sampler()
    import audit.app.session as session
    import audit.runner as runner
    import reports.pii as pii
    session.load = sampler.timed("ingest", session.load)
    session.write = sampler.timed(lambda a: f"write {a[0]}", session.write)
    pii.mask_phones = sampler.timed("masking", pii.mask_phones)
    runner._run_one = sampler.timed(lambda a: a[0].code, runner._run_one)
    for name in AFTER_CHECKS:
        setattr(runner, name, sampler.timed(name, getattr(runner, name)))
    from audit.cli import main as cli
    out = Path(tempfile.mkdtemp(prefix="crm-audit-memory-"))
    sys.argv = ["crm-audit", "run", str(args.folder), "-o", str(out / "report.xlsx"), "--json",
                str(out / "report.json"), "-q", "--fail-on", "never", *rest]
    profile = None
    if args.profile:
        import cProfile
        profile = cProfile.Profile()
        profile.enable()
    started = time.perf_counter()
    try:
        cli()
    except SystemExit:
        pass
    finally:
        if profile is not None:
            profile.disable()
            profile.dump_stats(args.profile)
    print(f"{'phase':16s} {'s':>7s} {'MB before':>10s} {'MB after':>9s} {'MB peak':>8s}")
    for label, seconds, before, after in sampler.marks:
        print(f"{label:16s} {seconds:7.2f} {before:10,.0f} {after:9,.0f} {sampler.peaks.get(label, after):8,.0f}")
    where, peak = max(sampler.peaks.items(), key=lambda kv: kv[1])
    print(f"run {time.perf_counter() - started:.1f} s, peak RSS {peak:,.0f} MB during {where}")
    shutil.rmtree(out, ignore_errors=True)


if __name__ == "__main__":  # the GX worker re-imports this module: it must not run an audit of its own
    main()
