"""Measure the hygiene suite: GX import, suite build, validation by result format, next to
the pandas twin of the same expectations (tests/gx_twin.py), and HY01-HY07 end to end.

    .venv/bin/python -m benchmarks.hygiene --deals 1000000 --reps 3     (from the repository root)

Figures are medians of `--reps` runs in one process after a warm-up run; the GX import is
timed in fresh processes. The README ("Measured cost") quotes its output.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from collections.abc import Callable

import numpy as np
import pandas as pd

from audit.derived.tables import Derived
from audit.model import CrmData
from checks.hygiene import gx_adapter
from tests.gx_twin import canonical_frame, pandas_equivalent

AS_OF = pd.Timestamp("2026-11-20 18:00")


def generate(n: int, dirty: float = 0.01, seed: int = 1, activities: int = 0) -> CrmData:
    """Canonical deals (and activities) with `dirty` of the rows breaking some hygiene rule
    (and pointing to deals missing from the export)."""
    rng = np.random.default_rng(seed)
    status = rng.choice(np.array(["open", "won", "lost"], dtype=object), n, p=[0.3, 0.4, 0.3])
    created = pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 600 * 86400, n), unit="s")
    closed = pd.Series(created + pd.to_timedelta(rng.integers(0, 90 * 86400, n), unit="s")).where(status != "open")
    stage = np.where(status == "won", "Won", np.where(status == "lost", "Lost",
                                                      rng.choice(np.array(["New", "Offer", "Contract"]), n)))
    deals = pd.DataFrame({
        "deal_id": np.arange(n).astype(str), "title": rng.choice([f"Supply {i}" for i in range(5000)], n),
        "pipeline": rng.choice(["Retail", "Wholesale"], n), "stage": stage, "status": status,
        "owner": rng.choice([f"owner{i}" for i in range(50)], n).astype(object),
        "amount": rng.integers(100, 100000, n).astype(float), "currency": "USD", "created_at": created,
        "closed_at": closed, "company": rng.choice([f"Company {i}" for i in range(n // 5 + 1)], n),
        "contact": rng.choice([f"Person {i}" for i in range(n // 3 + 1)], n), "last_activity_at": closed,
    })
    k = int(n * dirty)
    if k:
        deals.loc[rng.choice(n, k, replace=False), "owner"] = None
        deals.loc[rng.choice(n, k // 10, replace=False), "deal_id"] = "dup"
        deals.loc[rng.choice(n, k, replace=False), "amount"] = -5.0
        idx = rng.choice(np.flatnonzero(status != "open"), k, replace=False)
        deals.loc[idx, "closed_at"] = deals.loc[idx, "created_at"] - pd.Timedelta(days=3)
    acts = None
    if activities:
        deal_of = rng.integers(0, n, activities)
        orphan = rng.random(activities) < dirty
        acts = pd.DataFrame({
            "activity_id": np.arange(activities).astype(str),
            "deal_id": np.where(orphan, deal_of + n, deal_of).astype(str),
            "type": rng.choice(["call", "email", "meeting"], activities),
            "at": pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 600 * 86400, activities), unit="s"),
        })
    return CrmData.build(deals=deals, activities=acts)


def _median(fn: Callable[[], object], reps: int) -> tuple[float, list[float]]:
    fn()  # warm-up: GX caches expectation classes and metric providers on first use
    times = []
    for _ in range(reps):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times), times


def import_time(reps: int) -> list[float]:
    code = ("import os, time; os.environ['GX_ANALYTICS_ENABLED'] = 'false'; import pandas; t = time.perf_counter(); "
            "import great_expectations; print(time.perf_counter() - t)")
    return [float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout)
            for _ in range(reps)]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--deals", type=int, default=1_000_000)
    parser.add_argument("--dirty", type=float, default=0.01, help="share of deals breaking a rule")
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--activities", type=int, default=0, help="activities to generate for HY06")
    parser.add_argument("--skip-import", action="store_true")
    args = parser.parse_args(argv)

    if not args.skip_import:
        times = import_time(args.reps)
        print(f"import great_expectations (pandas already imported): median {statistics.median(times):.2f}s "
              f"{[round(t, 2) for t in times]}")
    crm = generate(args.deals, args.dirty)
    derived = Derived(crm)
    plan, _ = gx_adapter.plan_rules(derived)
    rules = plan["deals"]
    frame = gx_adapter.validation_frame(derived, "deals", rules)
    gx_adapter._import_gx()  # timed above, in fresh processes
    started = time.perf_counter()
    engine = gx_adapter._engine()
    suite = engine.suite("deals_hygiene", rules)
    print(f"context + suite build ({len(rules)} expectations): {time.perf_counter() - started:.2f}s")
    batch = engine.batch("deals", frame)
    params = {"as_of": AS_OF}
    formats = {
        "BOOLEAN_ONLY": "BOOLEAN_ONLY",
        "SUMMARY": "SUMMARY",
        "COMPLETE + unexpected_index_column_names=[deal_id]": {
            "result_format": "COMPLETE", "unexpected_index_column_names": ["deal_id"]},
    }
    label = f"{args.deals:,} deals, {args.dirty:.0%} dirty, {len(rules)} expectations"
    print(f"-- validation, {label} (median of {args.reps})")
    for name, fmt in formats.items():
        med, all_ = _median(lambda fmt=fmt: batch.validate(suite, result_format=fmt, expectation_parameters=params),
                            args.reps)
        print(f"GX {name:<52s} {med:6.2f}s {[round(t, 2) for t in all_]}")
    for strategy in gx_adapter.STRATEGIES:
        med, all_ = _median(lambda strategy=strategy: gx_adapter.run_suite(engine, "deals", frame, rules, AS_OF,
                                                                            strategy), args.reps)
        print(f"GX {('adapter: ' + strategy):<52s} {med:6.2f}s {[round(t, 2) for t in all_]}")
    # pandas reads the canonical columns as they are (Arrow strings, datetime64[us]).
    canonical = canonical_frame(crm, "deals", rules)[list(frame.columns)]
    started = time.perf_counter()
    gx_adapter.validation_frame(Derived(crm), "deals", rules)
    print(f"{'adapter: frame for GX (categoricals, datetime64[ns])':<55s} {time.perf_counter() - started:6.2f}s")
    med, all_ = _median(lambda: pandas_equivalent(canonical, rules, AS_OF), args.reps)
    print(f"{'pandas, same expectations, failing positions':<55s} {med:6.2f}s {[round(t, 2) for t in all_]}")

    gx_out = gx_adapter.run_suite(engine, "deals", frame, rules, AS_OF)
    pd_out = pandas_equivalent(canonical, rules, AS_OF)
    agree = all(np.array_equal(gx_out[k].positions, pd_out[k]) for k in pd_out)
    flagged = sum(len(v) for v in pd_out.values())
    print(f"GX and pandas agree on every failing row: {agree} ({flagged:,} failing rows)")

    from checks.base import RunContext
    from checks.hygiene import CHECKS
    fresh = generate(args.deals, args.dirty, activities=args.activities)
    shared = Derived(fresh)  # one per run, as the runner builds it
    print("-- checks end to end (first run pays the shared validation)")
    for check in CHECKS:
        if check.code == "HY08":
            continue
        ctx = RunContext(as_of=AS_OF, derived=shared, params=dict(check.params))
        started = time.perf_counter()
        result = check().run(fresh, ctx)
        print(f"{check.code} {result.status.value:<7s} {len(result.findings):>8,} findings "
              f"{time.perf_counter() - started:6.2f}s")


if __name__ == "__main__":
    main()
