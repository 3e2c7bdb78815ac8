"""Contact phones and e-mails read beside deals, one row per value, phones as E.164."""

from pathlib import Path

import pytest

from audit.ingest import load
from audit.model.config import parse

CALLS = Path(__file__).parent.parent / "fixtures" / "calls"


def points(*names: str, region: str = "RU") -> list[tuple]:
    loaded = load([CALLS / n for n in names], parse({"calls": {"region": region}}))
    cp = loaded.crm.contact_points
    return sorted(cp[["deal_id", "kind", "value"]].itertuples(index=False, name=None))


def test_amocrm_contact_columns_several_numbers_in_a_cell_and_no_manager_phone():
    assert points("amocrm_deals_contact_phones.csv") == [
        ("101", "email", "s.orlov@romashka.ru"), ("101", "phone", "+74951112233"), ("101", "phone", "+79161234567"),
        ("102", "email", "anna@mail.ru"), ("102", "phone", "+79161234567"),  # the same number on two deals
    ]  # "нет" and "не указан" are no contact; the manager's own phone is left out


@pytest.mark.parametrize("name, region, expected", [
    pytest.param("bitrix24_deals_contact_phone.csv", "RU",
                 [("11", "email", "client@example.ru"), ("11", "phone", "+79161234567")], id="bitrix24"),
    pytest.param("hubspot_deals_phone_number.csv", "US",
                 [("701", "email", "buyer@umbrella.example"), ("701", "phone", "+14155550134")], id="hubspot"),
    pytest.param("pipedrive_deals_person_phone.csv", "DE",
                 [("1", "email", "anna@alpha.example"), ("1", "phone", "+49301234567")], id="pipedrive"),
])
def test_deals_exports_with_contact_columns(name, region, expected):
    assert points(name, region=region) == expected


def test_salesforce_contacts_through_the_contact_role():
    assert points("sf_opportunity_contact_ids.csv", "sf_contact_phones.csv", "sf_opportunity_contact_role.csv",
                  region="US") == [("006A000001", "phone", "+14155550102")]


def test_salesforce_contacts_through_the_account_and_the_opportunity_contact():
    assert points("sf_opportunity_contact_ids.csv", "sf_contact_phones.csv", region="US") == [
        ("006A000001", "email", "eva@globex.example"), ("006A000001", "phone", "+14155550101"),
        ("006A000001", "phone", "+14155550102"), ("006A000002", "phone", "+14155550109")]
