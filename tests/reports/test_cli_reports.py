"""`crm-audit run` writing every report: languages, --mask-pii across all outputs, no temp files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from audit.cli import cli
from tests.reports.conftest import all_text

SECRETS = ("ivan.petrov@client.ru", "345-67-89", "Иван Петров")


def write_export(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    rows = ["deal_id,title,stage,status,owner,contact,created_at,closed_at,lost_reason",
            "100,Поставка,Won,won,Anna,Олег Сидоров,2026-10-01,2026-11-10,",
            "1,Иван Петров: звонок +7 (912) 345-67-89,Lost,lost,Boris,Иван Петров,2026-10-01,2026-10-20,",
            "2,=HYPERLINK(\"http://evil\"),Lost,lost,Boris,ivan.petrov@client.ru,2026-10-01,2026-10-20,",
            "3,Опт,Lost,lost,Boris,Мария Ли,2026-10-01,2026-10-20,Price"]
    (folder / "deals.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    return folder


def run_reports(tmp_path: Path, *extra: str) -> tuple[object, Path]:
    export = write_export(tmp_path / "export")
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["run", str(export), "--select", "ST03", "--fail-on", "never",
                                      "-o", str(out / "r.xlsx"), "--json", str(out / "r.json"),
                                      "--md", str(out / "r.md"), *extra])
    assert result.exit_code == 0, result.output
    return result, out


def outputs(out: Path) -> dict[str, str]:
    return {"xlsx": all_text(load_workbook(out / "r.xlsx")),
            "json": json.dumps(json.loads((out / "r.json").read_text(encoding="utf-8")), ensure_ascii=False),
            "md": (out / "r.md").read_text(encoding="utf-8")}


def test_mask_pii_masks_every_output(tmp_path):
    result, out = run_reports(tmp_path, "--mask-pii")
    texts = {**outputs(out), "console": result.output}
    for name, text in texts.items():
        for secret in SECRETS:
            assert secret not in text, (name, secret)
    assert "И*** П***: звонок +* (***) ***-**-89" in texts["xlsx"]
    assert "Boris" in texts["xlsx"] and "Boris" in texts["json"]   # managers stay


def test_without_the_flag_names_and_mail_are_there_and_phones_masked(tmp_path):
    result, out = run_reports(tmp_path)
    texts = {**outputs(out), "console": result.output}
    assert "Иван Петров: звонок +* (***) ***-**-89" in texts["xlsx"]
    assert not any("345-67-89" in text for text in texts.values())


def test_show_numbers_shows_them_and_mask_pii_wins(tmp_path):
    _result, out = run_reports(tmp_path / "shown", "--show-numbers")
    assert "Иван Петров: звонок +7 (912) 345-67-89" in outputs(out)["xlsx"]
    result, out = run_reports(tmp_path / "both", "--show-numbers", "--mask-pii")
    assert not any("345-67-89" in text for text in {**outputs(out), "console": result.output}.values())


@pytest.mark.parametrize("lang, sheet", [pytest.param("en", "Summary", id="en"),
                                         pytest.param("ru", "Сводка", id="ru")])
def test_reports_in_the_language_asked_no_temporary_files(tmp_path, lang, sheet):
    result, out = run_reports(tmp_path, "--lang", lang)
    wb = load_workbook(out / "r.xlsx")
    assert wb.sheetnames[1] == sheet and wb.active.title == sheet
    assert not [c for ws in wb for row in ws.iter_rows() for c in row if c.data_type == "f"]
    assert sorted(p.name for p in out.iterdir() if not p.name.startswith(".crm-audit.lock")) == \
        ["r.json", "r.md", "r.xlsx"]
    assert str(out / "r.xlsx") in result.output
