"""crm-audit command line. Thin: parse options, ingest, run, render, exit.

Exit codes (see ExitCode): 0 nothing failed at or above --fail-on, 1 something did,
2 usage or input error, printed as one line naming the file and the problem.
Heavy modules (pandas, openpyxl, Great Expectations) are imported inside commands so
`crm-audit checks` and `explain` answer at once.
"""

from __future__ import annotations

import gc
import logging
import os
import signal
import sys
from enum import IntEnum
from pathlib import Path

import click


class ExitCode(IntEnum):
    OK = 0          # no failed check at or above --fail-on
    FINDINGS = 1    # some check at or above --fail-on failed
    USAGE = 2       # bad option, unreadable input, bad config: nothing was judged


class CliError(click.ClickException):
    """A one-line error, exit 2 (a bare ClickException would exit 1, which means findings)."""

    exit_code = ExitCode.USAGE

    def show(self, file=None) -> None:
        click.echo(f"crm-audit: error: {self.format_message()}", err=True)


class AuditGroup(click.Group):
    """Turns AuditError and unexpected exceptions into one line and exit 2; -v shows the traceback."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except KeyboardInterrupt:  # Ctrl-C: temporary files are gone by now (finally blocks ran)
            click.echo("crm-audit: interrupted", err=True)
            raise click.exceptions.Exit(128 + signal.SIGINT) from None
        except BrokenPipeError:  # `crm-audit checks | head -1`: the reader has what it wanted
            _silence_stdout()
            raise click.exceptions.Exit(ExitCode.OK) from None
        except MemoryError:
            raise CliError("out of memory reading the input; try fewer files at a time") from None
        except Exception as exc:
            # Imported only once something failed: `audit.model` brings pandas (0.3 s), and `run`
            # starts the GX worker before that, so its import of GX begins that much sooner.
            from audit.model.errors import AuditError
            if isinstance(exc, AuditError):
                raise CliError(str(exc)) from exc
            if logging.getLogger("crm_audit").isEnabledFor(logging.DEBUG):
                raise
            raise CliError(f"internal error: {type(exc).__name__}: {exc} (run with -v for details)") from exc


def _setup_logging(verbose: bool, quiet: bool) -> None:
    level = logging.DEBUG if verbose else logging.ERROR if quiet else logging.WARNING
    logging.basicConfig(level=level, format="crm-audit: %(message)s", stream=sys.stderr)
    logging.getLogger("crm_audit").setLevel(level)


def _progress(quiet: bool):
    """Progress lines on stderr, only on a terminal (a cron log stays clean)."""
    if quiet or not sys.stderr.isatty():
        return None
    return lambda msg: click.echo(f"\r\033[K{msg}", err=True, nl=False)


@click.group(cls=AuditGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="crm-audit", prog_name="crm-audit")
def cli() -> None:
    """Audit CRM exports for sterile data: missing losses, vague stages, silent stage
    changes and managers whose numbers stand apart."""


class ProfileChoice(click.Choice):
    """`--crm`: "auto" or a profile of the profiles registry, looked up on first use (the
    registry loads pandas, which `--help` and `--version` should not pay for)."""

    def __init__(self) -> None:
        super().__init__((), case_sensitive=False)

    @property
    def choices(self) -> tuple[str, ...]:
        from audit.ingest.profiles import CRM_CHOICES
        return CRM_CHOICES

    @choices.setter
    def choices(self, _ignored) -> None:  # click.Choice.__init__ assigns the (empty) tuple
        pass


FAIL_ON = click.Choice(["high", "medium", "low", "info", "never"], case_sensitive=False)
CRM_CHOICE = ProfileChoice()


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("-c", "--config", "config_path", type=click.Path(path_type=Path), help="crm-audit.toml")
@click.option("--crm", type=CRM_CHOICE, default=None, help="Force the CRM profile (default: detect per file).")
@click.option("--encoding", default=None, help="Force the encoding of CSV files (e.g. cp1251).")
@click.option("-o", "--output", "xlsx_path", help="Excel report, e.g. reports/crm-{as_of:%Y-%m-%d}.xlsx")
@click.option("--json", "json_path", help="JSON report ('-' for stdout).")
@click.option("--md", "md_path", help="Markdown summary for mail or chat.")
@click.option("--lang", type=click.Choice(["en", "ru"]), default=None, help="Report language.")
@click.option("--as-of", "as_of", default=None, help="Reference date (default: latest timestamp in the data).")
@click.option("--select", multiple=True, help="Only these codes or prefixes (ST, OF01).")
@click.option("--ignore", multiple=True, help="Skip these codes or prefixes.")
@click.option("--fail-on", type=FAIL_ON, default=None, help="Exit 1 when a check of this severity or higher fails (default high).")
@click.option("--history", "history_dir", type=click.Path(path_type=Path), help="Folder of the run history (trend, deltas).")
@click.option("--mask-pii", is_flag=True, help="Mask contact names, e-mails and phones in every output.")
@click.option("--show-numbers", is_flag=True,
              help="Show clients' full phone numbers (masked by default; --mask-pii wins). Use only with the "
                   "client's consent.")
@click.option("--per-owner", "per_owner", metavar="DIR",
              help="One small workbook per manager (his page and his to-do list) in DIR, named after him; "
                   "or a path with {owner}, e.g. 'out/{as_of:%Y-%m}/{owner}.xlsx'.")
@click.option("-q", "--quiet", is_flag=True, help="Print nothing on success; one line on failure.")
@click.option("-v", "--verbose", is_flag=True, help="Debug log and tracebacks.")
def run(paths, config_path, crm, encoding, xlsx_path, json_path, md_path, lang, as_of, select, ignore,
        fail_on, history_dir, mask_pii, show_numbers, per_owner, quiet, verbose) -> None:
    """Audit the exports in PATHS (files or folders)."""
    _setup_logging(verbose, quiet)
    _start_great_expectations(select, ignore)
    from audit.app.session import AuditRequest, execute
    request = AuditRequest(
        paths=tuple(paths), config_path=config_path, crm=crm, encoding=encoding, xlsx=xlsx_path,
        json=json_path, md=md_path, lang=lang, as_of=as_of, select=select, ignore=ignore,
        fail_on=fail_on, history_dir=history_dir, mask_pii=mask_pii, show_numbers=show_numbers,
        per_owner=per_owner, quiet=quiet,
        color=sys.stdout.isatty(), progress=_progress(quiet),
    )
    code = execute(request)
    sys.exit(int(code))


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("-c", "--config", "config_path", type=click.Path(path_type=Path))
@click.option("--crm", type=CRM_CHOICE, default=None)
@click.option("--encoding", default=None, help="Force the encoding of CSV files.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.option("-v", "--verbose", is_flag=True)
def inspect(paths, config_path, crm, encoding, as_json, verbose) -> None:
    """Show what was detected per file: table, CRM, encoding, mapping, parse failures."""
    _setup_logging(verbose, False)
    from audit.app.settings import load_config
    from audit.ingest import load
    from audit.ingest.inspect import render_inspection
    cfg = load_config(config_path)
    loaded = load(paths, cfg, crm=crm, encoding=encoding)
    click.echo(render_inspection(loaded, as_json=as_json), nl=False)


@cli.command("checks")
@click.option("--lang", type=click.Choice(["en", "ru"]), default="en")
def checks_cmd(lang) -> None:
    """List the check catalogue."""
    from checks.catalog import catalogue_lines
    for line in catalogue_lines(lang):
        click.echo(line)


@cli.command()
@click.argument("code")
@click.option("--lang", type=click.Choice(["en", "ru"]), default="en")
def explain(code, lang) -> None:
    """Rationale and fix of a check (or `explain score`)."""
    from checks.catalog import explain_text
    text = explain_text(code, lang)
    if text is None:
        raise CliError(f"unknown check {code!r} (see `crm-audit checks`)")
    click.echo(text)


@cli.command()
@click.option("-o", "--output", "path", type=click.Path(path_type=Path), default=Path("crm-audit.toml"),
              show_default=True)
@click.option("--force", is_flag=True, help="Overwrite an existing file.")
def init(path: Path, force: bool) -> None:
    """Write a commented crm-audit.toml."""
    from audit.app.configtemplate import template
    if path.exists() and not force:
        raise CliError(f"{path}: already exists (use --force to overwrite)")
    from reports.atomic import atomic_path
    with atomic_path(path) as tmp:
        tmp.write_text(template(), encoding="utf-8")
    click.echo(f"wrote {path}")


@cli.command()
@click.option("-o", "--output", "out_dir", type=click.Path(path_type=Path), default=Path("crm-audit-demo"),
              show_default=True, help="Folder for the sample export and the reports.")
@click.option("--lang", type=click.Choice(["en", "ru"]), default="en", show_default=True,
              help="Language of the reports and the summary (the sample export itself is a Russian amoCRM one).")
@click.option("--seed", type=int, default=7, show_default=True)
@click.option("-q", "--quiet", is_flag=True)
def demo(out_dir: Path, lang: str, seed: int, quiet: bool) -> None:
    """Write a realistic amoCRM-style export with known problems and audit it."""
    _setup_logging(False, quiet)
    _start_great_expectations()
    from audit.app.demo import CONFIG_NAME, write_demo
    from audit.app.session import AuditRequest, execute
    export_dir = write_demo(out_dir / "export", seed=seed)
    if not quiet:
        click.echo(f"sample export written to {export_dir}", err=True)
    request = AuditRequest(
        paths=(export_dir,), config_path=export_dir.parent / CONFIG_NAME,
        xlsx=str(out_dir / "report.xlsx"), json=str(out_dir / "report.json"),
        md=str(out_dir / "report.md"), lang=lang, fail_on="never", quiet=quiet,
        color=sys.stdout.isatty(), progress=_progress(quiet),
    )
    sys.exit(int(execute(request)))


@cli.command()
@click.argument("old", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.argument("new", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
def diff(old: Path, new: Path, fmt: str) -> None:
    """Findings new and resolved between two JSON reports."""
    from audit.app.diff import diff_reports, render_diff
    click.echo(render_diff(diff_reports(old, new), fmt), nl=False)


@cli.command("gx-suite")
@click.option("-o", "--output", "path", type=click.Path(path_type=Path), default=Path("crm-audit-suite.json"),
              show_default=True)
@click.option("-c", "--config", "config_path", type=click.Path(path_type=Path))
def gx_suite(path: Path, config_path) -> None:
    """Write the field-level hygiene rules (HY01-HY05) as a Great Expectations 1.x suite."""
    from audit.app.settings import load_config
    from checks.hygiene.gx_adapter import suite_json
    from reports.atomic import atomic_path
    cfg = load_config(config_path)
    with atomic_path(path) as tmp:
        tmp.write_text(suite_json(cfg), encoding="utf-8")
    click.echo(f"wrote {path}")


def _start_great_expectations(select=(), ignore=()) -> None:
    """Start the Great Expectations worker process first thing: its import (seconds) then runs on
    the other core while this process imports pandas and the catalogue and reads the exports
    (started after them, it was the end of a small export's audit)."""
    from checks.hygiene.gx_worker import start_early
    start_early(select, ignore)


def _silence_stdout() -> None:
    """Point stdout at /dev/null, so that the interpreter's last flush does not fail again."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)


def _exit_on_signal(signum, _frame) -> None:
    """SIGTERM and SIGHUP end the run as an exception, so every `finally` runs: temporary report
    files and openpyxl's scratch files are removed, as on Ctrl-C (only kill -9 skips this; the
    next run sweeps what that leaves)."""
    raise SystemExit(128 + signum)


def main() -> None:
    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, _exit_on_signal)
    try:
        cli(prog_name="crm-audit")
    finally:
        # The process ends here, and what is still alive dies with it: frozen, the run's heap is
        # not walked again by the interpreter's last garbage collection (0.12 s of a 10,000-deal
        # audit's exit). atexit hooks, `finally` blocks and the streams' flushing run as before.
        gc.freeze()
        try:
            sys.stdout.flush()
        except BrokenPipeError:
            _silence_stdout()


if __name__ == "__main__":  # pragma: no cover
    main()
