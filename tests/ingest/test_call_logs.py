"""Call logs in every documented layout read into the same canonical calls (fixtures in
tests/fixtures/calls/, named after their layout): the client's answered inbound call (300 s),
the manager's outbound call to the same client (120 s), a missed call, and for Asterisk an
internal call between two extensions and one only the IVR answered."""

from pathlib import Path
import shutil

import pandas as pd
import pytest

from audit.ingest import load
from audit.model.config import parse
from audit.model.errors import InputError

CALLS = Path(__file__).parent.parent / "fixtures" / "calls"
DEALS = Path(__file__).parent.parent / "fixtures" / "ingest" / "generic_deals.csv"
CFG = {"calls": {"extensions": {"101": "Иванов Пётр"}}}


def read(name: str, cfg: dict = CFG) -> pd.DataFrame:
    loaded = load([CALLS / name, DEALS], parse(cfg))
    return loaded.crm.calls, loaded


@pytest.mark.parametrize("name", [
    "asterisk_cdr_csv_18_fields.csv", "asterisk_cdr_csv_21_fields_newcdrcolumns.csv",
    "asterisk_cdr_custom_19_fields.csv", "asterisk_cdr_csv_16_fields_cp1251_caller_name.csv",
    "asterisk_cdr_table_export.csv", "mango_stats_result_default_fields.csv", "sipuni_statistic_export.csv",
    "uis_calls_report.csv", "zadarma_pbx_statistics.csv", "twilio_calls.csv", "calls_generic_canonical.csv",
])
def test_each_layout_reads_the_same_calls(name):
    # Twilio names our line, not an extension; Mango and Twilio give UTC times.
    extensions = {"101": "Иванов Пётр", "+74951234567": "Иванов Пётр"}
    utc = {"timezone": "Europe/Moscow"} if name.startswith(("mango", "twilio")) else {}
    calls, _ = read(name, {"calls": {"extensions": extensions, **utc}})
    client = calls[calls["their_number"].eq("+79161234567")].sort_values("started_at")
    assert client["direction"].tolist() == ["in", "out"]
    assert client["duration_s"].tolist() == [300.0, 120.0]
    assert client["answered"].tolist() == [True, True]
    assert client["owner"].tolist() == ["Иванов Пётр", "Иванов Пётр"]
    assert client["started_at"].dt.strftime("%Y-%m-%d %H").tolist() == ["2026-11-02 10", "2026-11-03 11"]
    missed = calls[calls["their_number"].eq("+79031112233")]
    assert missed["answered"].tolist() == [False] and missed["duration_s"].tolist() == [0.0]


def test_asterisk_internal_and_ivr_only_calls():
    calls, loaded = read("asterisk_cdr_csv_18_fields.csv")
    internal = calls[calls["direction"].eq("internal")]
    assert len(internal) == 1 and internal["their_number"].isna().all()
    ivr = calls[calls["their_number"].eq("+74951112233")]
    assert ivr["answered"].tolist() == [False]  # the IVR answered, no one of ours did
    (source,) = [s for s in loaded.sources if s.table == "calls"]
    assert source.header_row == 0 and "Asterisk cdr_csv, 18 fields" in source.note


def test_master_csv_layouts_are_told_apart_by_the_disposition_column():
    _, csv21 = read("asterisk_cdr_csv_21_fields_newcdrcolumns.csv")
    _, custom = read("asterisk_cdr_custom_19_fields.csv")
    assert "cdr_csv, 21 fields" in csv21.sources[0].note
    assert "cdr_custom (sample mapping), 19 fields" in custom.sources[0].note


def test_a_file_named_master_csv_is_read_whatever_its_folder(tmp_path):
    shutil.copy(CALLS / "asterisk_cdr_csv_18_fields.csv", tmp_path / "Master.csv")
    shutil.copy(DEALS, tmp_path / "deals.csv")
    loaded = load([tmp_path], parse(CFG))
    assert len(loaded.crm.calls) == 5


def test_master_csv_with_an_unknown_layout_names_the_file(tmp_path):
    (tmp_path / "Master.csv").write_text('"a","b","c"\n"1","2","3"\n', encoding="utf-8")
    shutil.copy(DEALS, tmp_path / "deals.csv")
    with pytest.raises(InputError, match="Master.csv.*first line is not a call record"):
        load([tmp_path], parse(CFG))


def test_declared_columns_name_another_headerless_layout(tmp_path):
    log = tmp_path / "pbx.csv"
    log.write_text("2026-11-02 10:00:00,79161234567,101,ANSWERED,300\n", encoding="utf-8")
    cfg = {"files": {"pbx.csv": "calls"},
           "calls": {"columns": ["start", "src", "dst", "disposition", "billsec"]}}
    loaded = load([log, DEALS], parse(cfg))
    # No channel fields: the number that is an extension (101) is ours.
    assert loaded.crm.calls[["direction", "their_number", "duration_s"]].values.tolist() == [
        ["in", "+79161234567", 300.0]]


def test_utc_times_are_converted_or_warned():
    calls, loaded = read("mango_stats_result_default_fields.csv")
    assert calls["started_at"].min() == pd.Timestamp("2026-11-02 07:00:00")
    assert [w.code for w in loaded.warnings] == ["call-times-utc"]


def test_unreadable_lines_of_a_call_log_keep_no_number(tmp_path):
    lines = (CALLS / "asterisk_cdr_csv_18_fields.csv").read_text(encoding="utf-8").splitlines()
    log = tmp_path / "Master.csv"
    log.write_text("\n".join(lines + ['"","79169998877","101","broken"']) + "\n", encoding="utf-8")
    loaded = load([log, DEALS], parse(CFG))
    raw = loaded.crm.parse_issues["raw"].tolist()
    assert raw and all("79169998877" not in r for r in raw)


ASTERISK_MAPPED = ["src", "dst", "clid", "channel", "dstchannel", "start", "duration", "billsec", "disposition",
                   "uniqueid"]
ASTERISK_UNMAPPED = ("accountcode", "dcontext", "lastapp", "lastdata", "answer", "end", "amaflags", "userfield")


def test_asterisk_log_is_named_before_the_read_and_only_its_mapped_columns_read():
    # A million-line Master.csv: the eight fields no reader uses are never made into text, and the
    # source still names them, in the file's order.
    from functools import partial
    from audit.ingest import calllog
    from audit.ingest.readers import read_file
    path = CALLS / "asterisk_cdr_csv_18_fields.csv"
    (raw,) = read_file(path, header=False, layout=partial(calllog.layout_of, cfg=parse(CFG), label=str(path)))
    assert raw.headers == ASTERISK_MAPPED and raw.layout == "Asterisk cdr_csv, 18 fields"
    assert raw.unread_headers == list(ASTERISK_UNMAPPED)
    _, loaded = read("asterisk_cdr_csv_18_fields.csv")
    (source,) = [s for s in loaded.sources if s.table == "calls"]
    assert source.unmapped == ASTERISK_UNMAPPED
    assert list(source.mapping) == ASTERISK_MAPPED


def _with_long_field(tmp_path: Path, position: int, text: str) -> Path:
    lines = (CALLS / "asterisk_cdr_csv_18_fields.csv").read_text(encoding="utf-8").splitlines()
    fields = lines[1].split('","')
    fields[position - 1] = text  # in the second line: the first tells the layout
    (tmp_path / "logs").mkdir()
    path = tmp_path / "logs" / "Master.csv"
    path.write_text("\n".join([lines[0], '","'.join(fields), *lines[2:]]) + "\n", encoding="utf-8")
    return path


def test_long_field_in_a_column_no_reader_maps_is_not_read_nor_refused(tmp_path):
    path = _with_long_field(tmp_path, 9, "x" * 3000)  # lastdata
    loaded = load([path, DEALS], parse({**CFG, "limits": {"field_mb": 0.001}}))
    assert len(loaded.crm.calls) == 5


def test_long_field_in_a_read_column_is_refused_with_the_files_column(tmp_path):
    path = _with_long_field(tmp_path, 5, "x" * 3000)  # clid, the 3rd column read, the file's 5th
    with pytest.raises(InputError, match=r"line 2, column 5 \('clid'\).*over the 0.001 MiB"):
        load([path, DEALS], parse({**CFG, "limits": {"field_mb": 0.001}}))


def test_padded_and_blank_ends_read_as_the_clean_ones(tmp_path):
    # The ends are cleaned per distinct value by the Asterisk layout (not per row by the mapping):
    # padding is trimmed, a blank caller is taken from the caller ID, a blank callee is none.
    clean = (CALLS / "asterisk_cdr_csv_18_fields.csv").read_text(encoding="utf-8")
    padded = (clean.replace('"79161234567","101"', '" 79161234567 "," 101 "')
              .replace('"SIP/101-00000003"', '" SIP/101-00000003 "')
              .replace('"","79031112233","101"', '"","  ","101"')
              .replace('"ANSWERED","DOCUMENTATION","1762167600.3"', '" ANSWERED ","DOCUMENTATION","1762167600.3"'))
    assert padded.count('" 79161234567 "') == 1 and padded.count('"  "') == 1
    (tmp_path / "Master.csv").write_text(padded, encoding="utf-8")
    calls, _ = read("asterisk_cdr_csv_18_fields.csv")
    again = load([tmp_path / "Master.csv", DEALS], parse(CFG)).crm.calls
    columns = ["direction", "our_party", "their_number", "owner", "answered", "duration_s", "started_at"]
    pd.testing.assert_frame_equal(again[columns].astype(object), calls[columns].astype(object))
    assert again["their_number"].tolist()[-1] == "+79031112233"  # from "79031112233" <79031112233>
