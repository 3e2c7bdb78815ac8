"""Benchmark: auditing a phone system's call log against the CRM, against parsing the log.

    python benchmarks/calls.py                      # 100,000 deals, 1,000,000 calls
    python benchmarks/calls.py --deals 10000 --calls 100000

Generates the demo CRM at the given size (amoCRM deals and events lists) and an Asterisk
Master.csv with about --calls calls (every call the CRM logged, the demo's planted off-system
talk, and more logged client calls to reach the size), then in fresh processes:

- parse: `pyarrow.csv.read_csv` of Master.csv (no header, every column as text), the median of
  three reads;
- audit: the call log read as crm-audit reads it (layout, numbers to E.164, managers from
  [calls.extensions]), OF07, OF08 and OF09 (their own run times: the rest of the runner's work
  is the CRM's, benchmarks/run.py's business) and the owners' call columns, with the CRM already
  loaded; each phase the median of --repeats runs (3) in one process, as the parse's three reads.
  OF01 and OF02 run first, as in every audit, untimed: they build the CRM's own indexes (the deal
  index, the activity timeline) that OF07 reads, which are the CRM's work, not the call log's.

Prints seconds per phase and the audit's ratio to the parse. Nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CHILD_PARSE = r"""
import json, sys, time
import pyarrow as pa, pyarrow.csv as pacsv
path = sys.argv[1]
names = [f"c{i}" for i in range(18)]
times, cpu = [], []
for _ in range(3):  # the machine is shared and reads swing: the median of three
    t, c = time.perf_counter(), time.process_time()
    table = pacsv.read_csv(path, read_options=pacsv.ReadOptions(column_names=names),
                           convert_options=pacsv.ConvertOptions(column_types={n: pa.large_string() for n in names}))
    times.append(time.perf_counter() - t)
    cpu.append(time.process_time() - c)
print(json.dumps({"parse": sorted(times)[1], "parse_cpu": sorted(cpu)[1], "rows": table.num_rows}))
"""

CHILD_AUDIT = r"""
import json, statistics, sys, time
from functools import partial
from pathlib import Path
import pandas as pd
from audit.model import config
from audit.ingest import load
from audit.ingest import calllog
from audit.ingest.mapping import read_table
from audit.ingest.readers import read_file
from audit.ingest.contacts import finish_calls, known_managers
from audit.model import CrmData
from audit.runner import run_audit
from audit.derived.calls import CallSettings, deal_calls, owner_talk_shares
from audit.derived.tables import Derived
import audit.runner as runner_module
folder, log, repeats = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3])
CRM_CHECKS = ("OF01", "OF02")  # run first as in any audit, not timed: they build the CRM's own indexes
checks_cpu = [0.0]
cpu_of = {}
run_one = runner_module._run_one
def timed_run_one(check_cls, *args, **kwargs):  # the checks' CPU seconds, as elapsed_s is wall clock
    c = time.process_time()
    try:
        return run_one(check_cls, *args, **kwargs)
    finally:
        cpu_of[check_cls.code] = time.process_time() - c
        checks_cpu[0] += cpu_of[check_cls.code]
runner_module._run_one = timed_run_one
cfg = config.load(folder.parent / "crm-audit.toml")
crm = load([folder / "deals.csv", folder / "events.csv"], cfg).crm
tables = {n: getattr(crm, n) for n in ("deals", "stage_history", "activities", "contact_points")}
runs = []
for _ in range(repeats):  # the machine is shared: each phase's median of `repeats` runs, as the parse's
    t, c = time.perf_counter(), time.process_time()
    raw = read_file(log, header=False, layout=partial(calllog.layout_of, cfg=cfg, label=str(log)))[0]
    read = read_table(raw, cfg)
    calls = finish_calls(read.tables["calls"], cfg, known_managers({"deals": crm.deals}))
    t_ingest, c_ingest = time.perf_counter() - t, time.process_time() - c
    data = CrmData.build(**tables, calls=calls, clean_text=False)
    checks_cpu[0] = 0.0
    result = run_audit(data, cfg, select=["OF01", "OF02", "OF07", "OF08", "OF09"])
    c_checks = checks_cpu[0] - sum(cpu_of.get(c, 0.0) for c in ("OF01", "OF02"))
    derived = Derived(data)
    deal_calls(derived, result.as_of, pd.Timedelta(hours=24))  # matched once, as the checks had matched them
    t, c = time.perf_counter(), time.process_time()
    owner_talk_shares(derived, CallSettings(as_of=result.as_of))
    runs.append({"ingest": t_ingest, "ingest_cpu": c_ingest, "owners": time.perf_counter() - t,
                 "checks_cpu": c_checks + time.process_time() - c, "calls": len(calls),
                 "per_check": {c.code: c.elapsed_s for c in result.checks if c.code not in CRM_CHECKS},
                 "findings": {c.code: c.affected for c in result.checks if c.code not in CRM_CHECKS}})
    del raw, read, calls, data, result, derived
print(json.dumps({"ingest": statistics.median(r["ingest"] for r in runs),
                  "ingest_cpu": statistics.median(r["ingest_cpu"] for r in runs),
                  "owners": statistics.median(r["owners"] for r in runs),
                  "checks_cpu": statistics.median(r["checks_cpu"] for r in runs),
                  "per_check": {c: round(statistics.median(r["per_check"][c] for r in runs), 3)
                                for c in runs[0]["per_check"]},
                  "calls": runs[0]["calls"], "deals": len(crm.deals), "points": len(crm.contact_points),
                  "findings": runs[0]["findings"]}))
"""


def child(code: str, *args: str) -> dict:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "GX_ANALYTICS_ENABLED": "false"}
    proc = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, env=env, cwd=ROOT)
    if proc.returncode != 0:
        raise SystemExit(f"benchmark child failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def make(n_deals: int, n_calls: int, out: Path) -> Path:
    sys.path.insert(0, str(ROOT))
    from audit.app.demo import generate, write_config, write_export
    from audit.app.demo_calls import call_log, write_master_csv
    t = time.perf_counter()
    data = generate(n_deals=n_deals, seed=11, problems=True)
    folder = out / "export"
    write_export(data, folder, seed=11)
    base, _, _ = call_log(data, seed=11)
    extra = max(0.0, (n_calls - len(base)) / max(len(data.deals), 1))
    calls, extensions, _ = call_log(data, seed=11, extra_per_deal=extra)
    write_master_csv(calls, folder / "Master.csv")
    write_config(data, out / "crm-audit.toml", extensions=extensions)
    print(f"  generated {len(data.deals):,} deals and {len(calls):,} calls in {time.perf_counter() - t:.1f}s",
          flush=True)
    return folder


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--deals", type=int, default=100_000)
    ap.add_argument("--calls", type=int, default=1_000_000)
    ap.add_argument("--out", type=Path, default=ROOT / "bench-out" / "calls")
    ap.add_argument("--reuse", action="store_true", help="reuse the export already generated in --out")
    ap.add_argument("--repeats", type=int, default=3, help="audit runs in the child, each phase's median kept")
    args = ap.parse_args()
    out = args.out / f"{args.deals}-{args.calls}"
    folder = out / "export" if args.reuse and (out / "export" / "Master.csv").exists() else \
        make(args.deals, args.calls, out)
    parse = child(CHILD_PARSE, str(folder / "Master.csv"))
    audit = child(CHILD_AUDIT, str(folder), str(folder / "Master.csv"), str(args.repeats))
    total = audit["ingest"] + sum(audit["per_check"].values()) + audit["owners"]
    print("| deals | calls | parse s | read log s | OF07-OF09 s | owners s | audit s | audit / parse |")
    print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    checks = sum(audit["per_check"].values())
    print(f"| {audit['deals']:,} | {parse['rows']:,} | {parse['parse']:.2f} | {audit['ingest']:.2f} | "
          f"{checks:.2f} | {audit['owners']:.2f} | {total:.2f} | {total / parse['parse']:.1f} |")
    print(f"per check: {audit['per_check']}; affected: {audit['findings']}; contact points: {audit['points']:,}")
    # CPU seconds of both threads: on a shared machine they swing less than the wall clock.
    audit_cpu = audit["ingest_cpu"] + audit["checks_cpu"]
    print(f"cpu s: parse {parse['parse_cpu']:.2f}, read log {audit['ingest_cpu']:.2f}, OF07-OF09 and owners "
          f"{audit['checks_cpu']:.2f}, audit {audit_cpu:.2f}, audit / parse {audit_cpu / parse['parse_cpu']:.1f}; "
          f"load {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
