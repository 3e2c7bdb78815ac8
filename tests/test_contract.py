"""docs/CONTRACT.md says what the tool does: catalogue, command line, exit codes, JSON fields.

Each table of the contract is read back and compared with the code, so a new check, option
or field that is not documented (or a documented one that is gone) fails here.
"""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path

import click
import pandas as pd
import pytest

from audit.app.diff import diff_reports
from audit.app.history import History
from audit.derived.funnel import FUNNEL_COLUMNS
from audit.derived.scorecard import OWNER_COLUMNS
from audit.cli import ExitCode, cli
from audit.ingest.profiles import CRM_CHOICES
from audit.model import SourceFile
from audit.model.findings import FINDING_COLUMNS, Family
from audit.model.warnings import InputWarning
from checks import ALL_CHECKS
from reports import json_report
from tests.reports.sample import sample_result

CONTRACT = Path(__file__).resolve().parents[1] / "docs" / "CONTRACT.md"
TEXT = CONTRACT.read_text(encoding="utf-8")


def section(title: str) -> str:
    """The text under a heading (any level) up to the next heading of the same or higher level."""
    m = re.search(rf"^(#+) {re.escape(title)}\n", TEXT, re.MULTILINE)
    assert m, f"no section {title!r} in {CONTRACT.name}"
    rest = TEXT[m.end():]
    end = re.search(rf"^#{{1,{len(m.group(1))}}} ", rest, re.MULTILINE)
    return rest[: end.start()] if end else rest


def table(title: str) -> list[list[str]]:
    """The body rows of the first table in a section, as lists of cells."""
    rows = [line for line in section(title).splitlines() if line.startswith("|")]
    return [[c.strip() for c in row.strip().strip("|").split("|")] for row in rows[2:]]


def fields(title: str) -> set[str]:
    return {row[0] for row in table(title)}


def test_catalogue_table_is_the_catalogue():
    documented = [tuple(row[:4]) for row in table("Check catalogue")]
    actual = [(c.code, c.family.value, c.severity.label, c.name) for c in ALL_CHECKS]
    assert documented == actual


def test_every_command_and_option_is_documented():
    block = section("Command line").split("```")[1]
    for name, command in cli.commands.items():
        lines = [line for line in block.splitlines() if line.startswith(f"crm-audit {name} ")]
        assert lines, f"crm-audit {name} is not in the contract"
        start = block.index(lines[0])
        following = block[start:].split("\ncrm-audit ", 1)[0]  # the command's lines
        for param in command.params:
            if isinstance(param, click.Option) and not param.hidden:
                shown = [o for o in param.opts if re.search(rf"(?<![\w-]){re.escape(o)}(?![\w-])", following)]
                assert shown, f"{name} {'/'.join(param.opts)} is not in the contract"


def test_crm_names_listed_are_the_profiles():
    listed = re.search(r"profile name: ([a-z0-9, ]+)\.", " ".join(section("Command line").split()))
    assert listed and ["auto", *listed.group(1).split(", ")] == list(CRM_CHOICES)


def test_exit_codes_table_is_the_exit_code_enum():
    assert [(int(r[0]), r[1]) for r in table("Exit codes")] == [(int(c), c.name) for c in ExitCode]


@pytest.fixture(scope="module")
def report():
    return json_report.build(sample_result(findings=60, history=True))


def test_top_level_fields(report):
    assert fields("Top level") == set(report)


def test_input_file_fields():
    every_optional = SourceFile(path="a.xlsx", table="deals", sheet="S", header_row=1, note="n")
    assert fields("input.files[]") == set(every_optional.as_json())


def test_input_warning_fields():
    assert fields("input.warnings[]") == set(InputWarning(code="c", message="m", message_ru="м").as_json())


def test_summary_fields(report, tmp_path):
    assert fields("summary") == set(report["summary"])
    history = History(tmp_path)
    first = sample_result(findings=30)
    history.record(first)
    later = history.attach(replace(first, as_of=first.as_of + pd.Timedelta(days=7)))
    previous = re.search(r"the last earlier run \(([^)]*)\)", section("summary")).group(1)
    assert set(re.findall(r"`(\w+)`", previous)) == set(later.previous)
    trend = re.search(r"`\[\{([^}]*)\}\]`", section("summary")).group(1)
    assert set(re.findall(r'"(\w+)"', trend)) == set(later.trend[0])


def test_check_fields(report):
    assert all(set(c) == fields("checks[]") for c in report["checks"])


def test_finding_fields(report):
    assert fields("findings[]") == set(FINDING_COLUMNS)
    assert all(set(f) == set(FINDING_COLUMNS) for f in report["findings"])


def test_owner_fields():
    per_family = {f"findings_{f.value}" for f in Family}
    assert per_family <= set(OWNER_COLUMNS)
    assert fields("owners[]") == (set(OWNER_COLUMNS) - per_family) | {"findings_FAMILY"}


def test_funnel_fields():
    assert fields("funnel[]") == set(FUNNEL_COLUMNS)


def test_diff_fields(tmp_path):
    for name, seed in (("old", 1), ("new", 2)):
        (tmp_path / f"{name}.json").write_text(json_report.dump(sample_result(findings=30, seed=seed)),
                                               encoding="utf-8")
    diff = diff_reports(tmp_path / "old.json", tmp_path / "new.json").as_json()
    assert fields("`crm-audit diff --format json`") == set(diff)
    assert json.dumps(diff)  # plain JSON
