"""Broken and odd exports: each gives one line naming the file (and line/column where known),
exit 2, never a clean bill; odd but readable encodings are read. Files are built in the test."""

from __future__ import annotations

import subprocess
import sys

import pytest
from click.testing import CliRunner

from audit.cli import cli
from audit.ingest import load
from audit.ingest.csvtext import encoding_hint, utf16_without_bom
from tests.ingest.conftest import FIXTURES

HEADER = "deal_id,title,stage,status,owner,created_at,closed_at,amount\n"


def _deals(rows: int = 100) -> str:
    return HEADER + "".join(f"{i},Deal {i},Won,won,Anna,2026-01-{1 + i % 28:02d} 10:00,2026-02-01 10:00,100\n"
                            for i in range(1, rows + 1))


def _run(*args) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["run", *map(str, args), "-q"])
    return result.exit_code, result.output


def _one_line(code: int, output: str, *needles: str) -> str:
    lines = [line for line in output.splitlines() if line.strip()]
    assert code == 2 and len(lines) == 1 and "Traceback" not in output, output
    for needle in needles:
        assert needle in lines[0], lines[0]
    return lines[0]


# -- no clean bill on a broken deals table ------------------------------------------------------

def test_header_only_deals_file_is_an_input_error(tmp_path):
    path = tmp_path / "deals.csv"
    path.write_text(HEADER, encoding="utf-8")
    _one_line(*_run(path), "deals.csv", "holds no deal")


def test_unterminated_quote_names_the_line(tmp_path):
    """0 of 100 deals read used to exit 0 with score 97.5, as of 1970."""
    text = _deals(100).replace("1,Deal 1,", '1,"Deal 1,', 1)
    path = tmp_path / "deals.csv"
    path.write_text(text, encoding="utf-8")
    _one_line(*_run(path), "deals.csv", "no deal could be read", "a quote opened on line 2 is never closed")


def test_most_records_malformed_is_an_input_error(tmp_path):
    lines = _deals(10).splitlines(keepends=True)
    broken = [lines[0], *lines[1:4], *(f"{i},x\n" for i in range(20, 31))]
    path = tmp_path / "deals.csv"
    path.write_text("".join(broken), encoding="utf-8")
    _one_line(*_run(path), "deals.csv", "11 of 14 records could not be read", "line 5 has 2 field(s) where the header has 8")


def test_a_few_malformed_records_are_reported_not_refused(tmp_path):
    path = tmp_path / "deals.csv"
    path.write_text(_deals(20) + "99,x\n", encoding="utf-8")
    code, output = _run(path, "--fail-on", "never")
    assert code == 0, output


def test_no_date_in_the_data_stops_instead_of_1970(tmp_path):
    path = tmp_path / "deals.csv"
    path.write_text("deal_id,stage,status,owner,created_at\n1,New,open,Anna,someday\n2,Won,won,Anna,\n",
                    encoding="utf-8")
    _one_line(*_run(path), "no date to audit as of", "--as-of")
    code, output = _run(path, "--as-of", "2026-11-20", "--fail-on", "never")
    assert code == 0, output


def test_a_run_in_which_no_check_ran_exits_2():
    _one_line(*_run(FIXTURES / "generic_deals.csv", "--ignore", "ST,SG,OF,FN,HY"), "no check ran")


def test_a_run_in_which_every_selected_check_skipped_exits_2():
    _one_line(*_run(FIXTURES / "generic_deals.csv", "--select", "OF"), "no check ran", "skipped")


@pytest.mark.parametrize("as_of, needle", [
    pytest.param("", "--as-of is empty", id="empty"),
    pytest.param("0001-01-01", "outside 1900-2200", id="year-one"),
    pytest.param("3000-01-01", "outside 1900-2200", id="year-3000"),
    pytest.param("-1", "is not a date", id="minus-one-was-blamed-on-the-output-path"),
])
def test_bad_as_of_is_refused_before_reading(as_of, needle, tmp_path):
    _one_line(*_run(tmp_path / "not-read.csv", "--as-of", as_of, "--json", tmp_path / "r.json"), needle)


# -- limits on CSV: file, line and column named -------------------------------------------------

def test_a_long_first_line_field_is_read(tmp_path):
    """A first line with a 200 KiB field once gave 'internal error: field larger than field limit'."""
    path = tmp_path / "deals.csv"
    path.write_text(HEADER.replace("title", "title " + "x" * 200_000) + _deals(3)[len(HEADER):], encoding="utf-8")
    assert len(load([path]).crm.deals) == 3


def test_a_field_over_the_limit_names_file_line_and_column(tmp_path):
    path = tmp_path / "deals.csv"
    rows = _deals(5).splitlines(keepends=True)
    rows[3] = rows[3].replace("Deal 3", "N" * (2 << 20))
    path.write_text("".join(rows), encoding="utf-8")
    _one_line(*_run(path), "deals.csv", "line 4, column 2 ('title')", "over the 1 MiB", "field_mb")
    cfg = tmp_path / "crm-audit.toml"
    cfg.write_text("[limits]\nfield_mb = 4\n", encoding="utf-8")
    code, output = _run(path, "-c", cfg, "--fail-on", "never")
    assert code == 0, output


@pytest.mark.parametrize("columns", [pytest.param(20_000, id="wide-header"),
                                     pytest.param(200_000, id="header-past-the-sample")])
def test_too_many_columns_is_refused(columns, tmp_path):
    path = tmp_path / "wide.csv"
    path.write_text(",".join(f"c{i}" for i in range(columns)) + "\n" + ",".join("1" * columns) + "\n",
                    encoding="utf-8")
    _one_line(*_run(path), "wide.csv", "columns", "16,384")


# -- encodings ------------------------------------------------------------------------------------

@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_utf16_without_bom_is_detected_and_read(codec, tmp_path):
    text = (FIXTURES / "deals_utf16_tab.txt").read_bytes().decode("utf-16")
    path = tmp_path / "deals.txt"
    path.write_bytes(text.encode(codec))
    assert utf16_without_bom(path.read_bytes()) == codec
    loaded = load([path])
    assert loaded.sources[0].encoding == codec and len(loaded.crm.deals) >= 1


def test_utf16_without_bom_is_read_when_forced(tmp_path):
    text = (FIXTURES / "deals_utf16_tab.txt").read_bytes().decode("utf-16")
    path = tmp_path / "deals.txt"
    path.write_bytes(text.encode("utf-16-le"))
    assert len(load([path], encoding="utf-16-le").crm.deals) >= 1


def test_random_bytes_are_still_binary(tmp_path):
    import random
    rng = random.Random(7)
    path = tmp_path / "noise.csv"
    path.write_bytes(bytes(rng.randrange(256) for _ in range(4096)))
    assert utf16_without_bom(path.read_bytes()) is None
    _one_line(*_run(path), "noise.csv", "binary")


@pytest.mark.parametrize("failed", ["cp1251", "utf-8", "utf_8", "utf-8-sig", "cp1252", "utf-16", None])
def test_encoding_hint_never_suggests_what_failed(failed):
    hint = encoding_hint(failed)
    assert "--encoding" in hint
    if failed:
        suggested = hint.rsplit(" ", 1)[-1]
        assert suggested.replace("-", "_") != failed.replace("-", "_") and not failed.startswith(suggested)


def test_forced_encoding_failure_suggests_another(tmp_path):
    path = tmp_path / "deals.csv"
    path.write_bytes(_deals(3).replace("Anna", "Иван").encode("utf-8"))  # "И" is D0 98: 0x98 is no cp1251 letter
    line = _one_line(*_run(path, "--encoding", "cp1251"), "cannot decode as cp1251")
    assert "e.g. --encoding cp1251" not in line


def test_mixed_encodings_are_named(tmp_path):
    path = tmp_path / "deals.csv"
    utf8 = HEADER + "".join(f"{i},Сделка {i},Won,won,Анна,2026-01-01 10:00,,1\n" for i in range(40_000))
    tail = "40001,Сделка,Won,won,Борис,2026-01-01 10:00,,1\n".encode("cp1251") + b"40002,\x98,Won,won,X,,,1\n"
    path.write_bytes(utf8.encode("utf-8") + tail)
    line = _one_line(*_run(path), "deals.csv", "mixes encodings")
    assert "e.g. --encoding" not in line


# -- a forced CRM names itself ---------------------------------------------------------------------

def test_forced_crm_on_another_crms_export_names_the_forced_crm(tmp_path):
    from audit.app.demo import write_demo
    export = write_demo(tmp_path / "export", seed=3)
    line = _one_line(*_run(export / "deals.csv", "--crm", "hubspot"), "deals.csv", "not an export of HubSpot",
                     "amoCRM")
    assert "Bitrix24" not in line


def test_forced_crm_near_miss_names_only_the_forced_crm():
    line = _one_line(*_run(FIXTURES / "deals_no_stage.csv", "--crm", "amocrm"), "no stage column", "amoCRM")
    assert "Bitrix24" not in line


# -- BrokenPipe ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("args", [["checks"], ["explain", "ST01"], ["checks", "--lang", "ru"]])
def test_a_closed_pipe_exits_quietly(args):
    reader = subprocess.Popen([sys.executable, "-c", "import sys; sys.stdin.close()"], stdin=subprocess.PIPE)
    reader.wait()
    proc = subprocess.run([sys.executable, "-m", "audit.cli", *args], stdout=reader.stdin, stderr=subprocess.PIPE,
                          timeout=60)
    reader.stdin.close()
    assert proc.returncode == 0 and proc.stderr == b"", proc.stderr.decode()
