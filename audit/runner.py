"""Run the catalogue on canonical data and assemble the AuditResult.

Selection, input sufficiency (skip with a reason that says what to export), per-check
settings from config, severity overrides, and isolation: a check that raises is
reported as `error` and the rest of the audit completes.
"""

from __future__ import annotations

import logging
import time
import traceback
from dataclasses import replace
from typing import Callable, Iterable, Mapping, Sequence

import pandas as pd

from audit.model.config import Config
from audit.model.memory import hand_back_memory
from audit.model.asof import parse_as_of
from audit.model.errors import AuditError, ConfigError
from audit.derived.finding_context import CONTEXT_COLUMNS, with_context
from audit.derived.funnel import funnel_table
from audit.model import EXPORT_HINTS, EXPORT_HINTS_RU, CrmData, SourceFile
from audit.model.result import AuditResult, Coverage, FamilyGap
from audit.model.warnings import InputWarning
from audit.derived.calls import off_system_leader
from audit.derived.scorecard import owners_table, team_row
from audit.derived.scoring import trust_scores
from audit.derived.stage_tables import pipelines_table, stages_table
from audit.derived.sanity import export_warnings
from audit.derived.tables import Derived
from checks import ALL_CHECKS
from checks.vocab import LISTS as VOCAB_LISTS
from audit.model import text as ru
from checks.base import (
    FINDING_COLUMNS,
    MESSAGE_RU,
    RELATED_DEAL,
    Check,
    CheckResult,
    Family,
    RunContext,
    Severity,
    Status,
    empty_findings,
)

log = logging.getLogger("crm_audit")

Progress = Callable[[str], None]


def parse_codes(text: str | Iterable[str] | None) -> tuple[str, ...]:
    """'ST, OF01' -> ('ST', 'OF01'); validated against the catalogue by `select_checks`."""
    if text is None:
        return ()
    items = text.split(",") if isinstance(text, str) else [t for part in text for t in part.split(",")]
    return tuple(i.strip().upper() for i in items if i.strip())


def select_checks(select: Sequence[str] = (), ignore: Sequence[str] = (),
                  catalogue: Sequence[type[Check]] = ALL_CHECKS) -> list[type[Check]]:
    """Checks whose code starts with a selected prefix and with no ignored one."""
    codes = [c.code for c in catalogue]
    for prefix in (*select, *ignore):
        if not any(code.startswith(prefix) for code in codes):
            raise AuditError(f"no check matches {prefix!r} (see `crm-audit checks`)")
    chosen = [c for c in catalogue if not select or any(c.code.startswith(p) for p in select)]
    return [c for c in chosen if not any(c.code.startswith(p) for p in ignore)]


def warm_up(select: Sequence[str] = (), ignore: Sequence[str] = (),
            catalogue: Sequence[type[Check]] = ALL_CHECKS) -> None:
    """Let the selected checks start slow imports while the exports are being read."""
    warmed = set()
    for check in select_checks(select, ignore, catalogue):
        hook = check.warm_up.__func__  # checks sharing a base (the GX ones) share one warm-up
        if hook not in warmed:
            warmed.add(hook)
            check.warm_up()


def check_params(check: type[Check], cfg: Config) -> dict:
    """The check's defaults with the config's overrides, each judged by the check's rules (the
    app has validated the whole config already; this guards callers that build one by hand)."""
    params = dict(check.params)
    overrides = cfg.check_params.get(check.code, {})
    unknown = set(overrides) - set(params)
    if unknown:
        known = ", ".join(sorted(params)) or "none"
        raise ConfigError(f"[checks.{check.code}] unknown setting {sorted(unknown)[0]!r} "
                          f"(known: {known}, severity, enabled)", path=cfg.path)
    for key, value in overrides.items():
        rule = check.param_rules.get(key)
        problem = rule.problem(value) if rule is not None else None
        if problem:
            raise ConfigError(f"[checks.{check.code}] {key} {problem}", path=cfg.path)
        params[key] = value
    return params


def check_vocab(cfg: Config) -> None:
    """`[vocab]` may only extend the lists the checks read (checks.vocab.LISTS)."""
    unknown = sorted(set(cfg.vocab) - set(VOCAB_LISTS))
    if unknown:
        raise ConfigError(f"[vocab] {unknown[0]!r}: unknown list (known: {', '.join(VOCAB_LISTS)})",
                          path=cfg.path)


def resolve_as_of(crm: CrmData, as_of: str | pd.Timestamp | None) -> pd.Timestamp:
    """--as-of, else the latest event in the data: never the wall clock, so a report is
    reproducible; and never a made-up date (1970) when the data holds none."""
    if as_of is not None:
        return parse_as_of(as_of if not isinstance(as_of, pd.Timestamp) else as_of.isoformat())
    latest = crm.latest_timestamp()
    if latest is None:
        raise AuditError("the data holds no date to audit as of (no readable creation, close or "
                         "activity date)", hint="pass --as-of YYYY-MM-DD, or map the date columns in "
                                                "crm-audit.toml [columns.deals]")
    return latest


def skip_reason(missing: dict[str, tuple[str, ...]], dependents: Sequence[str] = ()) -> str:
    parts = []
    for table, cols in missing.items():
        if cols:
            parts.append(ru.lacking_en(table, cols))
        else:
            hint = EXPORT_HINTS.get(table, "")
            parts.append(f"{table.replace('_', ' ')} not provided: {hint}" if hint
                         else f"{table} not provided")
    text = "; ".join(parts)
    if dependents:
        text += f", to enable {', '.join(dependents)}"
    return text


def skip_reason_ru(missing: dict[str, tuple[str, ...]], dependents: Sequence[str] = ()) -> str:
    """`skip_reason` in Russian."""
    parts = []
    for table, cols in missing.items():
        if cols:
            parts.append(ru.lacking(table, cols))
        else:
            hint = EXPORT_HINTS_RU.get(table, "")
            parts.append(f"{ru.not_provided(table)}: {hint}" if hint else ru.not_provided(table))
    out = "; ".join(parts)
    if dependents:
        out += f", чтобы включить {', '.join(dependents)}"
    return out


def run_audit(
    crm: CrmData,
    cfg: Config | None = None,
    *,
    as_of: str | pd.Timestamp | None = None,
    select: Sequence[str] = (),
    ignore: Sequence[str] = (),
    sources: Sequence[SourceFile] = (),
    warnings: Sequence[InputWarning] = (),
    crm_name: str | None = None,
    progress: Progress | None = None,
    catalogue: Sequence[type[Check]] = ALL_CHECKS,
    show_numbers: bool = False,
) -> AuditResult:
    """Run the selected checks of `catalogue` on `crm` and assemble the AuditResult.

    Settings come from `cfg` and are all validated (ConfigError) before any check runs.
    A check whose input is missing is skipped with a reason naming what to export; one
    that raises ends as `error` and the rest complete. `as_of` defaults to the config's,
    else the latest timestamp in the data. `sources`, `warnings` and `crm_name` describe
    the inputs for the reports; `progress` gets a line per check. `show_numbers` lets findings
    hold full phone numbers (--show-numbers); they are masked otherwise.
    """
    cfg = cfg or Config()
    say = progress or (lambda _msg: None)
    chosen = [c for c in select_checks(select, ignore, catalogue) if c.code not in cfg.disabled]
    params = {c.code: check_params(c, cfg) for c in chosen}  # validate all before running any
    check_vocab(cfg)
    when = resolve_as_of(crm, as_of if as_of is not None else cfg.as_of)

    # Which checks each missing table would enable: one sentence names them all.
    blocked_by: dict[str, list[str]] = {}
    for check in chosen:
        for table in crm.missing(check.needs):
            if not crm.missing(check.needs)[table]:
                blocked_by.setdefault(table, []).append(check.code)

    derived = Derived(crm)  # the run's one cache: every check and table below reads it
    _begin(chosen, crm, RunContext(as_of=when, derived=derived, vocab=cfg.vocab, show_numbers=show_numbers))
    by_code: dict[str, CheckResult] = {}
    gaps: dict[str, tuple[str, ...]] = {}  # code -> tables whose absence skipped it
    run_order = _in_run_order(chosen)
    last_flow_reader = max((i for i, c in enumerate(run_order) if c.family in FLOW_FAMILIES), default=-1)
    for i, check_cls in enumerate(run_order):
        if i == last_flow_reader + 1:
            derived.release_flow_views()  # the hygiene checks and the tables after them need none
        severity = Severity.parse(cfg.severities.get(check_cls.code, check_cls.severity.label))
        missing = crm.missing(check_cls.needs)
        if missing:
            dependents = sorted({code for t, cols in missing.items() if not cols for code in blocked_by[t]})
            skipped = check_cls().skip(skip_reason(missing, dependents), skip_reason_ru(missing, dependents),
                                       ran=False)
            # The message names what is missing, the reason also what it would enable.
            by_code[check_cls.code] = replace(skipped, severity=severity, message="not run: " + skip_reason(missing),
                                              message_ru="Не выполнена — " + skip_reason_ru(missing))
            gaps[check_cls.code] = tuple(t for t, cols in missing.items() if not cols)
            continue
        say(f"{check_cls.code} {check_cls.name}")
        ctx = RunContext(as_of=when, derived=derived, params=params[check_cls.code], vocab=cfg.vocab,
                         show_numbers=show_numbers)
        by_code[check_cls.code] = _run_one(check_cls, crm, ctx, severity)
        # Arrow and malloc keep what a check freed (its filtered copies of the tables, its
        # arrays) for their own reuse only; the next check's arrays would stack on top: at a
        # million deals the run's peak was such leftovers, some 0.3 GB.
        hand_back_memory()
    results = [by_code[c.code] for c in chosen]  # catalogue order, whatever the order they ran in

    findings = _all_findings(crm, results, {c.code: c.dated_by for c in chosen})
    owners = owners_table(derived, findings, when, results)
    funnel = funnel_table(derived)
    stages = stages_table(derived, results)
    pipelines = pipelines_table(derived, results)
    coverage = coverage_of(results, gaps, catalogue)
    scores = trust_scores(derived, results, findings)
    if not coverage.judged:
        scores = replace(scores, overall=None)  # nothing judged: 100 would read as a clean CRM
    explicit = as_of if as_of is not None else cfg.as_of
    all_warnings = merge_warnings(warnings, export_warnings(derived, when if explicit is not None else None))
    from audit import __version__
    return AuditResult(
        as_of=when, crm=crm_name, inputs=tuple(sources), checks=tuple(results), findings=findings,
        owners=owners, funnel=funnel, stages=stages, pipelines=pipelines, scores=scores,
        parse_issues=crm.parse_issues, tool_version=__version__,
        catalogue={c.code: replace(c.info(), params=tuple(params[c.code].items())) for c in chosen},
        warnings=all_warnings, coverage=coverage, off_system=off_system_leader(owners),
        team=team_row(derived, findings, when),
    )


# The check families that read how deals moved (Derived.FLOW_VIEWS); hygiene reads the tables.
FLOW_FAMILIES = frozenset({Family.STERILE, Family.STAGES, Family.ACTIVITY, Family.FUNNEL})


def _in_run_order(chosen: Sequence[type[Check]]) -> list[type[Check]]:
    """The checks that began work elsewhere (their own `begin` hook: the GX worker's validation)
    run last, so that work has every other check's time to finish in."""
    def began(check_cls: type[Check]) -> bool:
        return check_cls.begin.__func__ is not Check.begin.__func__
    return [c for c in chosen if not began(c)] + [c for c in chosen if began(c)]


def _begin(chosen: Sequence[type[Check]], crm: CrmData, ctx: RunContext) -> None:
    """Each `begin` hook of the checks that will run, once: work handed elsewhere (the GX worker's
    validation) goes on while the checks run. A hook that raises is left to its check's run."""
    begun = set()
    for check_cls in chosen:
        hook = check_cls.begin.__func__
        if hook in begun or crm.missing(check_cls.needs):
            continue
        begun.add(hook)
        try:
            check_cls.begin(crm, ctx)
        except Exception:  # noqa: BLE001 - the check meets it again when it runs, and reports it
            log.debug("%s could not begin:\n%s", check_cls.code, traceback.format_exc())


def _run_one(check_cls: type[Check], crm: CrmData, ctx: RunContext, severity: Severity) -> CheckResult:
    """One check's result, timed, at the configured severity; `error` if it raised."""
    started = time.perf_counter()
    try:
        result = check_cls().run(crm, ctx)
    except Exception as exc:  # a broken check must not sink the audit
        log.debug("%s failed:\n%s", check_cls.code, traceback.format_exc())
        result = CheckResult(
            code=check_cls.code, name=check_cls.name, family=check_cls.family,
            severity=severity, status=Status.ERROR, gauge=getattr(check_cls, "gauge", None),
            message=f"check failed: {type(exc).__name__}: {exc}",
            message_ru=f"Проверка завершилась ошибкой: {type(exc).__name__}: {exc}")
    elapsed = time.perf_counter() - started
    log.debug("%s %s in %.2fs", check_cls.code, result.status.value, elapsed)
    result = replace(no_pass_without_evidence(check_cls, result), elapsed_s=round(elapsed, 4))
    if result.severity != severity:
        result = replace(result, severity=severity, findings=result.findings.assign(severity=severity.label))
    return result


def no_pass_without_evidence(check_cls: type[Check], result: CheckResult) -> CheckResult:
    """The net under every check: a pass that judged nothing (or did not say) is a skip."""
    if result.status is not Status.PASS or result.judged:
        return result
    skipped = check_cls().skip(f"nothing to judge: {result.message}",
                               f"оценивать нечего: {result.message_ru or result.message}", judged=0)
    return replace(skipped, severity=result.severity)


# Why a family has no judged check, by the cause its checks give most often (ties: this order).
_CAUSES = {"activities": ("no activities", "нет активностей"),
           "stage_history": ("no stage history", "нет истории этапов"),
           "unlinked:activities": ("activities link to no deal", "активности не связаны со сделками"),
           "unlinked:stage_history": ("stage history links to no deal", "история этапов не связана со сделками"),
           "leads": ("no leads", "нет лидов"), "users": ("no users", "нет пользователей"),
           "pipelines": ("no declared stage order", "порядок этапов не задан"),
           "too-little": ("too little data to judge", "данных слишком мало для оценки"),
           "not-run": ("not selected", "не выбраны")}


def coverage_of(results: Sequence[CheckResult], gaps: dict[str, tuple[str, ...]],
                catalogue: Sequence[type[Check]]) -> Coverage:
    """Checks that judged something, of the catalogue, and each family left without one, with
    why: the cause most of its checks give (a table not exported, rows that link to no deal, too
    little data, not selected)."""
    ran = {r.code: r for r in results}
    out = []
    for family in Family:
        members = [c.code for c in catalogue if c.family is family]
        if not members or any(ran[c].judged_anything for c in members if c in ran):
            continue
        causes = [_cause(ran.get(code), gaps.get(code, ())) for code in members]
        cause = max(_CAUSES, key=lambda k: (causes.count(k), -list(_CAUSES).index(k)))
        reason, reason_ru = _CAUSES[cause]
        out.append(FamilyGap(family=family, reason=reason, reason_ru=reason_ru))
    return Coverage(judged=sum(r.judged_anything for r in results), catalogue=len(catalogue),
                    not_judged=tuple(out))


def _cause(result: CheckResult | None, absent: tuple[str, ...]) -> str:
    if result is None:
        return "not-run"
    if absent:
        return next((t for t in _CAUSES if t in absent), "too-little")
    return f"unlinked:{result.unlinked}" if result.unlinked else "too-little"


def merge_warnings(loaded: Sequence[InputWarning], found: Sequence[InputWarning]) -> tuple[InputWarning, ...]:
    """Ingestion's warnings first; a generic one the profile already gave for the same file and
    situation (it knows better what the rows link to instead) is left out, and so are owner ids
    a profile already named as unresolved (`ids-unresolved` on `<table>.owner`)."""
    said = {(w.code, w.file) for w in loaded}
    owners_said = {str(w.numbers.get("column")) for w in loaded if w.code == "ids-unresolved"}

    def new(w: InputWarning) -> bool:
        if w.code == "owner-ids-unresolved":
            return f"{w.numbers.get('table')}.owner" not in owners_said
        return (w.code, w.file) not in said
    return (*loaded, *(w for w in found if new(w)))


def _all_findings(crm: CrmData, results: Sequence[CheckResult],
                  dated_by: Mapping[str, Sequence[str]]) -> pd.DataFrame:
    frames = [r.findings.assign(family=r.family.value) for r in results if len(r.findings)]
    if not frames:
        out = empty_findings()
        out["family"] = pd.Series(dtype=object)
        for column in CONTEXT_COLUMNS:
            out[column] = pd.Series(dtype=float if column == "amount" else
                                    "datetime64[us]" if column == "at" else object)
        return out
    findings = pd.concat(frames, ignore_index=True)
    for column in (MESSAGE_RU, RELATED_DEAL):  # results built by hand may lack them
        if column not in findings:
            findings[column] = None
    # For the reader of the report: the deal (title, amount, company) and when it happened.
    findings = with_context(findings[[*FINDING_COLUMNS, MESSAGE_RU, RELATED_DEAL, "family"]], crm, dated_by)
    return findings[[*FINDING_COLUMNS, MESSAGE_RU, RELATED_DEAL, "family", *CONTEXT_COLUMNS]]
