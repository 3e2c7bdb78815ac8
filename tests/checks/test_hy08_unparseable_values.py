import pandas as pd
import pytest

from audit.model import PARSE_ISSUE_COLUMNS
from checks.base import Status
from checks.hygiene.HY08 import UnparseableValues
from tests.builders import assert_skipped, activity, deal, make_crm, run_check


def issue(table, column, raw, entity_id, row=5, file=None, source_column=None):
    return {"table": table, "file": file or f"{table}.csv", "row": row, "column": column,
            "source_column": source_column or column, "raw": raw, "entity_id": entity_id}


def run(issues, **tables):
    frame = pd.DataFrame(issues, columns=list(PARSE_ISSUE_COLUMNS))
    crm = make_crm([deal(1, owner="Anna", stage="Qualified"), deal(2, owner="Boris")], parse_issues=frame, **tables)
    return run_check(UnparseableValues, crm)


@pytest.mark.parametrize("issues, expected", [
    pytest.param([issue("deals", "created_at", "31.02.2026", "1", source_column="Дата создания")],
                 [("deal", "1", "creation date ('Дата создания') '31.02.2026' is not a date (deals.csv, row 5)")],
                 id="deal-date-names-the-deal"),
    pytest.param([issue("deals", "amount", "1 234,5 руб", "2")],
                 [("deal", "2", "amount '1 234,5 руб' is not a number (deals.csv, row 5)")], id="deal-amount"),
    pytest.param([issue("stage_history", "changed_at", "вчера", "1", row=9)],
                 [("deal", "1", "change date 'вчера' is not a date (stage_history.csv, row 9)")],
                 id="history-row-belongs-to-its-deal"),
    pytest.param([issue("activities", "duration_s", "abc", "a7")],
                 [("activity", "a7", "duration 'abc' is not a number (activities.csv, row 5)")],
                 id="activity-value"),
    pytest.param([issue("leads", "created_at", "??", None, row=3)],
                 [("lead", None, "creation date '??' is not a date (leads.csv, row 3)")], id="record-without-id"),
    pytest.param([], [], id="nothing-unparsed-is-quiet"),
])
def test_unparseable_values(issues, expected):
    result = run(issues)
    got = list(zip(result.findings["entity_type"], result.findings["entity_id"], result.findings["message"]))
    assert got == expected
    assert result.status is (Status.FAIL if expected else Status.PASS)


def test_evidence_and_context_of_the_record():
    result = run([issue("deals", "created_at", "31.02.2026", "1", source_column="Дата создания"),
                  issue("activities", "at", "x", "a7")],
                 activities=[activity(1, "2026-10-02", activity_id="a7", owner="Boris")])
    deal_row, act_row = result.findings.iloc[0], result.findings.iloc[1]
    assert deal_row["evidence"] == {"file": "deals.csv", "row": 5, "column": "created_at",
                                    "source_column": "Дата создания", "raw": "31.02.2026", "table": "deals"}
    assert (deal_row["owner"], deal_row["pipeline"], deal_row["stage"]) == ("Anna", "Sales", "Qualified")
    assert act_row["owner"] == "Boris"
    assert result.message == "2 values could not be read (activity date in activities: 1, creation date in deals: 1)"


def test_line_not_read_as_a_record_says_so_and_no_message_is_empty():
    line = {"table": "deals", "file": "deals.csv", "row": 7, "column": None, "source_column": None,
            "raw": "7;Окна;;;extra", "entity_id": None}
    result = run([line])
    [message] = result.findings["message"].tolist()
    assert message == ("line not read as a record (wrong number of fields, or a report total): '7;Окна;;;extra' "
                       "(deals.csv, row 7)")
    assert "()" not in result.message and result.message == "1 value could not be read (lines not read as records: 1)"
    assert "()" not in result.message_ru
