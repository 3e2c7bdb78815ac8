"""One audit run from files to reports: the flow behind `crm-audit run` and `demo`.

files -> ingest -> CrmData -> runner -> AuditResult -> history -> reports -> exit code.
"""

from __future__ import annotations

import logging
import sys
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable, Sequence

import click

from audit.model import config as config_mod
from audit.model.errors import AuditError
from audit.model.findings import Severity, Status
from audit.app.history import History
from audit.ingest import load
from audit.app.outputs import output_lock, owner_paths, render_path
from audit.derived.deal_index import NO_OWNER
from audit.runner import parse_codes, run_audit, warm_up
from reports import ReportOptions, write
from reports.console import render_quiet_failure, render_summary
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
    per_owner: str | None = None   # a folder (or a path with {owner}) for one workbook per manager
    quiet: bool = False
    color: bool = False
    progress: Callable[[str], None] | None = None


def execute(req: AuditRequest) -> int:
    """Run the audit and write what was asked; return the exit code (0 or 1)."""
    say = req.progress or (lambda _m: None)
    started = time.perf_counter()
    cfg = config_mod.load(req.config_path)
    select, ignore = parse_codes(req.select), parse_codes(req.ignore)
    fail_on = (req.fail_on or cfg.fail_on or "high").lower()
    lang = req.lang or cfg.report.get("lang", "en")
    history_dir = req.history_dir or (Path(cfg.history["dir"]) if cfg.history.get("dir") else None)

    warm_up(select, ignore)
    say("reading exports")
    loaded = load(req.paths, cfg, crm=req.crm, encoding=req.encoding, progress=say)
    result = run_audit(loaded.crm, cfg, as_of=req.as_of, select=select, ignore=ignore,
                       sources=loaded.sources, warnings=loaded.warnings, crm_name=loaded.crm_name, progress=say)
    refuse_if_nothing_judged(result)
    for broken in result.errored():  # loud even with -q: a cron log must show a check that broke
        log.error("%s could not run: %s", broken.code, broken.message)
    options = ReportOptions(lang=lang, mask_pii=req.mask_pii or bool(cfg.report.get("mask_pii")),
                            deal_url=cfg.report.get("deal_url"), max_rows=cfg.report.get("max_rows"))
    if options.mask_pii:  # one masked result for every writer and the console
        from reports.pii import mask_result
        result = mask_result(result, deals=loaded.crm.deals)
    written: list[tuple[str, str]] = []
    inputs = frozenset(Path(s.path).resolve() for s in loaded.sources)
    targets = [(fmt, t) for fmt, t in (("xlsx", req.xlsx), ("json", req.json), ("md", req.md)) if t]
    per_owner = owner_paths(req.per_owner, result, managers(result, lang)) if req.per_owner else {}
    # One lock over history and outputs: an overlapping run waits, then sees this run as its
    # previous one (attach inside the lock) instead of racing it.
    with output_lock([render_path(t, result) for _f, t in targets if t != "-"] + list(per_owner.values()),
                     history_dir):
        if history_dir is not None:
            result = History(history_dir).attach(result)
        for fmt, template in targets:
            if template == "-":
                say("")
                sys.stdout.write(dump(result, options))
                continue
            path = render_path(template, result)
            if path.resolve() in inputs:
                raise AuditError("refusing to write a report over an input file", path=path)
            say(f"writing {path}")
            write(fmt, result, path, options)
            written.append((fmt, str(path)))
        for owner, path in per_owner.items():
            if path.resolve() in inputs:
                raise AuditError("refusing to write a report over an input file", path=path)
            say(f"writing {path}")
            write("xlsx", result, path, replace(options, owner=owner))
        if per_owner:
            from reports.common import count_text
            folders = ", ".join(sorted({str(p.parent) for p in per_owner.values()}))
            written.append(("xlsx", f"{folders} ({count_text(len(per_owner), 'owner', lang)})"))
        if history_dir is not None:
            History(history_dir).record(result)
    if req.progress:
        req.progress("")

    level = None if fail_on == "never" else Severity.parse(fail_on)
    failed = result.failed_at_or_above(level) if level is not None else []
    log.debug("audit finished in %.1fs", time.perf_counter() - started)
    to_stdout = req.json != "-"
    if req.quiet:
        if failed:
            click.echo(render_quiet_failure(result, failed, fail_on), err=True)
    elif to_stdout:
        click.echo(render_summary(result, written, color=req.color, lang=lang, fail_on=fail_on), nl=False)
    return 1 if failed else 0


def managers(result, lang: str) -> dict[str, str]:
    """The managers who get their own workbook, with the name their file takes: every owner of
    the scorecard, and the deals without an owner only when some finding is about them."""
    from reports.i18n import sentinel
    owners = result.owners["owner"].dropna().astype(str).tolist() if len(result.owners) else []
    findings = result.findings
    ownerless = bool(len(findings)) and bool((findings["owner"].isna()
                                              & findings["entity_type"].isin(("deal", "activity", "lead"))).any())
    return {o: sentinel(o, lang) for o in owners if o != NO_OWNER or ownerless}


def refuse_if_nothing_judged(result) -> None:
    """Exit 2 when every check that ran ended in error: nothing was judged, so neither 0 (clean)
    nor 1 (findings) would be true. This is what `--select HY` gives when Great Expectations is
    broken; in a full run the other checks complete and the HY errors are only reported."""
    ran = [c for c in result.checks if c.status is not Status.SKIPPED]
    if ran and all(c.status is Status.ERROR for c in ran):
        codes = ", ".join(c.code for c in ran)
        raise AuditError(f"no check could run ({codes}): {ran[0].message}")
