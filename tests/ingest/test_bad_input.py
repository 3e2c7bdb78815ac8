"""Bad input: exit 2, one line naming the file and the problem, no traceback, input untouched."""

import hashlib
import shutil

import pytest
from click.testing import CliRunner

from audit.cli import cli
from tests.ingest.conftest import FIXTURES


def _run(*args):
    return CliRunner().invoke(cli, ["run", *map(str, args), "-q"])


def _one_line_error(result, *needles):
    assert result.exit_code == 2, result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1, result.output
    assert "Traceback" not in result.output
    for needle in needles:
        assert needle in lines[0], lines[0]


@pytest.mark.parametrize("name, needle", [
    pytest.param("empty.csv", "file is empty", id="empty"),
    pytest.param("binary.csv", "binary", id="binary"),
    pytest.param("corrupt.xlsx", "corrupt", id="corrupt-xlsx"),
    pytest.param("deals_no_stage.csv", "no stage column", id="deals-without-stage"),
    pytest.param("not_crm.csv", "no deals export found", id="not-a-crm-file"),
])
def test_bad_files(name, needle):
    _one_line_error(_run(FIXTURES / name), name, needle)


def test_missing_path(tmp_path):
    _one_line_error(_run(tmp_path / "nope.csv"), "nope.csv", "no such file")


def test_folder_without_supported_files(tmp_path):
    (tmp_path / "notes.md").write_text("hello")
    _one_line_error(_run(tmp_path), str(tmp_path), "no CSV")


def test_bad_config(tmp_path):
    cfg = tmp_path / "crm-audit.toml"
    cfg.write_text("[input\ncrm = 1\n")
    _one_line_error(_run(FIXTURES / "generic_deals.csv", "-c", cfg), "crm-audit.toml", "TOML")
    cfg.write_text('[columns.deals]\n"X" = "no_such_column"\n')
    _one_line_error(_run(FIXTURES / "generic_deals.csv", "-c", cfg), "no_such_column")


def test_wrong_forced_encoding(tmp_path):
    result = CliRunner().invoke(cli, ["run", str(FIXTURES / "deals_utf8_bom.csv"), "--encoding", "ascii", "-q"])
    _one_line_error(result, "deals_utf8_bom.csv", "cannot decode")


def test_inputs_are_never_modified(tmp_path):
    folder = tmp_path / "export"
    folder.mkdir()
    for name in ("deals_cp1251_semicolon.csv", "amocrm_events.csv"):
        shutil.copy(FIXTURES / name, folder / name)
    before = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.iterdir()}
    result = CliRunner().invoke(cli, ["run", str(folder), "--json", str(tmp_path / "r.json"), "-q",
                                      "--fail-on", "never"])
    assert result.exit_code == 0, result.output
    after = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.iterdir()}
    assert before == after


def test_report_over_an_input_is_refused(tmp_path):
    target = tmp_path / "deals.csv"
    shutil.copy(FIXTURES / "generic_deals.csv", target)
    before = target.read_bytes()
    result = CliRunner().invoke(cli, ["run", str(target), "--json", str(target), "-q"])
    _one_line_error(result, "input file")
    assert target.read_bytes() == before
