"""Pipedrive API v1 deal dumps (GET /v1/deals written as CSV): field keys and ids."""

import pandas as pd

from tests.ingest.conftest import deals_by_id, warnings_coded


# -- Pipedrive API v1 ------------------------------------------------------------------------------

def test_pipedrive_api_v1_dump(load_fixture):
    loaded = load_fixture("pipedrive_api_v1_deals.csv")
    assert loaded.sources[0].crm == "pipedrive" and loaded.crm.stages_all_open
    d = deals_by_id(loaded)
    assert d["status"].to_dict() == {"1": "won", "2": "lost", "3": "open"}  # the deleted one left out
    assert d["closed_at"].tolist()[:2] == [pd.Timestamp("2024-03-01 10:00"), pd.Timestamp("2024-02-20 10:00")]
    assert pd.isna(d.loc["3", "closed_at"]) and d.loc["3", "expected_close_at"] == pd.Timestamp("2024-06-30")
    # owner_name wins over user_id; where no name was exported the id stands, and is named.
    assert d["owner"].to_dict() == {"1": "Ann Lee", "2": "Bo Chen", "3": "12"}
    assert d.loc["2", "company"] == "Beta" and d.loc["2", "lost_reason"] == "Too expensive"
    unresolved = {w.numbers["column"]: w.numbers["ids"] for w in warnings_coded(loaded, "ids-unresolved")}
    assert unresolved == {"deals.stage": 3, "deals.pipeline": 1, "deals.owner": 1}


def test_pipedrive_api_v1_activities_leave_out_plans_and_activities_on_no_deal(load_fixture):
    loaded = load_fixture("pipedrive_api_v1_deals.csv", "pipedrive_api_v1_activities.csv")
    acts = loaded.crm.activities
    assert acts["activity_id"].tolist() == ["501"]
    assert acts.iloc[0]["deal_id"] == "1" and acts.iloc[0]["owner"] == "Ann Lee"
    assert acts.iloc[0]["at"] == pd.Timestamp("2024-01-15 10:07")
    [plans] = warnings_coded(loaded, "activities-not-done")
    assert plans.numbers == {"rows": 3, "not_done": 1} and "done = false" in plans.message
    [off] = warnings_coded(loaded, "activities-not-on-deals")
    assert off.numbers["not_on_deal"] == 1
