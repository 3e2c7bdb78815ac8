"""Time and peak memory to write the workbook for a big audit (not a test; run by hand).

    .venv/bin/python tests/reports/bench_xlsx.py --findings 2000000 [--max-rows 100000] [--normal]

Builds an AuditResult shaped like an audit of ~1,000,000 deals (2,000,000 findings over
20 checks, 300 managers, 6 pipelines x 12 stages) and writes it with the real writer.
Peak memory is the process's peak RSS growth during the write (the result is built first).
CPU time is printed beside wall time: on a shared, busy machine it is the steadier figure.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from audit.model.findings import FAMILY_PREFIX, FINDING_COLUMNS, CheckResult, Severity, Status  # noqa: E402
from audit.model.result import AuditResult, Scores  # noqa: E402
from reports import ReportOptions, write  # noqa: E402
from tests.reports.sample import _info  # noqa: E402

CODES = [("ST03", "lost-without-reason", Severity.MEDIUM), ("ST05", "entered-late", Severity.MEDIUM),
         ("ST06", "won-without-trail", Severity.HIGH), ("SG02", "parked-in-vague-stage", Severity.MEDIUM),
         ("SG03", "rotting-deal", Severity.MEDIUM), ("SG04", "stage-skip", Severity.LOW),
         ("OF01", "silent-stage-change", Severity.HIGH), ("OF02", "silent-open-deal", Severity.MEDIUM),
         ("OF04", "activity-outside-lifetime", Severity.LOW), ("OF06", "think-it-over-stall", Severity.LOW),
         ("HY01", "required-fields", Severity.MEDIUM), ("HY03", "date-order", Severity.MEDIUM),
         ("HY04", "amount-range", Severity.LOW), ("HY07", "duplicate-deals", Severity.LOW)]


def big_result(n: int, owners: int = 300, seed: int = 1) -> AuditResult:
    rng = np.random.default_rng(seed)
    codes = np.array([c for c, _n, _s in CODES])
    sev = {c: s.label for c, _n, s in CODES}
    pick = codes[rng.integers(0, len(codes), n)]
    names = np.array([f"Manager {i:03d}" for i in range(owners)], dtype=object)
    pipelines = np.array([f"Pipeline {i}" for i in range(6)], dtype=object)
    stages = np.array([f"Stage {i:02d} result reached" for i in range(12)], dtype=object)
    deal_ids = rng.integers(10_000_000, 11_000_000, n).astype(str).astype(object)
    is_activity = pick == "OF04"
    findings = pd.DataFrame({
        "code": pick.astype(object),
        "severity": pd.Series(pick).map(sev).astype(object),
        "entity_type": np.where(is_activity, "activity", "deal").astype(object),
        "entity_id": deal_ids,
        "owner": names[rng.integers(0, owners, n)],
        "pipeline": pipelines[rng.integers(0, 6, n)],
        "stage": stages[rng.integers(0, 12, n)],
        "message": pd.Series(pick).map(lambda c: f"{c}: deal moved forward with no logged contact since the "
                                                 f"previous change").astype(object),
        "evidence": [{"days_silent": int(d), "previous_stage": "Stage 03 result reached"}
                     for d in rng.integers(1, 200, n)],
    })
    findings["family"] = findings["code"].str[:2].map({k: v.value for k, v in FAMILY_PREFIX.items()}).astype(object)
    findings["title"] = ("Deal " + findings["entity_id"].astype(str)).where(~is_activity, None).astype(object)
    findings["amount"] = np.where(is_activity, np.nan, rng.integers(1, 5000, n) * 100.0)
    checks = []
    for code, name, severity in CODES:
        rows = findings[findings["code"] == code]
        checks.append(CheckResult(code=code, name=name, family=FAMILY_PREFIX[code[:2]], severity=severity,
                                  status=Status.FAIL, metric=0.1, threshold=0.0, affected=len(rows),
                                  message=f"{len(rows):,} records flagged", findings=rows[list(FINDING_COLUMNS)]))
    owner_rows = pd.DataFrame({"owner": names, "deals": rng.integers(1000, 6000, owners)})
    owner_rows["won"] = owner_rows["deals"] // 3
    owner_rows["lost"] = owner_rows["deals"] // 3
    owner_rows["open"] = owner_rows["deals"] - owner_rows["won"] - owner_rows["lost"]
    owner_rows["win_rate"] = 0.5
    owner_rows["findings"] = findings["owner"].value_counts().reindex(names).fillna(0).astype(int).to_numpy()
    funnel = pd.DataFrame([{"pipeline": p, "stage": s, "order": float(i), "owner": o, "entered": 50,
                            "advanced": 30, "lost": 5, "conversion": float(rng.uniform(0.2, 0.9)),
                            "median_dwell_days": 4.0}
                           for p in pipelines for i, s in enumerate(stages) for o in ["", *names]])
    stages_table = pd.DataFrame([{"pipeline": p, "stage": s, "order": float(i), "kind": "open",
                                  "verdict": "result_named", "deals_now": 1000}
                                 for p in pipelines for i, s in enumerate(stages)])
    pipes = pd.DataFrame({"pipeline": pipelines, "deals": 160_000, "owners": 50})
    issues = pd.DataFrame({"table": "deals", "file": "deals.csv", "row": np.arange(20_000),
                           "column": "amount", "source_column": "Budget", "raw": "12 000 rub",
                           "entity_id": "1"})
    return AuditResult(
        as_of=pd.Timestamp("2026-11-20"), crm="generic", inputs=(), checks=tuple(checks), findings=findings,
        owners=owner_rows, funnel=funnel, stages=stages_table, pipelines=pipes,
        scores=Scores(overall=55.0, by_owner={o: 50.0 for o in names}), parse_issues=issues,
        catalogue={c: _info(c, n_, "Проверка", s) for c, n_, s in CODES}, tool_version="bench")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--findings", type=int, default=2_000_000)
    ap.add_argument("--max-rows", type=int, default=None)
    ap.add_argument("--deal-url", default="https://acme.amocrm.ru/leads/detail/{id}")
    ap.add_argument("--normal", action="store_true", help="openpyxl's normal mode, for comparison")
    args = ap.parse_args()
    if args.normal:
        import openpyxl

        import reports.xlsx
        reports.xlsx.Workbook = lambda write_only=False: openpyxl.Workbook()
    t0 = time.perf_counter()
    result = big_result(args.findings)
    built = time.perf_counter() - t0
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "report.xlsx"
        t1, c1 = time.perf_counter(), time.process_time()
        write("xlsx", result, path, ReportOptions(max_rows=args.max_rows, deal_url=args.deal_url))
        took, cpu = time.perf_counter() - t1, time.process_time() - c1
        size = os.path.getsize(path) / 1e6
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"findings {args.findings:,} (built in {built:.1f} s); workbook written in {took:.1f} s "
          f"({cpu:.1f} s CPU: on a busy machine compare CPU), "
          f"{size:.1f} MB; peak RSS {peak:.0f} MB, +{peak - base:.0f} MB over the result")


if __name__ == "__main__":
    main()
