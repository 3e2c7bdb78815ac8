"""Salesforce exports as consultants bring them: Data Loader extracts (upper-case API names),
REST dumps with relationship names, report CSVs with their footer, open tasks."""

import pandas as pd
from click.testing import CliRunner

from audit.cli import cli
from tests.ingest.conftest import FIXTURES, deals_by_id, warnings_coded


# -- Salesforce ------------------------------------------------------------------------------------

def test_salesforce_data_loader_upper_case_extract(load_fixture):
    loaded = load_fixture("salesforce_dataloader_opportunity.csv")
    d = deals_by_id(loaded)
    # "Signed" is this org's won stage: IsWon says so.
    assert d["status"].to_dict() == {"0065g00000AbCdEAAZ": "won", "0065g00000AbCdFAAZ": "lost",
                                     "0065g00000AbCdGAAZ": "open", "0065g00000AbCdHAAZ": "won"}
    assert d.loc["0065g00000AbCdEAAZ", "created_at"] == pd.Timestamp("2024-01-05 10:15:30")
    assert d.loc["0065g00000AbCdHAAZ", "closed_at"].date() == pd.Timestamp("2024-03-01").date()
    assert sorted(w.numbers["column"] for w in warnings_coded(loaded, "ids-unresolved")) == ["deals.company",
                                                                                       "deals.pipeline"]


def test_salesforce_rest_dump_prefers_the_owner_name_to_its_id(load_fixture):
    loaded = load_fixture("salesforce_rest_opportunity_owner_names.csv")
    d = deals_by_id(loaded)
    assert d["owner"].to_dict() == {"0065g00000AbCdEAAZ": "Ann Lee", "0065g00000AbCdFAAZ": "Bo Chen",
                                    # No name exported for this one: its id stands.
                                    "0065g00000AbCdGAAZ": "0055g00000Own01AAA"}
    assert d["status"].to_dict() == {"0065g00000AbCdEAAZ": "won", "0065g00000AbCdFAAZ": "lost",
                                     "0065g00000AbCdGAAZ": "open"}
    assert d.loc["0065g00000AbCdFAAZ", "created_at"] == pd.Timestamp("2024-01-09 23:30")


def test_salesforce_report_csv_footer_is_not_records(load_fixture):
    loaded = load_fixture("salesforce_report_csv_footer.csv")
    d = loaded.crm.deals.set_index("title")
    assert d["status"].to_dict() == {"Edge SLA": "won", "United Oil": "lost", "Grand Hotels": "open"}
    assert d["amount"].to_dict() == {"Edge SLA": 60000.0, "United Oil": 125000.0, "Grand Hotels": 90000.0}
    assert d.loc["United Oil", "closed_at"].date() == pd.Timestamp("2024-03-10").date()
    assert d.loc["Grand Hotels", "created_at"] == pd.Timestamp("2024-02-01")
    assert "6 line(s) not read as records" in loaded.sources[0].note


def test_salesforce_report_csv_footer_runs_without_error(tmp_path):
    result = CliRunner().invoke(cli, ["inspect", str(FIXTURES / "salesforce_report_csv_footer.csv")])
    assert result.exit_code == 0, result.output
    assert "rows: 3" in result.output


def test_short_lines_among_records_stay_malformed_and_a_bare_tail_is_not_a_footer(tmp_path):
    """Only a trailing block after the last record, with a plain footer line in it, is a footer:
    short lines between records, or a tail of names with no footer word, are records the export
    broke."""
    from audit.ingest.readers import read_file
    header = '"Opportunity Owner","Opportunity Name","Stage","Amount","Close Date","Created Date"\n'
    record = '"Ann","A","Closed Won","1","2/1/2024","1/5/2024"\n'
    middle = tmp_path / "middle.csv"
    middle.write_text(header + record + '"Ann"\n"Bo"\n' + record + record + '""\n"Copyright (c) 2024"\n')
    [raw] = read_file(middle)
    assert raw.malformed == 2 and len(raw.frame) == 3
    bare = tmp_path / "bare.csv"
    bare.write_text(header + record + record + '"Ann"\n"Bo"\n')
    assert read_file(bare)[0].malformed == 2


def test_salesforce_open_task_is_a_plan_not_a_contact(load_fixture):
    loaded = load_fixture("salesforce_dataloader_opportunity.csv", "salesforce_dataloader_task_open.csv")
    assert loaded.crm.activities["activity_id"].tolist() == ["00T5g00000T1AAAA"]
    [w] = warnings_coded(loaded, "activities-not-done")
    assert w.numbers == {"rows": 2, "not_done": 1} and w.file.endswith("salesforce_dataloader_task_open.csv")
    assert "IsClosed" in w.message and w.message_ru


def test_salesforce_en_gb_report_reads_every_date_column_day_first(load_fixture):
    loaded = load_fixture("salesforce_report_en_gb_dates.csv")
    d = loaded.crm.deals.set_index("title")
    # Created Date holds no day over 12: the file's Close Date (15/03, 30/06) says day first.
    assert d["created_at"].to_dict() == {"Edge SLA": pd.Timestamp("2024-01-05"),
                                         "United Oil": pd.Timestamp("2024-01-09"),
                                         "Grand Hotels": pd.Timestamp("2024-02-01")}
    assert d.loc["Edge SLA", "closed_at"].date() == pd.Timestamp("2024-02-01").date()


def test_file_day_order_needs_one_sided_evidence():
    from audit.ingest.dates import file_day_order
    col = pd.Series
    assert file_day_order([col(["05/01/2024", None]), col(["15/03/2024 10:00"])]) is True
    assert file_day_order([col(["03/15/2024"]), col(["05/01/2024"])]) is False
    # Both orders, or none: the file does not say, each column is judged as before.
    assert file_day_order([col(["03/15/2024"]), col(["15/03/2024"])]) is None
    assert file_day_order([col(["05/01/2024"]), col(["2024-03-15T10:00:00.000Z"]), col([], dtype=object)]) is None
    assert file_day_order([col([pd.Timestamp("2024-03-15"), 45000.0])]) is None
