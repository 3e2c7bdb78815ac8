import pytest
from openpyxl import load_workbook

from reports import ReportOptions, xlsx
from tests.reports.sample import sample_result


@pytest.fixture(scope="module")
def result():
    return sample_result(findings=120, history=True)


def write_book(result, tmp_path, name="report.xlsx", **options):
    path = tmp_path / name
    xlsx.write(result, path, ReportOptions(**options))
    return path, load_workbook(path)


def all_cells(wb):
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.value is not None:
                    yield ws, cell


def all_text(wb) -> str:
    return "\n".join(str(c.value) for _ws, c in all_cells(wb))
