"""The workbook package: every sheet module is registered, and a registered module is a sheet."""

import importlib
import pkgutil
from types import SimpleNamespace

import reports.xlsx as xlsx
from reports import i18n
from tests.reports.conftest import write_book
from tests.reports.sample import sample_result


def test_every_sheet_module_is_registered_once():
    modules = {m.name for m in pkgutil.iter_modules(xlsx.__path__)}
    sheets = {name for name in modules if hasattr(importlib.import_module(f"reports.xlsx.{name}"), "add")}
    registered = [m.__name__.rsplit(".", 1)[1] for m in xlsx.SHEETS]
    assert len(set(registered)) == len(registered)
    own = [m.__name__.rsplit(".", 1)[1] for m in xlsx.OWNER_SHEETS]
    assert sorted(set(registered) | set(own)) == sorted(sheets)


def test_a_new_sheet_is_one_module_and_one_line(tmp_path, monkeypatch):
    def add(wb, ctx):
        sheet = xlsx.sheet.Sheet(wb, "Extra", [20])
        sheet.append([sheet.cell("=1+1"), sheet.cell(ctx.result.crm)])

    monkeypatch.setattr(xlsx, "SHEETS", (*xlsx.SHEETS, SimpleNamespace(add=add)))
    _path, wb = write_book(sample_result(findings=30), tmp_path)
    assert wb.sheetnames[:-1] == [i18n.t(f"sheet.{s}", "en") for s in
                                  ("guide", "summary", "findings", "managers", "funnel", "stages", "checks", "data")]
    extra = wb["Extra"]
    assert [c.value for c in extra[1]] == ["=1+1", "amocrm"]
    assert extra["A1"].data_type == "s"  # CRM text stays text in a new sheet too
