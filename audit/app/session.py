"""One audit run from files to reports: the flow behind `crm-audit run` and `demo`.

files -> ingest -> CrmData -> runner -> AuditResult -> history -> reports -> exit code.
"""

from __future__ import annotations

import logging
import sys
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Callable, Sequence

import click

from audit.app.settings import load_config
from audit.model.asof import parse_as_of
from audit.model.errors import AuditError
from audit.model.findings import Severity, Status
from audit.model.reportmark import SKIP_NOTE
from audit.app.history import History
from audit.ingest import load
from audit.app.outputs import output_lock, owner_paths, refuse_bad_outputs, render_path
from audit.derived.deal_index import NO_OWNER
from audit.runner import parse_codes, run_audit, warm_up
from reports import ReportOptions, load_writers, write
from reports.console import render_quiet_failure, render_summary
from reports.atomic import sweep_leftovers
from reports.json_report import dump

log = logging.getLogger("crm_audit")


@dataclass(frozen=True)
class AuditRequest:
    paths: tuple[Path, ...]
    config_path: Path | None = None
    crm: str | None = None
    encoding: str | None = None
    xlsx: str | None = None
    json: str | None = None
    md: str | None = None
    lang: str | None = None
    as_of: str | None = None
    select: Sequence[str] = ()
    ignore: Sequence[str] = ()
    fail_on: str | None = None
    history_dir: Path | None = None
    mask_pii: bool = False
    show_numbers: bool = False  # full phone numbers in the outputs (never with mask_pii)
    per_owner: str | None = None   # a folder (or a path with {owner}) for one workbook per manager
    quiet: bool = False
    color: bool = False
    progress: Callable[[str], None] | None = None


def execute(req: AuditRequest) -> int:
    """Run the audit and write what was asked; return the exit code (0 or 1)."""
    say = req.progress or (lambda _m: None)
    started = time.perf_counter()
    cfg = load_config(req.config_path)
    select, ignore = parse_codes(req.select), parse_codes(req.ignore)
    fail_on = (req.fail_on or cfg.fail_on or "high").lower()
    lang = req.lang or cfg.report.get("lang", "en")
    history_dir = req.history_dir or (Path(cfg.history["dir"]) if cfg.history.get("dir") else None)

    targets = [(fmt, t) for fmt, t in (("xlsx", req.xlsx), ("json", req.json), ("md", req.md)) if t]
    # Paths without placeholders are judged before the exports are read: a report over the
    # config or an input, or onto a device, fails at once rather than after the audit.
    refuse_bad_outputs([Path(t) for _f, t in targets if t != "-" and "{" not in t],
                       inputs=[p for p in req.paths if Path(p).is_file()], config=req.config_path)

    if req.as_of is not None:
        parse_as_of(req.as_of)  # a bad --as-of stops the run before the exports are read
    mask_pii = req.mask_pii or bool(cfg.report.get("mask_pii"))
    warm_up(select, ignore)
    say("reading exports")
    loaded = load(req.paths, cfg, crm=req.crm, encoding=req.encoding, progress=say)
    release_unused_memory()  # the raw text of the files, freed as each table was mapped
    load_writers([fmt for fmt, _t in targets] + (["xlsx"] if req.per_owner else []))
    result = run_audit(loaded.crm, cfg, as_of=req.as_of, select=select, ignore=ignore,
                       sources=loaded.sources, warnings=loaded.warnings, crm_name=loaded.crm_name, progress=say,
                       show_numbers=req.show_numbers and not mask_pii)
    refuse_if_nothing_judged(result)
    release_unused_memory()  # what the run's derived tables held, gone with them
    for broken in result.errored():  # loud even with -q: a cron log must show a check that broke
        log.error("%s could not run: %s", broken.code, broken.message)
    options = ReportOptions(lang=lang, mask_pii=mask_pii,
                            deal_url=cfg.report.get("deal_url"), max_rows=cfg.report.get("max_rows"))
    result = _masked(result, options, req.show_numbers, loaded.crm.deals)
    paths = [(fmt, template if template == "-" else render_path(template, result)) for fmt, template in targets]
    # A manager's own workbook goes through the same rules as -o: placeholders, regular files only.
    per_owner = owner_paths(req.per_owner, result, managers(result, lang)) if req.per_owner else {}
    files = [path for _f, path in paths if path != "-"] + list(per_owner.values())
    # Our own earlier report, passed over on reading, is what a rerun replaces; every other file
    # named or found is an input, read or not.
    inputs = [s.path for s in loaded.sources if s.note != SKIP_NOTE]
    refuse_bad_outputs(files, inputs=inputs, config=req.config_path)
    result, written, stdout_open = _write_outputs(result, paths, per_owner, files, options, history_dir, say)
    if req.progress:
        req.progress("")

    level = None if fail_on == "never" else Severity.parse(fail_on)
    failed = result.failed_at_or_above(level) if level is not None else []
    log.debug("audit finished in %.1fs", time.perf_counter() - started)
    to_stdout = req.json != "-" and stdout_open
    if req.quiet:
        if failed:
            click.echo(render_quiet_failure(result, failed, fail_on), err=True)
    elif to_stdout:
        click.echo(render_summary(result, written, color=req.color, lang=lang, fail_on=fail_on), nl=False)
    return 1 if failed else 0


def _masked(result, options: ReportOptions, show_numbers: bool, deals):
    """One masked result for every writer and the console: names, e-mails and numbers with
    --mask-pii; phone numbers otherwise, unless --show-numbers."""
    if options.mask_pii:
        from reports.pii import mask_result
        return mask_result(result, deals=deals)
    if not show_numbers:
        from reports.pii import mask_phones
        return mask_phones(result)
    return result


def _write_outputs(result, paths: list[tuple[str, Any]], per_owner: dict, files: list, options: ReportOptions,
                   history_dir: Path | None, say) -> tuple[Any, list[tuple[str, str]], bool]:
    """Every report asked for, under one lock over history and outputs: an overlapping run
    waits, then sees this run as its previous one (attach inside the lock) instead of racing
    it. Returns the result with its history, what was written, and whether stdout is open."""
    written: list[tuple[str, str]] = []
    stdout_open = True
    with output_lock(files, history_dir):
        for path in files:  # what a run killed with SIGKILL left beside this report
            for leftover in sweep_leftovers(path):
                log.debug("removed %s, left by a run that was killed", leftover)
        if history_dir is not None:
            result = History(history_dir).attach(result)
        for fmt, path in paths:
            if path == "-":
                say("")
                stdout_open = write_stdout(dump(result, options))
                continue
            say(f"writing {path}")
            write(fmt, result, path, options)
            written.append((fmt, str(path)))
        for owner, path in per_owner.items():
            say(f"writing {path}")
            write("xlsx", result, path, replace(options, owner=owner))
        if per_owner:
            from reports.common import count_text
            folders = ", ".join(sorted({str(p.parent) for p in per_owner.values()}))
            written.append(("xlsx", f"{folders} ({count_text(len(per_owner), 'owner', options.lang)})"))
        if history_dir is not None:
            History(history_dir).record(result)
    return result, written, stdout_open


def managers(result, lang: str) -> dict[str, str]:
    """The managers who get their own workbook, with the name their file takes: every owner of
    the scorecard, and the deals without an owner only when some finding is about them."""
    from reports.i18n import sentinel
    owners = result.owners["owner"].dropna().astype(str).tolist() if len(result.owners) else []
    findings = result.findings
    ownerless = bool(len(findings)) and bool((findings["owner"].isna()
                                              & findings["entity_type"].isin(("deal", "activity", "lead"))).any())
    return {o: sentinel(o, lang) for o in owners if o != NO_OWNER or ownerless}


def release_unused_memory() -> None:
    """Hand the memory Arrow's allocator and malloc keep for reuse back to the system: what
    ingestion and the checks freed would otherwise count in the run's peak after them."""
    from audit.model.memory import hand_back_memory
    hand_back_memory()


def write_stdout(text: str) -> bool:
    """Print to stdout; False when the reader has gone (`crm-audit run --json - | head`): the
    rest of the run (reports, history, exit code) goes on, and nothing more is printed."""
    try:
        sys.stdout.write(text)
        sys.stdout.flush()
        return True
    except BrokenPipeError:
        silence_stdout()
        return False


def silence_stdout() -> None:
    """Point stdout at /dev/null so that Python's final flush does not fail again."""
    import os
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)


def refuse_if_nothing_judged(result) -> None:
    """Exit 2 when nothing was judged, so that neither 0 (clean) nor 1 (findings) is claimed:

    - no check ran at all (`--ignore ST,SG,OF,FN,HY`, everything disabled, or every selected
      check skipped for want of data): a score of 100 would be a clean bill for nothing;
    - every check that ran ended in error: what `--select HY` gives when Great Expectations is
      broken; in a full run the other checks complete and the HY errors are only reported."""
    ran = [c for c in result.checks if c.status is not Status.SKIPPED]
    if not result.checks:
        raise AuditError("no check ran: every check was ignored or disabled",
                         hint="see --select, --ignore and enabled = false in crm-audit.toml")
    if not ran:
        first = result.checks[0]
        raise AuditError(f"no check ran: all {len(result.checks)} selected checks were skipped "
                         f"({first.code}: {first.skipped_reason or first.message})")
    if all(c.status is Status.ERROR for c in ran):
        codes = ", ".join(c.code for c in ran)
        raise AuditError(f"no check could run ({codes}): {ran[0].message}")
