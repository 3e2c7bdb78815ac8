"""The README tells the truth: its check table is the catalogue, its demo numbers are the demo's."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from audit.app.demo import CONFIG_NAME, write_demo
from audit.cli import cli
from checks import ALL_CHECKS

README = Path(__file__).resolve().parents[1] / "README.md"
# "ST01 lost-deals-missing" or a range without names, "HY01-HY05".
LISTED = re.compile(r"\b(?P<code>[A-Z]{2}\d\d)(?:-(?P<last>[A-Z]{2}\d\d))?(?: (?P<name>[a-z0-9]+(?:-[a-z0-9]+)+))?")


def readme_catalogue() -> dict[str, tuple[str, str | None]]:
    """code -> (family prefix of its row, name as written or None) from "## What it checks"."""
    section = README.read_text(encoding="utf-8").split("\n## What it checks\n", 1)[1].split("\n## ", 1)[0]
    listed: dict[str, tuple[str, str | None]] = {}
    for row in section.splitlines():
        cells = [c.strip() for c in row.strip().strip("|").split("|")]
        if len(cells) < 3 or not re.fullmatch(r"[A-Z]{2} .+", cells[0]):
            continue
        family = cells[0][:2]
        for m in LISTED.finditer(cells[1]):
            first, last = int(m["code"][2:]), int((m["last"] or m["code"])[2:])
            for n in range(first, last + 1):
                code = f"{m['code'][:2]}{n:02d}"
                assert code not in listed, f"{code} listed twice in the README"
                listed[code] = (family, m["name"])
    return listed


def test_readme_table_lists_exactly_the_catalogue():
    listed = readme_catalogue()
    codes = {c.code for c in ALL_CHECKS}
    assert set(listed) == codes, (f"missing from the README: {sorted(codes - set(listed))}; "
                                  f"not in the catalogue: {sorted(set(listed) - codes)}")


def test_readme_names_each_check_as_the_catalogue_does_in_its_family_row():
    listed = readme_catalogue()
    for check in ALL_CHECKS:
        family, name = listed[check.code]
        assert family == check.code[:2], f"{check.code} sits in the {family} row"
        assert name in (None, check.name), f"README calls {check.code} {name!r}, the catalogue {check.name!r}"


@pytest.fixture(scope="module")
def demo_export(tmp_path_factory):
    export = write_demo(tmp_path_factory.mktemp("demo") / "export", seed=7)  # what `make demo` writes
    return export, export.parent / CONFIG_NAME


def _summary_lines(output: str) -> list[str]:
    return output.splitlines()[:4]


def test_quick_start_shows_what_the_demo_audit_prints(demo_export):
    export, config = demo_export
    block = README.read_text(encoding="utf-8").split("$ .venv/bin/crm-audit run demo-out/export -c demo-out/crm-audit.toml\n", 1)[1]
    quoted = block.split("\n...\n", 1)[0].splitlines()
    result = CliRunner().invoke(cli, ["run", str(export), "-c", str(config)])
    assert result.exit_code == 1  # as the README says: high-severity checks failed
    assert quoted == _summary_lines(result.output)


def test_quick_start_numbers_without_the_demo_config(demo_export):
    export, _config = demo_export
    claim = re.search(r"(\d+) failed, (\d+) skipped, score ([\d.]+)\.", " ".join(README.read_text(encoding="utf-8").split()))
    output = CliRunner().invoke(cli, ["run", str(export)]).output
    failed, skipped, score = claim.groups()
    assert f"Trust score  {score} / 100" in output
    assert f"{failed} failed · {skipped} skipped" in output
