import pandas as pd
import pytest

from audit.model.findings import Family
from audit.derived.scorecard import OWNER_COLUMNS, owners_table, team_row
from tests.builders import activity, deal, derived, make_crm


def findings(*rows):
    cols = ["code", "severity", "entity_type", "entity_id", "owner", "pipeline", "stage", "message",
            "evidence", "family"]
    return pd.DataFrame([dict(zip(cols, r)) for r in rows], columns=cols)


def crm(activities=()):
    return make_crm(
        [deal(1, owner="Anna", status="won", created_at="2026-10-01", closed_at="2026-10-11"),
         deal(2, owner="Anna", status="lost", created_at="2026-10-01", closed_at="2026-10-05"),
         deal(3, owner="Anna", status="open"),
         deal(4, owner="Boris", status="open"),
         deal(5, owner=None, status="won", created_at="2026-10-01", closed_at="2026-10-02"),
         deal(6, owner="Boris", status=None)],
        activities=None if activities is None else list(activities))


def test_counts_rates_and_cycle():
    table = owners_table(derived(crm([activity(1, "2026-10-02"), activity(1, "2026-10-03"), activity(3, "2026-10-04"),
                              activity(4, "2026-10-02"), activity(99, "2026-10-02")])), findings())
    assert list(table.columns) == OWNER_COLUMNS
    t = table.set_index("owner")
    assert t.index.tolist() == ["(no owner)", "Anna", "Boris"]
    assert t.loc["Anna", ["deals", "open", "won", "lost"]].tolist() == [3, 1, 1, 1]
    assert t.loc["Boris", ["deals", "open", "won", "lost"]].tolist() == [2, 2, 0, 0]   # no status = open
    assert t.loc["Anna", "win_rate"] == 0.5 and pd.isna(t.loc["Boris", "win_rate"])
    assert t.loc["Anna", "activities"] == 3 and t.loc["Anna", "activities_per_deal"] == 1.0
    assert t.loc["Boris", "activities"] == 1 and t.loc["Boris", "activities_per_deal"] == 0.5
    assert t.loc["Anna", "median_cycle_days"] == 7.0 and pd.isna(t.loc["Boris", "median_cycle_days"])
    assert t.loc["(no owner)", "median_cycle_days"] == 1.0


def test_activities_not_exported_are_empty_not_zero():
    t = owners_table(derived(crm(activities=None)), findings()).set_index("owner")
    assert t["activities"].isna().all() and t["activities_per_deal"].isna().all()


def test_findings_per_owner_and_family():
    f = findings(("OF03", "medium", "owner", "Anna", "Anna", None, None, "m", {}, "activity"),
                 ("ST03", "medium", "deal", "2", "Anna", "Sales", "Lost", "m", {}, "sterile"),
                 ("OF01", "high", "deal", "1", "Anna", "Sales", "Won", "m", {}, "activity"),
                 ("SG01", "high", "stage", "Sales/X", None, "Sales", "X", "m", {}, "stages"),
                 ("ST02", "high", "owner", "Ghost", "Ghost", None, None, "m", {}, "sterile"))
    t = owners_table(derived(crm([])), f).set_index("owner")
    assert t.loc["Anna", "findings"] == 3
    assert t.loc["Anna", "findings_activity"] == 2 and t.loc["Anna", "findings_sterile"] == 1
    assert t.loc["Boris", "findings"] == 0
    assert sum(t.loc["Anna", f"findings_{fam.value}"] for fam in Family) == t.loc["Anna", "findings"]


def test_no_deals_gives_the_columns():
    table = owners_table(derived(make_crm([])), findings())
    assert table.empty and list(table.columns) == OWNER_COLUMNS


def test_duplicate_deal_rows_count_once():
    c = make_crm([deal(1, owner="Anna"), deal(1, owner="Anna"), deal(2, owner="Anna")], activities=[])
    assert owners_table(derived(c), findings()).set_index("owner").loc["Anna", "deals"] == 2


def test_amounts_won_and_open():
    deals = [deal(1, owner="Anna", status="won", amount=100.0, closed_at="2026-10-05"),
             deal(2, owner="Anna", status="open", amount=40.0), deal(3, owner="Anna", status="open", amount=None),
             deal(4, owner="Anna", status="lost", amount=70.0, closed_at="2026-10-05"),
             deal(5, owner="Boris", status="open", amount=5.0)]
    t = owners_table(derived(make_crm(deals)), findings()).set_index("owner")
    assert t.loc["Anna", ["won_amount", "open_amount"]].tolist() == [100.0, 40.0]
    assert t.loc["Boris", ["won_amount", "open_amount"]].tolist() == [0.0, 5.0]
    no_amounts = [deal(1, amount=None), deal(2, amount=None, owner="Boris")]
    assert owners_table(derived(make_crm(no_amounts)), findings())["won_amount"].isna().all()


def test_checks_per_owner_in_catalogue_order_and_ownerless_findings_counted_under_no_owner():
    f = findings(("OF01", "high", "deal", "1", "Anna", "Sales", "Won", "m", {}, "activity"),
                 ("ST03", "medium", "deal", "2", "Anna", "Sales", "Lost", "m", {}, "sterile"),
                 ("ST03", "medium", "deal", "2", "Anna", "Sales", "Lost", "m", {}, "sterile"),
                 ("ST02", "high", "owner", "Boris", "Boris", None, None, "m", {}, "sterile"),
                 ("ST06", "high", "deal", "5", None, "Sales", "Won", "m", {}, "sterile"),
                 ("SG01", "high", "stage", "Sales/X", None, "Sales", "X", "m", {}, "stages"))
    t = owners_table(derived(crm([])), f).set_index("owner")
    assert t.loc["Anna", "checks"] == ["ST03", "OF01"] and t.loc["Boris", "checks"] == ["ST02"]
    # A finding about a deal without an owner belongs to "(no owner)"; one about a stage to no one.
    assert t.loc["(no owner)", "findings"] == 1 and t.loc["(no owner)", "checks"] == ["ST06"]
    assert t["findings"].sum() == 5


def test_team_row_counts_every_deal_and_finding():
    f = findings(("OF01", "high", "deal", "1", "Anna", "Sales", "Won", "m", {}, "activity"),
                 ("SG01", "high", "stage", "Sales/X", None, "Sales", "X", "m", {}, "stages"))
    team = team_row(derived(crm([activity(1, "2026-10-02")])), f)
    assert (team["deals"], team["open"], team["won"], team["lost"]) == (6, 3, 2, 1)
    assert team["win_rate"] == pytest.approx(2 / 3, abs=1e-4) and team["activities"] == 1
    assert team["median_cycle_days"] == 4.0            # cycles 10, 4, 1 days
    assert team["findings"] == 2 and team["checks"] == ["SG01", "OF01"]
    assert set(team) == set(OWNER_COLUMNS) - {"owner"}
    assert team_row(derived(make_crm([])), findings()) == {}


def test_impossible_deals_stay_out_of_win_rate_and_cycle():
    """A deal closed before it was created, or with a negative amount, is HY03's and HY04's: it
    would put a negative cycle in the table (the owners table once showed -751 days)."""
    table = owners_table(derived(make_crm([
        deal(1, owner="Anna", status="won", created_at="2026-10-01", closed_at="2026-10-11"),
        deal(2, owner="Anna", status="lost", created_at="2026-10-20", closed_at="2024-10-05"),   # before created
        deal(3, owner="Anna", status="won", created_at="2026-10-01", closed_at="2026-10-03", amount=-5.0),
        deal(4, owner="Boris", status="lost", created_at="2026-10-20", closed_at="2026-10-01")])), findings())
    t = table.set_index("owner")
    assert t.loc["Anna", ["won", "lost", "impossible_deals"]].tolist() == [2, 1, 2]
    assert t.loc["Anna", "win_rate"] == 1.0 and t.loc["Anna", "median_cycle_days"] == 10.0
    assert pd.isna(t.loc["Boris", "win_rate"]) and pd.isna(t.loc["Boris", "median_cycle_days"])
    assert (table["median_cycle_days"].dropna() >= 0).all()


def test_dates_after_the_audit_date_are_impossible_too():
    crm = make_crm([deal(1, owner="Anna", status="won", created_at="2026-10-01", closed_at="2027-01-01"),
                    deal(2, owner="Anna", status="won", created_at="2026-10-01", closed_at="2026-10-05")])
    t = owners_table(derived(crm), findings(), pd.Timestamp("2026-11-20")).set_index("owner")
    assert t.loc["Anna", "impossible_deals"] == 1 and t.loc["Anna", "median_cycle_days"] == 4.0


def test_the_audit_carries_the_team_row():
    from audit.runner import run_audit
    from tests.builders import AS_OF
    result = run_audit(crm([]), select=["ST03"], as_of=AS_OF)
    assert result.team["deals"] == 6 and result.team["won"] == 2
