"""`--per-owner DIR`: one small workbook per manager - his page and his to-do list, his rows only -
named after him safely on any system, with the placeholders of -o."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from audit.app.outputs import owner_paths, safe_file_name
from audit.cli import cli
from reports.xlsx.findings import FIRST_ROW
from tests.reports.test_cli_reports import write_export

OWNER_COL = 2  # the Findings sheet's manager column (0-based)


def run(tmp_path: Path, target: str, *extra: str):
    export = write_export(tmp_path / "export")
    result = CliRunner().invoke(cli, ["run", str(export), "--select", "ST03,HY01", "--fail-on", "never",
                                      "--json", str(tmp_path / "r.json"), "--per-owner", target, *extra])
    assert result.exit_code == 0, result.output
    return result


def rows(path: Path, sheet: str = "Findings") -> list[tuple]:
    return [r for r in load_workbook(path)[sheet].iter_rows(min_row=FIRST_ROW, values_only=True)
            if any(v is not None for v in r)]


def test_one_workbook_per_manager_with_only_his_rows(tmp_path):
    result = run(tmp_path, str(tmp_path / "team"))
    files = sorted(p.name for p in (tmp_path / "team").glob("*.xlsx"))
    assert files == ["Anna.xlsx", "Boris.xlsx"]
    boris = rows(tmp_path / "team" / "Boris.xlsx")
    assert len(boris) == 2 and {r[OWNER_COL] for r in boris} == {"Boris"}   # deals 1 and 2: no loss reason
    anna = load_workbook(tmp_path / "team" / "Anna.xlsx")
    assert anna.sheetnames == ["My summary", "Findings"]
    assert rows(tmp_path / "team" / "Anna.xlsx") == [("Nothing to do: no finding.",) + (None,) * 14]
    page = [c for row in anna["My summary"].iter_rows(values_only=True) for c in row if c is not None]
    assert "CRM audit: Anna" in page and "The audit found nothing in my deals." in page
    assert "2 managers" in result.output


def test_placeholders_and_a_file_template(tmp_path):
    run(tmp_path, str(tmp_path / "{as_of:%Y}" / "audit-{owner}.xlsx"), "--as-of", "2026-12-01")
    assert sorted(p.name for p in (tmp_path / "2026").iterdir() if p.suffix == ".xlsx") == [
        "audit-Anna.xlsx", "audit-Boris.xlsx"]


def test_in_russian(tmp_path):
    run(tmp_path, str(tmp_path / "team"), "--lang", "ru")
    boris = load_workbook(tmp_path / "team" / "Boris.xlsx")
    assert boris.sheetnames == ["Моя сводка", "Замечания"]


@pytest.mark.parametrize("name, safe", [
    pytest.param("Иванов Пётр", "Иванов Пётр", id="cyrillic-kept"),
    pytest.param('a/b\\c:d*e?f"g<h>i|j', "a_b_c_d_e_f_g_h_i_j", id="windows-forbidden"),
    pytest.param("CON", "_CON", id="device-name"),
    pytest.param("nul.txt", "_nul.txt", id="device-name-with-extension"),
    pytest.param("Boss. ", "Boss", id="trailing-dot-and-space"),
    pytest.param("tab\there", "tab_here", id="control-character"),
    pytest.param("..", "_", id="only-dots"),
    pytest.param("x" * 300, "x" * 100, id="long"),
])
def test_safe_file_names(name, safe):
    assert safe_file_name(name) == safe


def test_names_that_collide_are_numbered():
    result = SimpleNamespace(as_of=pd.Timestamp("2026-11-20"), crm="amocrm")
    paths = owner_paths("out/{crm}", result, {"A/B": "A/B", "A:B": "A:B", "a_b": "a_b", "Ann": "Ann"})
    assert {k: v.name for k, v in paths.items()} == {"A/B": "A_B.xlsx", "A:B": "A_B (2).xlsx",
                                                   "a_b": "a_b (3).xlsx", "Ann": "Ann.xlsx"}
    assert paths["Ann"].parent == Path("out/amocrm")


def test_my_numbers_stand_before_the_team_s_in_every_table(tmp_path):
    from tests.reports.conftest import write_book
    from tests.reports.sample import sample_result
    _path, wb = write_book(sample_result(findings=40, history=True), tmp_path, owner="Иванов Пётр")
    rows = [[c for c in row if c is not None] for row in wb["My summary"].iter_rows(values_only=True)]
    paired = [row for row in rows if "Me" in row and "Team" in row]
    assert len(paired) >= 2  # my figures, and my conversion per stage in each pipeline
    assert all(row.index("Me") < row.index("Team") for row in paired)
    stage = next(row for row in rows if row and row[0] == "Квалификация")
    assert stage[1:3] == [0.71, 0.66]  # mine, then the team's
