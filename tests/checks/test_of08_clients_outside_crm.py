import pytest

from checks.activity.OF08 import ClientsOutsideCrm
from checks.base import RunContext, Status
from tests.builders import AS_OF, call, deal, derived, flagged_ids, lead, make_crm, phone, run_check

KNOWN = "+7 916 123-45-67"
STRANGER = "8 (903) 555-44-33"


def crm(calls, points=None, leads=None):
    points = points if points is not None else [phone(1, KNOWN)]
    return make_crm([deal(1)], calls=calls, contact_points=points, leads=leads)


def three(number, owner="Иванов Пётр", talk=60):
    return [call(number, f"2026-10-0{d} 11:00", talk=talk, owner=owner) for d in (5, 6, 7)]


@pytest.mark.parametrize("calls, expected", [
    pytest.param(three(STRANGER), ["Иванов Пётр"], id="three-talks-with-an-unknown-number"),
    pytest.param(three(KNOWN), [], id="the-deals-contact-is-known"),
    pytest.param(three(STRANGER)[:2], [], id="two-calls-are-not-enough"),
    pytest.param(three(STRANGER, talk=15), [], id="too-little-talk-in-total"),
    pytest.param([*three(STRANGER)[:2], call(STRANGER, "2026-10-08 11:00", talk=0)], [], id="missed-calls-do-not-count"),
    pytest.param(three("101") and [call("102", f"2026-10-0{d} 11:00", direction="internal") for d in (5, 6, 7)]
                 + [call(KNOWN, "2026-10-05 12:00")], [], id="internal-extensions-are-no-clients"),
    pytest.param([*three(STRANGER), *three("+7 903 555 44 34", owner="Смирнов Дмитрий")],
                 ["Иванов Пётр", "Смирнов Дмитрий"], id="one-finding-per-manager"),
])
def test_clients_outside_crm(calls, expected):
    result = run_check(ClientsOutsideCrm, crm(calls))
    assert flagged_ids(result) == expected
    assert result.status is (Status.FAIL if expected else Status.PASS)


def test_a_leads_phone_is_known_too():
    result = run_check(ClientsOutsideCrm, crm(three(STRANGER), points=[phone(1, KNOWN), phone(None, STRANGER, "L1")],
                                              leads=[lead("L1")]))
    assert result.status is Status.PASS


def test_numbers_are_masked_unless_asked():
    data = crm([*three(STRANGER), *three("+79035554434", talk=200)])
    masked = run_check(ClientsOutsideCrm, data)
    (ev,) = masked.findings["evidence"]
    assert ev["phone_numbers"] == ["+7 *** ***-**-34", "+7 *** ***-**-33"]  # most talk first
    assert ev["numbers"] == 2 and ev["calls"] == 6 and ev["talk_min"] == 13.0
    assert "9035554433" not in str(masked.findings.to_dict())
    shown = ClientsOutsideCrm().run(data, RunContext(as_of=AS_OF, derived=derived(data), params=ClientsOutsideCrm.params,
                                                     show_numbers=True))
    assert shown.findings["evidence"][0]["phone_numbers"] == ["+79035554434", "+79035554433"]


def test_a_log_without_managers_is_skipped():
    calls = [{**c, "owner": None, "our_party": "101"} for c in three(STRANGER)]
    result = run_check(ClientsOutsideCrm, crm(calls))
    assert result.status is Status.SKIPPED and "[calls.extensions]" in result.skipped_reason


def test_the_numbers_per_manager_are_published_for_the_owners_table():
    result = run_check(ClientsOutsideCrm, crm([*three(STRANGER), *three("+7 903 555 44 34", owner="Смирнов Дмитрий"),
                                              *three("+7 903 555 44 35", owner="Смирнов Дмитрий")]))
    assert result.verdicts.table.to_dict("records") == [{"owner": "Иванов Пётр", "numbers_outside_crm": 1},
                                                        {"owner": "Смирнов Дмитрий", "numbers_outside_crm": 2}]
    quiet = run_check(ClientsOutsideCrm, crm(three(KNOWN)))
    assert quiet.status is Status.PASS and quiet.verdicts.table.empty  # judged: every owner reads 0
