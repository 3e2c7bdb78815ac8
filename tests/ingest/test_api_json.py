"""API responses saved as JSON, as integrators hand them over: read as the tables they hold, or
refused in one line that says what to export."""

import pandas as pd
import pytest

from audit.model.errors import InputError


def test_amocrm_api_v4_response_is_read_as_its_leads(load_fixture):
    # Was "not recognised as a CRM table (headers: {"_page": 1, ...)".
    loaded = load_fixture("amocrm_api_v4_leads.json")
    src = loaded.sources[0]
    assert (src.crm, src.table) == ("amocrm", "deals")
    d = loaded.crm.deals.set_index("deal_id")
    assert d["status"].to_dict() == {"28483640": "won", "28483641": "lost", "28483642": "open"}
    assert d.loc["28483640", "closed_at"] == pd.Timestamp("2021-09-30 11:06:40")
    assert pd.isna(d.loc["28483642", "closed_at"])
    assert "lost_reason" not in d.columns or d["lost_reason"].isna().all()  # ids are no reasons
    # Nested objects flattened, lists kept as text: listed as unmapped, never mistaken for fields.
    assert "_embedded.tags" in src.unmapped and "custom_fields_values" in src.unmapped
    assert loaded.crm.parse_issues.empty


def test_bitrix24_rest_response_is_read_from_its_result(load_fixture):
    loaded = load_fixture("bitrix24_rest_crm_deal_list.json")
    d = loaded.crm.deals.set_index("deal_id")
    assert d["status"].to_dict() == {"101": "won", "103": "open"}
    assert d.loc["103", "expected_close_at"] == pd.Timestamp("2024-06-01")


def test_json_without_records_is_a_one_line_error_naming_what_to_export(load_fixture):
    with pytest.raises(InputError) as err:
        load_fixture("json_without_records.json")
    text = str(err.value)
    assert "json_without_records.json" in text and "no list of records" in text and "_embedded.leads" in text


def test_json_nested_thousands_deep_is_refused_in_one_line(tmp_path):
    from audit.ingest import load
    path = tmp_path / "deep.json"
    path.write_text('{"a":' * 100_000 + "1" + "}" * 100_000, encoding="utf-8")
    with pytest.raises(InputError) as err:
        load([path])
    assert "deep.json" in str(err.value) and "nested too deep" in str(err.value)


def test_json_past_its_limit_is_refused_before_it_is_parsed(tmp_path):
    from audit.ingest import load
    from audit.model.config import parse
    path = tmp_path / "leads.json"
    path.write_text('{"_embedded": {"leads": [' + ",".join(['{"id": 1, "name": "x"}'] * 60_000) + "]}}")
    with pytest.raises(InputError) as err:
        load([path], parse({"limits": {"json_mb": 1}}))
    assert "leads.json" in str(err.value) and "json_mb" in str(err.value)


def test_json_with_half_a_surrogate_pair_is_read_with_a_replacement_character(tmp_path):
    # A deal named "\ud800" (half an escaped emoji, cut by an integrator's script) crashed the
    # reports: no UTF-8 output can hold a lone surrogate. A whole pair stays the emoji it is.
    from audit.ingest import load
    from audit.model import config

    leads = [{"id": 1, "name": "Сделка \\ud800 cut", "price": 100, "status_id": 142, "pipeline_id": 1,
              "responsible_user_id": 7, "created_at": 1700000000, "closed_at": 1700500000},
             {"id": 2, "name": "Сделка \\ud83d\\ude00", "price": 100, "status_id": 143, "pipeline_id": 1,
              "responsible_user_id": 7, "created_at": 1700000000, "closed_at": 1700500000}]
    text = '{"_embedded": {"leads": [' + ", ".join(
        "{" + ", ".join(f'"{k}": ' + (f'"{v}"' if isinstance(v, str) else str(v)) for k, v in lead.items()) + "}"
        for lead in leads) + "]}}"
    path = tmp_path / "leads.json"
    path.write_text(text, encoding="utf-8")
    names = load([path], config.load(None)).crm.deals.set_index("deal_id")["title"].to_dict()
    assert names == {"1": "Сделка \ufffd cut", "2": "Сделка \U0001F600"}
    for name in names.values():
        name.encode("utf-8")  # every text can be written out
