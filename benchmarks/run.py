"""Benchmark: the whole audit against plain parsing of the same files.

    python benchmarks/run.py --deals 100000
    python benchmarks/run.py --deals 10000 100000 1000000 --formats canonical amocrm

For each size, generates an export with the demo simulation (about 5 activities and 3
stage changes per deal, the demo's planted problems included), writes it in the chosen
forms (canonical CSV, amoCRM CSV in Windows-1251 plus the events list, HubSpot XLSX),
then, each in a fresh process:

- baseline: `pyarrow.csv.read_csv` of the same files (for XLSX: calamine and openpyxl reads);
- audit: interpreter start and imports, ingest, checks, Great Expectations (HY checks),
  workbook, JSON, with peak memory.

Prints a table of seconds per phase and the ratio of the audit to the baseline. Nothing
here asserts a time: it measures.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CHILD_AUDIT = r"""
import json, resource, sys, time
t0 = time.perf_counter()
from pathlib import Path
import pandas  # noqa: F401
from audit.model import config
from audit.ingest import load
from audit.runner import run_audit, warm_up
from reports import ReportOptions, write
t_import = time.perf_counter() - t0 + float(sys.argv[3])
folder, out = Path(sys.argv[1]), Path(sys.argv[2])
t = time.perf_counter()
warm_up()  # as `crm-audit run` does: GX imports while the files are read
loaded = load([folder], config.Config())
t_ingest = time.perf_counter() - t
t = time.perf_counter()
result = run_audit(loaded.crm, sources=loaded.sources, crm_name=loaded.crm_name)
t_run = time.perf_counter() - t
gx = sum(c.elapsed_s for c in result.checks if c.code.startswith("HY"))
t = time.perf_counter()
write("xlsx", result, out / "report.xlsx", ReportOptions())
t_xlsx = time.perf_counter() - t
t = time.perf_counter()
write("json", result, out / "report.json", ReportOptions())
t_json = time.perf_counter() - t
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
rows = {name: len(getattr(loaded.crm, name)) for name in ("deals", "stage_history", "activities")
        if getattr(loaded.crm, name) is not None}
slow = sorted(((c.elapsed_s, c.code) for c in result.checks), reverse=True)[:5]
print(json.dumps({"import": t_import, "ingest": t_ingest, "checks": t_run - gx, "gx": gx, "workbook": t_xlsx,
                  "json": t_json, "peak_mb": peak, "rows": rows, "findings": len(result.findings),
                  "slowest": slow}))
"""

CHILD_PARSE = r"""
import json, sys, time
from pathlib import Path
t = time.perf_counter()
import pyarrow.csv as pacsv
files = [Path(p) for p in sys.argv[1:]]
for f in files:
    if f.suffix == ".csv":
        pacsv.read_csv(f, read_options=pacsv.ReadOptions(encoding="cp1251") if "amocrm" in str(f) and f.name == "deals.csv" else None,
                       parse_options=pacsv.ParseOptions(delimiter=";" if "amocrm" in str(f) else ",",
                                                        newlines_in_values=False))
print(json.dumps({"parse": time.perf_counter() - t}))
"""

CHILD_XLSX = r"""
import json, sys, time
import pandas as pd
path = sys.argv[1]
t = time.perf_counter(); pd.read_excel(path, engine="calamine"); calamine = time.perf_counter() - t
t = time.perf_counter(); pd.read_excel(path, engine="openpyxl"); openpyxl = time.perf_counter() - t
print(json.dumps({"calamine": calamine, "openpyxl": openpyxl}))
"""


def child(code: str, *args: str) -> dict:
    # The environment of a plain `crm-audit run` (no allocator tuning), so the numbers are the user's.
    env = {**os.environ, "PYTHONPATH": str(ROOT), "GX_ANALYTICS_ENABLED": "false"}
    proc = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, env=env, cwd=ROOT)
    if proc.returncode != 0:
        raise SystemExit(f"benchmark child failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def interpreter_start() -> float:
    t = time.perf_counter()
    subprocess.run([sys.executable, "-c", "pass"], check=True)
    return time.perf_counter() - t


def make_exports(n: int, out: Path, formats: list[str]) -> dict[str, Path]:
    sys.path.insert(0, str(ROOT))
    from audit.app.demo import generate, write_export
    t = time.perf_counter()
    data = generate(n_deals=n, seed=11, problems=True)
    print(f"  generated {len(data.deals):,} deals, {len(data.stage_history):,} stage changes, "
          f"{len(data.activities):,} activities in {time.perf_counter() - t:.1f}s", flush=True)
    folders = {}
    if "canonical" in formats:
        folder = out / "canonical"
        folder.mkdir(parents=True, exist_ok=True)
        for name in ("deals", "stage_history", "activities"):
            getattr(data, name).to_csv(folder / f"{name}.csv", index=False)
        folders["canonical"] = folder
    if "amocrm" in formats:
        folder = out / "amocrm"
        folder.mkdir(parents=True, exist_ok=True)
        write_export(data, folder)
        folders["amocrm"] = folder
    if "hubspot-xlsx" in formats:
        folder = out / "hubspot-xlsx"
        folder.mkdir(parents=True, exist_ok=True)
        write_hubspot_xlsx(data.deals, folder / "deals.xlsx")
        folders["hubspot-xlsx"] = folder
    return folders


def write_hubspot_xlsx(deals, path: Path) -> None:
    from openpyxl import Workbook
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Deals")
    ws.append(["Record ID", "Deal Name", "Pipeline", "Deal Stage", "Deal owner", "Amount", "Create Date",
               "Close Date", "Closed Lost Reason"])
    stage = deals["stage"].where(~deals["status"].eq("won"), "Closed Won").where(~deals["status"].eq("lost"),
                                                                                  "Closed Lost")
    cols = [deals["deal_id"], deals["title"], deals["pipeline"], stage, deals["owner"], deals["amount"],
            deals["created_at"], deals["closed_at"], deals["lost_reason"]]
    for row in zip(*[c.astype(object).where(c.notna(), None).tolist() for c in cols]):
        ws.append(list(row))
    wb.save(path)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--deals", type=int, nargs="+", default=[100_000])
    ap.add_argument("--formats", nargs="+", default=["canonical", "amocrm"],
                    choices=["canonical", "amocrm", "hubspot-xlsx"])
    ap.add_argument("--out", type=Path, default=ROOT / "bench-out")
    ap.add_argument("--reuse", action="store_true", help="reuse exports already generated in --out")
    args = ap.parse_args()
    start = interpreter_start()
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"{platform.platform()}")
    rows = []
    for n in args.deals:
        out = args.out / f"{n}"
        print(f"size {n:,} deals:", flush=True)
        existing = {fmt: out / fmt for fmt in args.formats if (out / fmt).is_dir()}
        folders = existing if args.reuse and len(existing) == len(args.formats) else make_exports(n, out, args.formats)
        for fmt, folder in folders.items():
            files = sorted(str(p) for p in folder.iterdir() if p.suffix in (".csv", ".xlsx"))
            base = child(CHILD_XLSX, files[0]) if fmt == "hubspot-xlsx" else child(CHILD_PARSE, *files)
            report_dir = out / f"report-{fmt}"
            report_dir.mkdir(exist_ok=True)
            audit = child(CHILD_AUDIT, str(folder), str(report_dir), f"{start:.4f}")
            parse = base.get("parse", base.get("calamine"))
            total = sum(audit[k] for k in ("import", "ingest", "checks", "gx", "workbook", "json"))
            rows.append((n, fmt, parse, audit, total, base))
            print(f"  {fmt}: parse {parse:.2f}s, audit {total:.2f}s ({total / parse:.1f}x), "
                  f"peak {audit['peak_mb']:.0f} MB; slowest checks {audit['slowest']}", flush=True)
    print()
    print("| deals | input | parse s | import | ingest | checks | GX | workbook | JSON | total s | total / parse "
          "| peak MB |")
    print("| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for n, fmt, parse, a, total, base in rows:
        print(f"| {n:,} | {fmt} | {parse:.2f} | {a['import']:.2f} | {a['ingest']:.2f} | {a['checks']:.2f} | "
              f"{a['gx']:.2f} | {a['workbook']:.2f} | {a['json']:.2f} | {total:.2f} | {total / parse:.1f} | "
              f"{a['peak_mb']:.0f} |")
    for n, fmt, parse, a, total, base in rows:
        if fmt == "hubspot-xlsx":
            print(f"\nXLSX {n:,} deals: calamine {base['calamine']:.2f}s, openpyxl {base['openpyxl']:.2f}s "
                  f"({base['openpyxl'] / base['calamine']:.1f}x faster)")


if __name__ == "__main__":
    main()
