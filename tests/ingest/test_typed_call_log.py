"""An Asterisk Master.csv has its start time and seconds converted by Arrow while the file is
parsed (cdr_csv writes them in one fixed format), not read as text and parsed after: the same
calls, the same parse issues, only sooner. A value the fast read cannot convert sends the file
to the text read, which reports it as before."""

import csv
from functools import partial
from pathlib import Path

import pandas as pd
import pytest

from audit.ingest import calllog, load
from audit.ingest.readers import read_file
from audit.ingest.textfile import _parse_csv
from audit.model.config import parse

CALLS = Path(__file__).parent.parent / "fixtures" / "calls"
DEALS = Path(__file__).parent.parent / "fixtures" / "ingest" / "generic_deals.csv"
CFG = {"calls": {"extensions": {"101": "Иванов Пётр"}}}
MASTER = CALLS / "asterisk_cdr_csv_18_fields.csv"
# cdr_csv 18 fields: start is the 10th, answer the 11th, billsec the 14th.
START, ANSWER, BILLSEC = 9, 10, 13


def _records() -> list[list[str]]:
    return list(csv.reader(MASTER.read_text(encoding="utf-8").splitlines()))


def _with(tmp_path: Path, edits: dict[tuple[int, int], str], name: str = "Master.csv") -> Path:
    """The 18-field fixture with fields replaced: (0-based line, 0-based field) -> the field's raw
    CSV text (quoted or bare). Other fields are written quoted; the first line tells the layout."""
    lines = []
    for i, record in enumerate(_records()):
        fields = ['"' + v.replace('"', '""') + '"' for v in record]
        for (line, field), text in edits.items():
            if line == i:
                fields[field] = text
        lines.append(",".join(fields))
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _raw(path: Path):
    (raw,) = read_file(path, header=False, layout=partial(calllog.layout_of, cfg=parse(CFG), label=str(path)))
    return raw


def _both(paths: list[Path], monkeypatch) -> tuple:
    """(typed, text): the run as it reads, and as it read before (every column as text)."""
    typed = load([*paths, DEALS], parse(CFG))
    with monkeypatch.context() as m:
        m.setattr(calllog, "_fixed_types", lambda *_a: ())
        text = load([*paths, DEALS], parse(CFG))
    return typed, text


def _assert_same(typed, text) -> None:
    pd.testing.assert_frame_equal(typed.crm.calls, text.crm.calls)
    pd.testing.assert_frame_equal(typed.crm.parse_issues, text.crm.parse_issues)
    assert [s.parse_failures for s in typed.sources] == [s.parse_failures for s in text.sources]


@pytest.mark.parametrize("name", ["asterisk_cdr_csv_18_fields.csv", "asterisk_cdr_csv_21_fields_newcdrcolumns.csv",
                                  "asterisk_cdr_custom_19_fields.csv",
                                  "asterisk_cdr_csv_16_fields_cp1251_caller_name.csv"])
def test_master_csv_read_typed_gives_the_calls_the_text_read_gives(name, monkeypatch):
    raw = _raw(CALLS / name)
    assert str(raw.frame["start"].dtype).startswith("datetime64")
    assert raw.frame["billsec"].dtype == "float64" and raw.frame["duration"].dtype == "float64"
    typed, text = _both([CALLS / name], monkeypatch)
    _assert_same(typed, text)
    assert str(typed.crm.calls["started_at"].dtype) == "datetime64[us]"
    assert typed.crm.calls["duration_s"].dtype == "float64" and len(typed.crm.calls) >= 4
    assert typed.crm.parse_issues.empty


def test_layout_types_only_the_asterisk_fixed_format_columns_its_reader_maps():
    rows = _records()
    layout = calllog.layout_of(rows, 18, parse(CFG), "Master.csv")
    # answer and end are fixed too but unread: the Asterisk reader maps neither.
    assert dict(layout.types) == {"start": "datetime", "duration": "float", "billsec": "float"}
    declared = parse({"calls": {"columns": list(calllog.CDR_CSV) + ["uniqueid", "userfield"]}})
    assert calllog.layout_of(rows, 18, declared, "Master.csv").types == ()
    mango = list(csv.reader((CALLS / "mango_stats_result_default_fields.csv").read_text().splitlines(),
                            delimiter=";"))
    assert calllog.layout_of(mango, 11, parse(CFG), "stats.csv").types == ()  # unix times stay text


def test_bad_start_and_billsec_are_parse_issues_with_their_lines(tmp_path, monkeypatch):
    path = _with(tmp_path, {(2, START): '"2026-11-31 12:00:00"', (3, BILLSEC): "abc"})
    raw = _raw(path)
    assert raw.frame["start"].dtype == "str" and raw.frame["billsec"].dtype == "str"  # read as text
    typed, text = _both([path], monkeypatch)
    _assert_same(typed, text)
    issues = typed.crm.parse_issues
    assert issues[["row", "column", "raw", "entity_id"]].values.tolist() == [
        [3, "_start", "2026-11-31 12:00:00", "1762167600.3"], [4, "_talk", "abc", "1762246800.4"]]
    assert typed.sources[0].parse_failures == {"_start": 1, "_talk": 1}


def test_blank_billsec_and_start_are_missing_not_errors(tmp_path, monkeypatch):
    # cdr_csv quotes text and writes an unset time as "" (quoted); a bare blank reads alike.
    path = _with(tmp_path, {(1, BILLSEC): "", (2, BILLSEC): '""', (3, START): '""', (4, START): ""})
    raw = _raw(path)
    assert raw.frame["billsec"].isna().tolist() == [False, True, True, False, False]
    assert raw.frame["start"].isna().tolist() == [False, False, False, True, True]
    assert raw.frame["billsec"].dtype == "float64"
    typed, text = _both([path], monkeypatch)
    _assert_same(typed, text)
    assert typed.crm.parse_issues.empty


def test_blank_answer_time_converts_to_missing(tmp_path):
    # No reader maps the answer time today; a layout that fixes it reads a blank one as missing.
    path = _with(tmp_path, {(0, ANSWER): '""', (1, ANSWER): ""})
    names = list(calllog.CDR_CSV) + ["uniqueid", "userfield"]
    frame, dropped = _parse_csv(path, "utf-8", ",", -1, names, False, keep=[ANSWER, BILLSEC],
                                types={"answer": "datetime", "billsec": "float"})
    assert not dropped and str(frame["answer"].dtype).startswith("datetime64")
    assert frame["answer"].isna().tolist() == [True, True, False, False, True]
    assert frame["billsec"].tolist() == [300.0, 120.0, 600.0, 30.0, 0.0]


# Arrow's ISO 8601 reading takes what the text read takes to the same time; it refuses impossible
# dates and leap seconds (which strptime would roll over), zones, fractions and other layouts.
ISO_ALIKE = ['"2026-11-03T12:00:00"', '"2026-11-03"', '"2026-11-03 12"', '"2026-11-03 12:00"', '""', ""]
REFUSED = ['"2026-02-30 12:00:00"', '"2026-11-03 23:59:60"', '"2026-11-03 12:00:00+03:00"', '"2026-11-03 12:00:00Z"',
           '"2026-11-03 12:00:00.5"', '" 2026-11-03 12:00:00"', '"2026-11-3 12:0:0"', '"03.11.2026 12:00"',
           '"1762167600"', '"NULL"']


@pytest.mark.parametrize("start", ISO_ALIKE + REFUSED)
def test_any_start_time_reads_as_the_text_read_reads_it(start, tmp_path, monkeypatch):
    path = _with(tmp_path, {(2, START): start})
    assert str(_raw(path).frame["start"].dtype).startswith("datetime64") == (start in ISO_ALIKE)
    typed, text = _both([path], monkeypatch)
    _assert_same(typed, text)


NUMBERS = ["", '""', '" 600"', '"600 "', "600.5", "nan", "1e2", "-0", "+600", '"600"']


@pytest.mark.parametrize("billsec", NUMBERS + ["NULL", "0x10", '"6,5"', '"N/A"', "abc"])
def test_any_billsec_reads_as_the_text_read_reads_it(billsec, tmp_path, monkeypatch):
    path = _with(tmp_path, {(2, BILLSEC): billsec})
    assert (_raw(path).frame["billsec"].dtype == "float64") == (billsec in NUMBERS)
    typed, text = _both([path], monkeypatch)
    _assert_same(typed, text)


def test_small_logs_read_typed_and_as_text_mapped_as_one(tmp_path, monkeypatch):
    # Small files of one layout are mapped as one table (audit.ingest.batch): a log read as text
    # (a bad date) beside one read typed gives what two logs read as text give.
    (tmp_path / "a").mkdir(), (tmp_path / "b").mkdir()
    clean = _with(tmp_path / "a", {})
    bad = _with(tmp_path / "b", {(4, START): '"2026-13-01 10:00:00"'})
    typed, text = _both([clean, bad], monkeypatch)
    _assert_same(typed, text)
    assert typed.crm.parse_issues[["file", "row", "raw"]].values.tolist() == [[str(bad), 5, "2026-13-01 10:00:00"]]
    assert len(typed.crm.calls) == 10
