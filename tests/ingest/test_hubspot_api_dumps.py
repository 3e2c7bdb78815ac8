"""HubSpot CRM API v3 deal dumps as integrators write them to CSV: internal property names,
internal stage ids, ISO times with Z; what they cannot tell is said in a warning."""

import pandas as pd

from tests.ingest.conftest import deals_by_id, warnings_coded


# -- HubSpot CRM API v3 ---------------------------------------------------------------------------

def test_hubspot_api_v3_dump_is_read_with_flags_and_internal_stage_ids(load_fixture):
    loaded = load_fixture("hubspot_api_v3_deals.csv")
    assert loaded.sources[0].crm == "hubspot" and loaded.sources[0].table == "deals"
    d = deals_by_id(loaded)
    assert d["status"].to_dict() == {"9001": "won", "9002": "lost", "9003": "open", "9004": "open",
                                     "9005": "won"}
    assert d.loc["9001", "closed_at"] == pd.Timestamp("2024-03-15 17:02:11.392")
    assert d.loc["9002", "created_at"] == pd.Timestamp("2024-01-12 11:30:00.123")
    assert pd.isna(d.loc["9003", "closed_at"]) and d.loc["9003", "expected_close_at"] == pd.Timestamp("2024-06-30")
    assert d.loc["9002", "lost_reason"] == "Budget" and d.loc["9002", "amount"] == 5000.5
    assert d.loc["9005", "pipeline"] == "7654321" and d.loc["9001", "owner"] == "51234567"
    # The flags said it all: nothing read from stage names, no stage left unknown.
    assert not warnings_coded(loaded, "status-from-stage-names") and not warnings_coded(loaded, "status-unknown")


def test_hubspot_api_dump_flattened_without_flags_warns_about_numeric_stage_ids(load_fixture):
    loaded = load_fixture("hubspot_api_v3_deals_flattened_no_flags.csv")
    d = deals_by_id(loaded)
    # closedwon is the default pipeline's won stage by its internal id; numbers state nothing.
    assert d["status"].to_dict() == {"9101": "open", "9102": "open", "9103": "won"}
    assert d.loc["9101", "title"] == "Acme renewal" and d.loc["9101", "created_at"] == pd.Timestamp("2024-01-10 09:00")
    [w] = warnings_coded(loaded, "status-unknown")
    assert w.numbers == {"deals": 2, "stage_ids": ["1034567", "1034568"]}
    assert "hs_is_closed" in w.message and "[status] won" in w.message and w.message_ru
    assert w.file.endswith("hubspot_api_v3_deals_flattened_no_flags.csv")


def test_hubspot_numeric_stage_ids_declared_in_config_are_not_unknown(load_fixture):
    from audit.model.config import parse
    cfg = parse({"status": {"won": ["1034567"], "lost": ["1034568"]}})
    loaded = load_fixture("hubspot_api_v3_deals_flattened_no_flags.csv", cfg=cfg)
    assert deals_by_id(loaded)["status"].to_dict() == {"9101": "won", "9102": "lost", "9103": "won"}
    # The user said what the ids mean: nothing is left unknown.
    assert not warnings_coded(loaded, "status-unknown")


def test_hubspot_won_flag_alone_does_not_tell_lost_from_open_in_numeric_stages(tmp_path):
    from audit.ingest import load
    path = tmp_path / "deals.csv"
    path.write_text("hs_object_id,dealname,dealstage,pipeline,createdate,hs_is_closed_won\n"
                    "1,A,1034567,765,2024-01-10T09:00:00Z,true\n2,B,1034568,765,2024-01-11T09:00:00Z,false\n"
                    "3,C,closedlost,default,2024-01-11T09:00:00Z,false\n")
    loaded = load([path])
    assert deals_by_id(loaded)["status"].to_dict() == {"1": "won", "2": "open", "3": "lost"}
    # Only deal 2 is unknown: 1 is flagged won, 3 sits in the default pipeline's lost stage.
    [w] = warnings_coded(loaded, "status-unknown")
    assert w.numbers == {"deals": 1, "stage_ids": ["1034568"]}
