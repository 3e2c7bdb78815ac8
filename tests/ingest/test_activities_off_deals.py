"""Activities that are not deal activities are left out, and never without a word."""

from tests.ingest.conftest import warnings_coded


def test_pipedrive_plans_and_activities_without_deal_are_counted(load_fixture):
    loaded = load_fixture("pipedrive_deals.csv", "pipedrive_activities_todo_and_no_deal.csv")
    assert sorted(loaded.crm.activities["activity_id"]) == ["60", "62"]
    [off] = warnings_coded(loaded, "activities-not-on-deals")
    assert off.numbers == {"rows": 6, "not_on_deal": 2, "on_account": 1, "on_contact": 1, "linked": 0,
                           "left_out": 2}
    assert off.file.endswith("pipedrive_activities_todo_and_no_deal.csv")
    assert off.message.startswith("2 of 6 activities are on no deal (1 to an account, 1 to a contact only)")
    [plans] = warnings_coded(loaded, "activities-not-done")
    assert plans.numbers == {"rows": 6, "not_done": 2}
    assert "To do" in plans.message and "To do" in plans.message_ru


def test_pipedrive_activities_all_on_done_deals_stay_quiet(tmp_path):
    from audit.ingest import load
    from tests.ingest.conftest import FIXTURES
    done = (tmp_path / "activities.csv")
    done.write_text("Activity - ID,Activity - Type,Activity - Done,Activity - Marked as done time,Deal - ID\n"
                    "1,Call,Done,2026-01-05 11:00:00,1\n", encoding="utf-8")
    loaded = load([FIXTURES / "pipedrive_deals.csv", done])
    assert not warnings_coded(loaded, "activities-not-on-deals") and not warnings_coded(loaded, "activities-not-done")


def test_zoho_calls_without_potential_say_what_they_link_to(load_fixture):
    loaded = load_fixture("zoho_potentials.csv", "zoho_calls_without_potential.csv")
    assert loaded.crm.activities["activity_id"].tolist() == ["c1"]
    [w] = warnings_coded(loaded, "activities-not-on-deals")
    assert w.numbers == {"rows": 5, "not_on_deal": 4, "on_account": 1, "on_contact": 1, "on_lead": 1,
                         "on_nothing": 1, "linked": 0, "left_out": 4}
    assert "4 of 5 calls are on no deal" in w.message
    assert w.message_ru.startswith("4 из 5 звонков не привязаны к сделке (к компании — 1, только к контакту — 1")


def test_pipedrive_deals_export_says_every_stage_is_open(load_fixture):
    from tests.builders import derived
    loaded = load_fixture("pipedrive_deals.csv")
    assert loaded.crm.stages_all_open
    # "Negotiations Started" holds only a won deal: still an open stage of the pipeline.
    assert set(derived(loaded.crm).stage_order["kind"]) == {"open"}
    assert not load_fixture("hubspot_deals_date_entered.csv").crm.stages_all_open


def test_inspect_lists_the_warnings(load_fixture):
    from audit.ingest.inspect import inspection, render_inspection
    loaded = load_fixture("zoho_potentials.csv", "zoho_calls_without_potential.csv")
    assert [w["code"] for w in inspection(loaded)["warnings"]] == ["deal-ids-missing", "activities-not-on-deals"]
    text = render_inspection(loaded)
    assert "warnings:" in text and "[activities-not-on-deals]" in text and "4 of 5 calls are on no deal" in text
