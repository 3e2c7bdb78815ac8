"""Great Expectations 1.x as the engine of the field-level hygiene suite (HY01-HY05).

The only module that imports `great_expectations`, and only inside functions (the import
costs seconds; `checks`, `explain` and `inspect` must not pay it). No GX object leaves it:
callers get plain `Validation` / `Outcome` values and JSON text. One validation per audit
and as_of serves HY01-HY05: the provided rules of `checks.hygiene.rules` as one suite per
table, on a frame of GX-friendly dtypes (`_frames`), in two passes (BOOLEAN_ONLY, then
COMPLETE trimmed to row positions for the failing rules only). README, "How the audit runs
GX", gives the reasons and the measurements.
"""

from __future__ import annotations

import json
import logging
import os
import time
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from checks.hygiene import gx_worker
from checks.hygiene._frames import plan_rules, validation_frame
from checks.hygiene.rules import BY_KEY, ID_COLUMNS, RULES, Rule

if TYPE_CHECKING:  # the worker process imports this module: not the derived tables
    from audit.derived.tables import Derived

log = logging.getLogger("crm_audit")

SUPPORTED_MAJOR = 1
INSTALL_HINT = "pip install 'great-expectations>=1.3,<2'"

# COMPLETE, trimmed: row positions of the failing records and their count, nothing else.
POSITIONS_FORMAT = {
    "result_format": "COMPLETE",
    "return_unexpected_index_query": False,
    "exclude_unexpected_values": True,
    "partial_unexpected_count": 0,
}
STRATEGIES = ("two-pass", "complete-positions")
# Measured on 1,000,000 deals (README, "Hygiene and Great Expectations"): when nothing fails the
# BOOLEAN_ONLY pass is all there is (about a third of a COMPLETE pass); with a third of the rules
# failing both cost about the same.
DEFAULT_STRATEGY = "two-pass"

# GX expectation severities, from the severity of the check a rule belongs to.
GX_SEVERITY = {"high": "critical", "medium": "warning", "low": "info", "info": "info"}


class GreatExpectationsError(RuntimeError):
    """Great Expectations could not run the hygiene suite (missing, wrong version, internal error)."""


@dataclass(frozen=True)
class Outcome:
    """One rule's verdict on one table, as plain values."""

    rule: Rule
    success: bool
    positions: np.ndarray     # row positions (0-based) of the failing records in the canonical table
    checked: int              # records the rule looked at (after its row condition)
    error: str | None = None  # GX raised while evaluating this expectation

    @property
    def unexpected(self) -> int:
        return len(self.positions)


@dataclass(frozen=True)
class Validation:
    """Every hygiene rule's outcome for one CrmData and as_of (or why GX could not run)."""

    outcomes: Mapping[str, Outcome] = field(default_factory=dict)   # by rule key
    not_run: Mapping[str, str] = field(default_factory=dict)         # rule key -> why it was left out
    failure: str | None = None
    seconds: float = 0.0

    def for_check(self, code: str) -> list[Outcome]:
        """The outcomes of one check's rules; raises when GX failed for them."""
        if self.failure:
            raise GreatExpectationsError(self.failure)
        mine = [o for o in self.outcomes.values() if o.rule.check == code]
        broken = [o for o in mine if o.error]
        if broken:
            first = broken[0]
            raise GreatExpectationsError(
                f"Great Expectations raised on {first.rule.type}({_kwargs_text(first.rule)}): {first.error}")
        return mine


# -- the engine (lazy) -----------------------------------------------------------------------

_ENGINE: _Engine | None = None


class _Engine:
    """An ephemeral GX context with one dataframe asset per table."""

    def __init__(self) -> None:
        gx = _import_gx()
        from great_expectations.data_context.types.base import ProgressBarsConfig
        self.gx = gx
        self.context = gx.get_context(mode="ephemeral")
        # A cron job must not get tqdm bars on stderr.
        self.context.variables.progress_bars = ProgressBarsConfig(globally=False)
        source = self.context.data_sources.add_pandas("crm_audit")
        _quiet_gx_loggers()  # modules imported by the context may have set their own levels
        self.batches = {table: source.add_dataframe_asset(name=table).add_batch_definition_whole_dataframe(table)
                        for table in ID_COLUMNS}

    def suite(self, name: str, rules: Sequence[Rule]):
        return self.gx.ExpectationSuite(name=name, expectations=[r.expectation() for r in rules])

    def batch(self, table: str, frame: pd.DataFrame):
        return self.batches[table].get_batch(batch_parameters={"dataframe": frame})

    def validate(self, table: str, frame: pd.DataFrame, suite, result_format, params: dict):
        """Validate `frame` against `suite`. The validator GX's own `Batch.validate` and
        `ValidationDefinition.run` use, called directly: GX loads (and fingerprints, a full hash
        of the frame) the batch once per validator, and `get_batch().validate()` would load it
        twice; `ValidationDefinition.run` would also keep every result in its store."""
        try:
            from great_expectations.validator.v1_validator import Validator
        except ImportError:  # pragma: no cover - a 1.x without the module: the public path
            return self.batch(table, frame).validate(suite, result_format=result_format,
                                                     expectation_parameters=params)
        validator = Validator(batch_definition=self.batches[table], batch_parameters={"dataframe": frame},
                              result_format=result_format)
        return validator.validate_expectation_suite(suite, params)


def _import_gx():
    """Import great_expectations with analytics off and its logging quiet; check the major version."""
    os.environ["GX_ANALYTICS_ENABLED"] = "false"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            import great_expectations as gx
    except ImportError as exc:
        raise GreatExpectationsError(
            f"great_expectations is not installed or failed to import ({exc}); {INSTALL_HINT}") from exc
    _quiet_gx_loggers()
    version = str(getattr(gx, "__version__", "?"))
    if not version.split(".")[0].isdigit() or int(version.split(".")[0]) != SUPPORTED_MAJOR:
        raise GreatExpectationsError(
            f"great_expectations {version} is installed but crm-audit needs 1.x; {INSTALL_HINT}")
    return gx


def preload() -> None:
    """Start Great Expectations in a process of its own (`gx_worker.shared`: the one the command
    line started before its imports, `gx_worker.start_early`, else a new one) while the exports are read;
    the next validation of this process runs there. The import is a few seconds of Python that,
    on a thread, held the GIL against reading and the checks (a 10,000-deal audit paid it in
    full); in its own process it runs on the other core. When no process can be started, the
    import starts on a thread as before. A failure here is ignored: the checks report it."""
    global _WORKER, _USE_WORKER
    if _WORKER is None or not _WORKER.alive():
        try:
            _WORKER = gx_worker.shared()
        except Exception:  # noqa: BLE001 - no process to be had (limits, a frozen app): a thread
            log.debug("no Great Expectations worker process", exc_info=True)
            _WORKER = None
            _preload_thread()
            return
    _USE_WORKER = True


def _preload_thread() -> None:
    import threading

    def load() -> None:
        try:
            _import_gx()
        except Exception:  # reported by the checks when they run
            pass

    threading.Thread(target=load, name="gx-import", daemon=True).start()


# -- the worker process (checks.hygiene.gx_worker) ---------------------------------------------

_WORKER: gx_worker.Worker | None = None
_USE_WORKER = False  # set by preload (the CLI's warm-up), spent by the next validation


def _quiet_gx_loggers() -> None:
    """GX logs INFO lines ("Created temporary directory ... for ephemeral docs site") through loggers
    that set their own level, so the parent's level is not enough: quiet each one."""
    logging.getLogger("great_expectations").setLevel(logging.ERROR)
    for name, logger in list(logging.root.manager.loggerDict.items()):
        if name.startswith("great_expectations") and isinstance(logger, logging.Logger):
            logger.setLevel(logging.ERROR)


def _engine() -> _Engine | gx_worker.Worker:
    """The engine of this validation: the worker process the warm-up started (once), else GX in
    this process."""
    global _USE_WORKER
    if _USE_WORKER:
        _USE_WORKER = False
        if _WORKER is not None and _WORKER.alive():
            return _WORKER
    return _local_engine()


def _local_engine() -> _Engine:
    global _ENGINE
    if _ENGINE is None:
        _ENGINE = _Engine()
    return _ENGINE


def reset_engine() -> None:
    """Forget the cached context (tests, or after GX raised)."""
    global _ENGINE
    _ENGINE = None


# -- validation ------------------------------------------------------------------------------

def begin(d: Derived, as_of: pd.Timestamp, strategy: str = DEFAULT_STRATEGY) -> None:
    """Hand the run's frames to the worker process now, when the warm-up started one: it validates
    them while this process runs the other checks, and `validate` reads its answers. Without a
    worker, nothing (the validation runs when `validate` is called)."""
    d.shared(_begin, pd.Timestamp(as_of), strategy)


def validate(d: Derived, as_of: pd.Timestamp, strategy: str = DEFAULT_STRATEGY) -> Validation:
    """All hygiene rules on the run's data, once per as_of and strategy (HY01-HY05 share it)."""
    return d.shared(_validate, pd.Timestamp(as_of), strategy)


@dataclass(frozen=True)
class _Submitted:
    """Frames sent to the worker, whose answers are still to be read (in the order of `tables`).
    The frames themselves are not kept (they would add to the checks' peak memory): a table the
    worker does not answer for is framed again and validated here."""

    worker: gx_worker.Worker
    tables: tuple[str, ...]


def _begin(d: Derived, as_of: pd.Timestamp, strategy: str) -> _Submitted | None:
    if not _USE_WORKER:
        return None
    plan, _not_run = plan_rules(d)
    if not plan:
        return None
    engine = _engine()  # spends the warm-up's worker: this run's validation is sent to it or runs here
    if not isinstance(engine, gx_worker.Worker) or engine.unanswered:
        return None  # a worker still owing answers to an earlier run is not this run's
    engine.submit([(table, validation_frame(d, table, rules), rules) for table, rules in plan.items()], as_of, strategy)
    return _Submitted(engine, tuple(plan))


def _validate(d: Derived, as_of: pd.Timestamp, strategy: str) -> Validation:
    started = time.perf_counter()
    plan, not_run = plan_rules(d)
    if not plan:
        return Validation(not_run=not_run, seconds=time.perf_counter() - started)
    try:
        submitted = d.shared(_begin, as_of, strategy)
        engine = submitted.worker if submitted is not None else _engine()
        outcomes: dict[str, Outcome] = {}
        for table, rules in plan.items():
            try:
                if submitted is not None and engine is submitted.worker:
                    outcomes.update(engine.answer())
                else:
                    outcomes.update(run_suite(engine, table, validation_frame(d, table, rules), rules, as_of,
                                              strategy))
            except gx_worker.WorkerLost:
                log.debug("Great Expectations worker lost; validating here", exc_info=True)
                engine = _local_engine()
                outcomes.update(run_suite(engine, table, validation_frame(d, table, rules), rules, as_of, strategy))
    except GreatExpectationsError as exc:
        return Validation(not_run=not_run, failure=str(exc), seconds=time.perf_counter() - started)
    except Exception as exc:  # GX internals: report, do not sink the audit
        reset_engine()
        log.debug("Great Expectations failed", exc_info=True)
        kind = exc.kind if isinstance(exc, gx_worker.RemoteError) else type(exc).__name__
        return Validation(not_run=not_run, seconds=time.perf_counter() - started,
                          failure=f"Great Expectations failed while validating the hygiene suite: "
                                  f"{kind}: {exc} ({_gx_version_text()})")
    seconds = time.perf_counter() - started
    log.debug("hygiene suite: %d expectations in %.2fs", len(outcomes), seconds)
    return Validation(outcomes=outcomes, not_run=not_run, seconds=seconds)


def run_suite(engine: _Engine, table: str, frame: pd.DataFrame, rules: Sequence[Rule], as_of: pd.Timestamp,
              strategy: str = DEFAULT_STRATEGY) -> dict[str, Outcome]:
    """Validate `frame` against `rules` with GX; outcomes by rule key.

    complete-positions: one pass, COMPLETE trimmed to row positions (see the module doc).
    two-pass: BOOLEAN_ONLY over all rules, then the trimmed COMPLETE over the failing ones only.
    """
    if strategy not in STRATEGIES:
        raise ValueError(f"unknown strategy {strategy!r} (use {', '.join(STRATEGIES)})")
    if isinstance(engine, gx_worker.Worker):
        return engine.run_suite(table, frame, rules, as_of, strategy)
    params = {"as_of": pd.Timestamp(as_of)}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if strategy == "two-pass":
            first = engine.validate(table, frame, engine.suite(f"{table}_hygiene", rules), "BOOLEAN_ONLY", params)
            verdicts = {_rule_key(r): r for r in first.results}
            failing = [r for r in rules if not verdicts[r.key].success]
            out = {r.key: Outcome(r, True, np.empty(0, dtype=np.int64), len(frame)) for r in rules
                   if verdicts[r.key].success}
            if failing:
                second = engine.validate(table, frame, engine.suite(f"{table}_hygiene_failing", failing),
                                         POSITIONS_FORMAT, params)
                out.update(_outcomes(second.results))
            return out
        result = engine.validate(table, frame, engine.suite(f"{table}_hygiene", rules), POSITIONS_FORMAT, params)
    return _outcomes(result.results)


def _outcomes(results) -> dict[str, Outcome]:
    out = {}
    for r in results:
        rule = BY_KEY[_rule_key(r)]
        error = _exception_message(r.exception_info)
        found = (r.result or {}).get("unexpected_index_list") or []
        positions = np.asarray(found, dtype=np.int64)
        positions.sort()
        checked = int((r.result or {}).get("element_count") or 0)
        out[rule.key] = Outcome(rule, bool(r.success) and error is None, positions, checked, error)
    return out


def _rule_key(result) -> str:
    return result.expectation_config.meta["crm_audit"]["rule"]


def _exception_message(info: Any) -> str | None:
    """GX nests exception details by metric id; find the first raised one."""
    if not isinstance(info, Mapping):
        return None
    if info.get("raised_exception"):
        return str(info.get("exception_message") or "unknown error").strip()
    for value in info.values():
        found = _exception_message(value)
        if found:
            return found
    return None


def _kwargs_text(rule: Rule) -> str:
    return ", ".join(f"{k}={v!r}" for k, v in rule.kwargs.items() if k != "row_condition")


def _gx_version_text() -> str:
    try:
        from importlib.metadata import version
        return f"great_expectations {version('great_expectations')}"
    except Exception:  # noqa: BLE001 - pragma: no cover, metadata missing: the message still helps
        return "great_expectations version unknown"


# -- the exported suite ----------------------------------------------------------------------

def suite_dict(cfg=None, table: str = "deals") -> dict:
    """The static rules of one table as a GX 1.x suite dict, built and serialized by GX itself.

    Rules of disabled checks are left out; each expectation's GX severity follows its
    check's severity (config overrides included). The derived rule (status vs stage kind)
    needs the whole export to infer stage kinds and is not exported: the suite's notes say so.
    """
    from checks import BY_CODE
    disabled = set(getattr(cfg, "disabled", ()) or ())
    severities = dict(getattr(cfg, "severities", {}) or {})
    rules = [r for r in RULES if r.table == table and not r.derived and r.check not in disabled]
    expectations = []
    for rule in rules:
        exp = rule.expectation()
        label = severities.get(rule.check, BY_CODE[rule.check].severity.label)
        exp["severity"] = GX_SEVERITY[label]
        expectations.append(exp)
    not_exported = [f"{r.check} {r.key}: {r.note}" for r in RULES if r.table == table and r.derived]
    notes = (f"crm-audit field-level hygiene rules for the canonical {table} table (HY01-HY05). "
             "Validate with expectation_parameters={'as_of': <the audit's reference time>}.")
    if not_exported:
        notes += " Not exported (needs stage kinds inferred from the whole export): " + "; ".join(not_exported)
    meta = {"crm_audit": {"table": table, "parameters": {"as_of": "the audit's reference time (a timestamp)"}}}
    if getattr(cfg, "as_of", None):
        meta["crm_audit"]["parameters"]["as_of"] = str(cfg.as_of)
    gx = _import_gx()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        suite = gx.ExpectationSuite(name=f"crm_audit_{table}_hygiene", expectations=expectations,
                                    meta=meta, notes=notes)
        return suite.to_json_dict()


def suite_json(cfg=None) -> str:
    """`crm-audit gx-suite`: the deals suite, with the other tables' suites in its meta."""
    suite = suite_dict(cfg, "deals")
    others = {t: suite_dict(cfg, t)["expectations"] for t in ID_COLUMNS if t != "deals"}
    others = {t: e for t, e in others.items() if e}
    if others:
        suite["meta"]["crm_audit"]["other_tables"] = others
    return json.dumps(suite, ensure_ascii=False, indent=2, default=str) + "\n"


__all__ = [
    "STRATEGIES",
    "begin",
    "GreatExpectationsError",
    "Outcome",
    "Validation",
    "plan_rules",
    "reset_engine",
    "run_suite",
    "suite_dict",
    "suite_json",
    "validate",
    "validation_frame",
]
