import pandas as pd
import pytest

from audit.derived.funnel import FUNNEL_COLUMNS, TEAM, funnel_table
from tests.builders import deal, derived, make_crm, move


def crm():
    return make_crm(
        [deal(1, owner="A", status="won", stage="Won"), deal(2, owner="B", status="lost", stage="Lost"),
         deal(3, owner="A", stage="Proposal"), deal(4, owner="B", stage="Qualified"),
         deal(5, owner=None, status="lost", stage="Proposal")],
        history=[move(1, "Proposal", "2026-10-03 10:00", from_stage="Qualified"), move(1, "Won", "2026-10-06 10:00"),
                 move(2, "Proposal", "2026-10-03 10:00", from_stage="Qualified"), move(2, "Lost", "2026-10-05 10:00"),
                 # deal 3 bounces back to Qualified and sits in Proposal again: pending there
                 move(3, "Proposal", "2026-10-03 10:00", from_stage="Qualified"),
                 move(3, "Qualified", "2026-10-04 10:00"), move(3, "Proposal", "2026-10-05 10:00"),
                 # deal 5 was closed lost without a move to the lost stage
                 move(5, "Proposal", "2026-10-02 10:00", from_stage="Qualified")])


def row(table, stage, owner):
    (r,) = table[(table["stage"] == stage) & (table["owner"] == owner)].to_dict("records")
    return {k: (None if pd.isna(v) else v) for k, v in r.items()}


def test_columns_and_order():
    table = funnel_table(derived(crm()))
    assert list(table.columns) == FUNNEL_COLUMNS
    assert table["stage"].drop_duplicates().tolist() == ["Qualified", "Proposal", "Won", "Lost"]
    assert table["owner"].tolist()[:4] == [TEAM, "(no owner)", "A", "B"]


@pytest.mark.parametrize("stage, owner, expected", [
    pytest.param("Qualified", TEAM, {"entered": 5, "advanced": 4, "lost": 0, "resolved": 4, "conversion": 1.0},
                 id="team-first-stage-deal-4-pending"),
    pytest.param("Proposal", TEAM, {"entered": 4, "advanced": 1, "lost": 2, "resolved": 3, "conversion": 0.3333},
                 id="team-proposal"),
    pytest.param("Proposal", "A", {"entered": 2, "advanced": 1, "lost": 0, "resolved": 1, "conversion": 1.0},
                 id="bounced-back-deal-is-pending"),
    pytest.param("Proposal", "B", {"entered": 1, "advanced": 0, "lost": 1, "resolved": 1, "conversion": 0.0},
                 id="lost-by-move"),
    pytest.param("Proposal", "(no owner)", {"entered": 1, "advanced": 0, "lost": 1, "resolved": 1, "conversion": 0.0},
                 id="lost-by-status-without-owner"),
    pytest.param("Won", TEAM, {"entered": 1, "advanced": None, "lost": None, "resolved": None, "conversion": None},
                 id="final-stage-entered-only"),
])
def test_counts(stage, owner, expected):
    got = row(funnel_table(derived(crm())), stage, owner)
    assert {k: got[k] for k in expected} == expected


def test_median_dwell_of_finished_stays():
    table = funnel_table(derived(crm()))
    # Proposal stays that ended: deal 1 (3 days), deal 2 (2 days), deal 3's first (1 day)
    assert row(table, "Proposal", TEAM)["median_dwell_days"] == 2.0
    assert row(table, "Proposal", "A")["median_dwell_days"] == 2.0       # deals 1 (3 d) and 3 (1 d)
    assert row(table, "Proposal", "(no owner)")["median_dwell_days"] is None   # still running


def test_passing_the_audit_order_gives_the_same_table():
    c = crm()
    order = derived(c).stage_order
    assert funnel_table(derived(c), order).equals(funnel_table(derived(c)))


@pytest.mark.parametrize("history", [None, []], ids=["not-exported", "exported-empty"])
def test_no_history_gives_an_empty_table_with_the_columns(history):
    table = funnel_table(derived(make_crm([deal(1)], history=history)))
    assert table.empty and list(table.columns) == FUNNEL_COLUMNS


def test_one_deal():
    c = make_crm([deal(1, owner="A", status="won", stage="Won")],
                 history=[move(1, "Won", "2026-10-02", from_stage="New")])
    table = funnel_table(derived(c))
    assert row(table, "New", TEAM) == {**row(table, "New", "A"), "owner": TEAM}
    assert row(table, "New", "A")["conversion"] == 1.0
