"""Input warnings: the export looks misread or incomplete, said on small files named after the
situation; and "provided means exported": an exported column that is empty is data."""

from pathlib import Path

import pandas as pd
import pytest

from audit.ingest import load
from audit.ingest.inspect import inspection, render_inspection
from audit.model.config import parse
from audit.model.findings import Status
from audit.runner import run_audit
from tests.builders import activity, deal, make_crm, move

FIXTURES = Path(__file__).parent / "fixtures" / "ingest"


def audit(*names, cfg=None, **kw):
    loaded = load([FIXTURES / n for n in names], cfg)
    result = run_audit(loaded.crm, cfg, sources=loaded.sources, warnings=loaded.warnings,
                       crm_name=loaded.crm_name, **kw)
    return loaded, result


def warnings_of(result, code):
    return [w for w in result.warnings if w.code == code]


def check(result, code):
    return next(c for c in result.checks if c.code == code)


# -- provided means exported ----------------------------------------------------------------------

def test_a_loss_reason_column_exported_empty_is_judged():
    loaded, result = audit("loss_reason_exported_empty.csv", select=["ST03"])
    assert "lost_reason" in loaded.crm.provided["deals"]
    st03 = check(result, "ST03")
    assert st03.status is Status.FAIL and st03.judged == 6
    assert sorted(st03.findings["entity_id"]) == [f"e{i}" for i in range(6)]


def test_inspect_lists_exported_empty_columns():
    loaded = load([FIXTURES / "loss_reason_exported_empty.csv"])
    assert inspection(loaded)["tables"]["deals"]["exported_empty"] == ["lost_reason"]
    assert "exported, empty: lost_reason" in render_inspection(loaded)


def test_a_column_one_file_lacks_is_not_exported(tmp_path):
    """Rows of a file without the column hold no answer: they must not read as 'left empty'."""
    (tmp_path / "a.csv").write_text("deal_id,stage,status,created_at,lost_reason\n1,Lost,lost,2026-01-01,\n")
    (tmp_path / "b.csv").write_text("deal_id,stage,status,created_at\n2,Lost,lost,2026-01-02\n")
    loaded = load([tmp_path / "a.csv", tmp_path / "b.csv"])
    assert "lost_reason" not in loaded.crm.provided["deals"]
    assert "lost_reason" in load([tmp_path / "a.csv"]).crm.provided["deals"]


def test_columns_a_profile_makes_up_count_only_with_a_value(tmp_path):
    """HubSpot's expected close date is made from the close date of open deals: with every deal
    closed it holds nothing, and was never exported."""
    (tmp_path / "deals.csv").write_text(
        "Record ID,Deal Name,Pipeline,Deal Stage,Deal owner,Amount,Create Date,Close Date\n"
        "1,A,Sales Pipeline,Closed Won,Jane,10,2026-01-01 09:00,2026-01-05 10:00\n"
        "2,B,Sales Pipeline,Closed Lost,Jane,10,2026-01-02 09:00,2026-01-06 10:00\n")
    provided = load([tmp_path / "deals.csv"]).crm.provided["deals"]
    assert "closed_at" in provided and "expected_close_at" not in provided and "lost_reason" not in provided


# -- statuses ------------------------------------------------------------------------------------------

def test_hubspot_all_open_names_the_stages_to_declare():
    _loaded, result = audit("hubspot_all_open.csv", select=["ST01"])
    (w,) = warnings_of(result, "no-closed-deals")
    assert w.numbers["deals"] == 10 and w.numbers["won"] == 0 and w.numbers["lost"] == 0
    assert w.numbers["top_open_stages"] == {"Signed": 5, "Dropped": 3, "Demo booked": 2}
    assert "'Signed' (5), 'Dropped' (3), 'Demo booked' (2)" in w.message
    assert '[status] won = ["..."]' in w.message and w.message_ru and w.file.endswith("hubspot_all_open.csv")
    assert check(result, "ST01").status is Status.SKIPPED    # 0 closed deals: nothing to judge


def test_declared_stages_silence_the_warning():
    cfg = parse({"status": {"won": ["Signed"], "lost": ["Dropped"]}})
    _loaded, result = audit("hubspot_all_open.csv", cfg=cfg, select=["ST01"])
    assert not [w for w in result.warnings if w.code.startswith("no-")]


@pytest.mark.parametrize("statuses, code", [
    pytest.param(["lost", "lost", "open"], "no-won-deals", id="closed-but-none-won"),
    pytest.param(["won", "won", "open"], "no-lost-deals", id="closed-but-none-lost"),
    pytest.param(["won", "lost", "open"], None, id="both-is-quiet"),
])
def test_closed_deals_but_no_won_or_no_lost(statuses, code):
    crm = make_crm([deal(i, status=s, stage=s.title()) for i, s in enumerate(statuses)])
    codes = [w.code for w in run_audit(crm, select=["SG01"]).warnings]
    assert codes == ([code] if code else [])


# -- rows that link to no exported deal -----------------------------------------------------------------

def test_activities_that_link_to_no_deal_are_counted_per_file(tmp_path):
    second = tmp_path / "more_calls.csv"
    second.write_text("activity_id,deal_id,type,at\nb1,g1,call,2026-01-03\nb2,zz,call,2026-01-04\n")
    loaded = load([FIXTURES / "generic_deals.csv", FIXTURES / "activities_on_unknown_deals.csv", second])
    result = run_audit(loaded.crm, select=["HY06"], warnings=loaded.warnings)
    found = {Path(w.file).name: w for w in warnings_of(result, "rows-link-to-no-deal")}
    assert set(found) == {"activities_on_unknown_deals.csv", "more_calls.csv"}
    first = found["activities_on_unknown_deals.csv"].numbers
    assert (first["rows"], first["unlinked"], first["no_deal_id"], first["unknown_deal_id"]) == (5, 4, 1, 3)
    assert first["sample_deal_ids"] == ["g9", "g8"]
    assert found["more_calls.csv"].numbers["unlinked"] == 1
    assert "4 of 5 activities link to no exported deal (1 names no deal at all" in \
        found["activities_on_unknown_deals.csv"].message
    # HY06 reports the orphans as findings; rows without any deal id are only counted here.
    assert sorted(check(result, "HY06").findings["entity_id"]) == ["g8", "g9", "zz"]


def test_salesforce_tasks_on_accounts_judge_no_deal():
    """Tasks hung on Accounts: with an as-of a month after the data, no open opportunity is
    accused of silence, no won one of a missing trail."""
    _loaded, result = audit("salesforce_opportunities_open.csv", "salesforce_tasks_on_accounts.csv",
                            as_of="2026-04-01", select=["ST06", "OF02", "OF03"])
    for code in ("ST06", "OF02", "OF03"):
        c = check(result, code)
        assert c.status is Status.SKIPPED and c.judged == 0, (code, c.message)
    # The Salesforce profile says what the tasks hang on; the bare count of rows left out is not repeated.
    codes = [w.code for w in result.warnings if w.file and w.file.endswith("salesforce_tasks_on_accounts.csv")]
    assert codes == ["activities-not-on-deals"]


def test_history_that_links_to_no_deal_warns_and_skips():
    crm = make_crm([deal(1), deal(2)], history=[move("x", "B", "2026-10-02", from_stage="A")],
                   activities=[activity(1, "2026-10-02")])
    result = run_audit(crm, select=["SG03", "OF01", "FN01"])
    (w,) = warnings_of(result, "rows-link-to-no-deal")
    assert w.numbers["table"] == "stage_history" and "none links to an exported deal" in w.message
    assert all(c.status is Status.SKIPPED for c in result.checks)


# -- ids, dates, stage order -------------------------------------------------------------------------

def test_owner_ids_without_users_export(tmp_path):
    _loaded, result = audit("deals_owner_ids_no_users.csv", select=["SG01"])
    (w,) = warnings_of(result, "owner-ids-unresolved")
    assert w.numbers == {"table": "deals", "column": "owner", "distinct_ids": 3, "resolvable": 0,
                         "examples": ["1", "7", "12"]}
    users = tmp_path / "users.csv"
    users.write_text("user_id,owner\n1,Ann Lee\n7,Bo Chen\n12,Cy Diaz\n")
    loaded = load([FIXTURES / "deals_owner_ids_no_users.csv", users])
    assert set(loaded.crm.deals["owner"]) == {"Ann Lee", "Bo Chen", "Cy Diaz"}
    assert not warnings_of(run_audit(loaded.crm, select=["SG01"]), "owner-ids-unresolved")


def test_close_dates_mostly_in_the_future():
    _loaded, result = audit("deals_close_dates_in_future.csv", select=["SG01"])
    (w,) = warnings_of(result, "dates-in-future")
    assert w.numbers["column"] == "closed_at" and w.numbers["after"] == 24 and w.numbers["values"] == 25
    assert "every other date of the export (2026-01-24)" in w.message


def test_dates_after_an_explicit_audit_date():
    crm = make_crm([deal(i, created_at=f"2026-10-{1 + i:02d}") for i in range(25)])
    assert not warnings_of(run_audit(crm, select=["SG01"]), "dates-in-future")
    (w,) = warnings_of(run_audit(crm, select=["SG01"], as_of="2026-01-01"), "dates-in-future")
    assert w.numbers["column"] == "created_at" and "after the audit date (2026-01-01)" in w.message


def test_dates_mostly_before_2000():
    _loaded, result = audit("deals_dates_before_2000.csv", select=["SG01"])
    (w,) = warnings_of(result, "dates-before-2000")
    assert w.numbers == {"table": "deals", "column": "created_at", "values": 25, "before_2000": 25}


def test_a_few_dates_say_nothing():
    crm = make_crm([deal(1, created_at="1926-01-01")])
    assert not warnings_of(run_audit(crm, select=["SG01"]), "dates-before-2000")


def test_stage_order_guessed_from_two_deals():
    _loaded, result = audit("deals_for_history_order.csv", "history_order_from_two_deals.csv", select=["SG04"])
    (w,) = warnings_of(result, "stage-order-guessed")
    assert w.numbers == {"min_support": 5, "pipelines": {"(no pipeline)": 2}}
    assert "only 2 deals went from 'New' on to 'Demo'" in w.message
    sg04 = check(result, "SG04")
    assert sg04.status is Status.SKIPPED and "stage order neither declared nor clear" in sg04.skipped_reason
    cfg = parse({"pipelines": {"(no pipeline)": ["New", "Demo", "Offer"]}})
    _loaded, declared = audit("deals_for_history_order.csv", "history_order_from_two_deals.csv", cfg=cfg,
                              select=["SG04"])
    assert not warnings_of(declared, "stage-order-guessed")


def test_the_demo_warns_only_about_its_planted_orphans(tmp_path):
    from audit.app.demo import CONFIG_NAME, write_demo
    from audit.model import config
    folder = write_demo(tmp_path / "export")
    cfg = config.load(tmp_path / CONFIG_NAME)
    loaded = load([folder], cfg)
    result = run_audit(loaded.crm, cfg, select=["SG01"], warnings=loaded.warnings)
    assert {w.code for w in result.warnings} == {"rows-link-to-no-deal"}
    assert sum(w.numbers["unknown_deal_id"] for w in result.warnings) == 40


def test_warning_numbers_are_plain_json():
    import json
    crm = make_crm([deal(i, status="open", created_at=pd.Timestamp("2026-10-01")) for i in range(3)])
    for w in run_audit(crm, select=["SG01"]).warnings:
        json.dumps(w.as_json())


def test_rows_a_profile_left_out_are_counted(tmp_path):
    """Pipedrive leaves deleted deals out by design; nothing said it, so the count is said here."""
    (tmp_path / "deals.csv").write_text(
        "Deal - ID,Deal - Title,Deal - Stage,Deal - Status,Deal - Owner,Deal - Deal created\n"
        "1,A,Qualified,Open,Ann,2026-01-01 10:00:00\n2,B,Qualified,Deleted,Ann,2026-01-02 10:00:00\n"
        "3,C,Qualified,Deleted,Ann,2026-01-03 10:00:00\n")
    loaded = load([tmp_path / "deals.csv"])
    (w,) = [w for w in loaded.warnings if w.code == "rows-left-out"]
    assert w.file.endswith("deals.csv") and w.numbers == {"table": "deals", "rows_read": 3, "kept": 1, "left_out": 2}
    assert "2 of 3 rows were left out on reading (Pipedrive" in w.message


def test_a_profile_that_explains_what_it_left_out_speaks_for_the_file():
    from types import SimpleNamespace

    from audit.ingest import _profiles_speak_first
    from audit.ingest.mapping import _left_out
    from audit.model.warnings import InputWarning
    raw = SimpleNamespace(label="tasks.csv")
    match = SimpleNamespace(profile=SimpleNamespace(label="Salesforce"), spec=SimpleNamespace(label="Task"))
    mapped = SimpleNamespace(tables={"activities": pd.DataFrame({"deal_id": []})}, match=match, warnings=[])
    assert [w.code for w in _left_out(raw, mapped, 35)] == ["rows-left-out"]
    said = InputWarning("activities-not-on-deals", "35 tasks hang on accounts", "…", file="tasks.csv")
    mapped.warnings = [said]
    assert _left_out(raw, mapped, 35) == []
    # Said later, while the tables are assembled: the count is dropped then.
    mapped.warnings = []
    assert _profiles_speak_first([*_left_out(raw, mapped, 35), said]) == [said]


def test_quiet_failure_prints_the_warnings_too():
    from click.testing import CliRunner

    from audit.cli import cli
    args = [str(FIXTURES / "generic_deals.csv"), str(FIXTURES / "activities_on_unknown_deals.csv")]
    failed = CliRunner().invoke(cli, ["run", *args, "--select", "HY06", "-q", "--fail-on", "medium"])
    assert failed.exit_code == 1
    first, warning = failed.output.splitlines()
    assert first.startswith("crm-audit: 1 check(s) at or above medium failed: HY06")
    assert warning.startswith("  ! activities_on_unknown_deals.csv: 4 of 5 activities link to no exported deal")
    passed = CliRunner().invoke(cli, ["run", *args, "--select", "HY06", "-q", "--fail-on", "high"])
    assert passed.exit_code == 0 and passed.output == ""


# -- a deals export without its ids ------------------------------------------------------------------

def test_a_deals_export_without_ids_says_nothing_can_link_to_it():
    # Zoho's Potentials exported without POTENTIALID: the deals are numbered by row.
    loaded, result = audit("zoho_potentials.csv", "zoho_calls_without_potential.csv")
    (w,) = warnings_of(result, "deal-ids-missing")
    assert w.file.endswith("zoho_potentials.csv") and w.numbers == {"rows": len(loaded.crm.deals)}
    assert "no deal id column" in w.message and "id сделки" in w.message_ru


def test_a_deals_export_with_ids_raises_no_such_warning():
    _loaded, result = audit("generic_deals.csv")
    assert not warnings_of(result, "deal-ids-missing")
