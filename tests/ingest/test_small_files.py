"""Many small files: read in one pass each (the csv module for small files, Arrow for the rest),
recognised from their headers once, mapped in groups; each file keeps its own account."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest

from audit.ingest import load
from audit.ingest.readers import HEAD_BYTES, read_file, text_columns
from audit.ingest.textfile import read_text
from tests.ingest.conftest import FIXTURES

TEXT_FIXTURES = sorted(p.name for p in FIXTURES.iterdir()
                       if p.suffix in (".csv", ".txt", ".tsv") and p.name not in ("empty.csv", "binary.csv"))


@pytest.mark.parametrize("name", TEXT_FIXTURES)
def test_small_file_parser_agrees_with_arrow(name):
    """The in-memory csv-module parser and Arrow's reader give the same raw table."""
    path = FIXTURES / name
    head = path.read_bytes()[:HEAD_BYTES]
    small = text_columns(read_text(path, head, None, whole=True))
    arrow = read_text(path, head, None, whole=False)
    assert small.headers == arrow.headers and small.delimiter == arrow.delimiter
    assert (small.encoding, small.header_row) == (arrow.encoding, arrow.header_row)
    assert [r for r, _t in small.dropped] == [r for r, _t in arrow.dropped]
    pd.testing.assert_frame_equal(small.frame.reset_index(drop=True), arrow.frame.reset_index(drop=True))


def test_read_file_gives_arrow_text_unless_asked():
    raw = read_file(FIXTURES / "generic_deals.csv")[0]
    assert all(str(raw.frame[c].dtype) == "str" for c in raw.frame.columns if c != "_row")
    raw = read_file(FIXTURES / "generic_deals.csv", text_as_objects=True)[0]
    assert raw.text_as_objects and raw.frame["deal_id"].dtype == object


def _day_files(folder, n: int, *, broken: int | None = None, bad_date: int | None = None) -> None:
    folder.mkdir(exist_ok=True)
    for i in range(n):
        lines = ["deal_id,title,stage,status,owner,amount,created_at,closed_at"]
        for j in range(3):
            created = "someday" if (i == bad_date and j == 1) else f"2026-01-{j + 1:02d} 10:00"
            lines.append(f"{i * 3 + j},Deal {j},Won,won,Owner{i % 4},100,{created},2026-02-01 10:00")
        if i == broken:
            lines.append("999,too,few")
        (folder / f"day{i:03d}.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_a_group_of_small_files_keeps_each_files_account(tmp_path):
    _day_files(tmp_path / "days", 30, broken=7, bad_date=12)
    loaded = load([tmp_path / "days"])
    assert len(loaded.crm.deals) == 90 and loaded.crm_name == "generic"
    assert [s.path.rsplit("/", 1)[-1] for s in loaded.sources] == [f"day{i:03d}.csv" for i in range(30)]
    assert {s.rows for s in loaded.sources} == {3}
    by_name = {s.path.rsplit("/", 1)[-1]: s for s in loaded.sources}
    assert by_name["day012.csv"].parse_failures == {"created_at": 1}
    assert by_name["day007.csv"].note.endswith("1 line(s) not read as records (wrong number of fields or report totals)")
    assert by_name["day003.csv"].parse_failures == {} and "not read" not in by_name["day003.csv"].note
    issues = loaded.crm.parse_issues
    bad = issues[issues["column"].eq("created_at")].iloc[0]
    assert bad["file"].endswith("day012.csv") and bad["row"] == 3 and bad["entity_id"] == "37"
    line = issues[issues["column"].isna()].iloc[0]
    assert line["file"].endswith("day007.csv") and line["row"] == 5
    # Rows stay in file order, each with its own line number.
    assert loaded.crm.deals["deal_id"].tolist()[:6] == ["0", "1", "2", "3", "4", "5"]
    assert loaded.crm.deals["_row"].tolist()[:4] == [2, 3, 4, 2]


def test_a_big_file_among_small_ones(tmp_path):
    """Sources stay in reading order; a group's rows stand together where its first file was read."""
    _day_files(tmp_path / "mix", 3)
    big = ["deal_id,title,stage,status,owner,amount,created_at,closed_at"] + [
        f"b{i},Big,Won,won,Anna,1,2026-01-05 10:00,2026-02-01 10:00" for i in range(6000)]
    (tmp_path / "mix" / "day001b.csv").write_text("\n".join(big) + "\n", encoding="utf-8")
    loaded = load([tmp_path / "mix"])
    names = [s.path.rsplit("/", 1)[-1] for s in loaded.sources]
    assert names == ["day000.csv", "day001.csv", "day001b.csv", "day002.csv"]
    ids = loaded.crm.deals["deal_id"].tolist()
    assert ids[:9] == [str(i) for i in range(9)] and ids[9] == "b0" and len(ids) == 6009


def test_a_profile_that_splits_files_is_mapped_file_by_file(tmp_path):
    folder = tmp_path / "export"
    folder.mkdir()
    shutil.copy(FIXTURES / "generic_deals.csv", folder / "deals.csv")
    for i in range(3):
        shutil.copy(FIXTURES / "amocrm_events.csv", folder / f"events{i}.csv")
    alone = load([FIXTURES / "generic_deals.csv", FIXTURES / "amocrm_events.csv"])
    many = load([folder])
    event_rows = {s.rows for s in many.sources if "events" in s.path}
    assert event_rows == {next(s.rows for s in alone.sources if "events" in s.path)}
    assert len(many.crm.stage_history) == 3 * len(alone.crm.stage_history)
