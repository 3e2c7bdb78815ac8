import pandas as pd
import pytest

from checks.activity.OF07 import CallsNotLogged
from checks.base import Status
from tests.builders import activity, call, deal, flagged_ids, make_crm, phone, run_check

# Deals created 2026-10-01 10:00 (builder default); AS_OF is 2026-11-20 18:00.
CLIENT = "+7 916 123-45-67"


def crm(calls, acts=(), points=None, deals=None):
    deals = deals or [deal(1), deal(2, status="won", closed_at="2026-10-20 12:00")]
    points = points if points is not None else [phone(1, CLIENT), phone(2, "+7 495 111-22-33")]
    return make_crm(deals, activities=list(acts), calls=calls, contact_points=points)


@pytest.mark.parametrize("calls, acts, expected", [
    pytest.param([call("89161234567", "2026-10-05 11:00")], [], ["1"], id="talk-with-no-activity-is-flagged"),
    pytest.param([call("89161234567", "2026-10-05 11:00")], [activity(1, "2026-10-05 16:00")], [],
                 id="activity-the-same-day-is-a-trace"),
    pytest.param([call("89161234567", "2026-10-05 11:00")], [activity(1, "2026-10-04 12:00")], [],
                 id="activity-within-24h-before-counts"),
    pytest.param([call("89161234567", "2026-10-05 11:00")], [activity(1, "2026-10-06 11:01")], ["1"],
                 id="activity-a-minute-past-the-window-does-not"),
    pytest.param([call("89161234567", "2026-10-05 11:00")], [activity(2, "2026-10-05 12:00")], ["1"],
                 id="activity-on-another-deal-does-not-count"),
    pytest.param([call("+7 (916) 123 45 67", "2026-10-05 11:00", talk=59)], [], [],
                 id="shorter-than-min-talk-is-not-judged"),
    pytest.param([call("9161234567", "2026-10-05 11:00", talk=0)], [], [], id="missed-call-is-not-judged"),
    pytest.param([call("101", "2026-10-05 11:00", direction="internal"), call("+79990000000", "2026-10-05 12:00")],
                 [], [], id="internal-call-is-not-judged"),
    pytest.param([call("+74951112233", "2026-10-25 11:00")], [], [], id="call-after-the-deal-closed"),
    pytest.param([call("+74951112233", "2026-10-15 11:00")], [], ["2"], id="won-deal-during-its-life"),
    pytest.param([call("89161234567", "2026-09-20 11:00")], [], [], id="call-before-the-deal-is-OF09s"),
    pytest.param([call("89161234567", "2026-11-20 12:00")], [], [], id="too-recent-to-have-been-logged"),
])
def test_calls_not_logged(calls, acts, expected):
    result = run_check(CallsNotLogged, crm(calls, acts))
    assert flagged_ids(result) == expected
    if expected:
        assert result.status is Status.FAIL


def test_numbers_in_8_plus7_and_spaced_forms_are_one_client():
    calls = [call("8 916 123 45 67", "2026-10-05 11:00"), call("+7(916)1234567", "2026-10-06 11:00", talk=300),
             call("79161234567", "2026-10-07 11:00", direction="out", talk=60)]
    result = run_check(CallsNotLogged, crm(calls, points=[phone(1, "8 (916) 123-45-67")]))
    (ev,) = result.findings["evidence"]
    assert ev == {"unlogged_calls": 3, "unlogged_talk_min": 8.0, "calls": 3, "logged_calls": 0,
                  "first_call": "2026-10-05T11:00:00", "last_call": "2026-10-07T11:00:00",
                  "managers_on_calls": "Иванов Пётр", "window_h": 24, "min_talk_s": 60}
    assert result.findings["message"][0] == (
        "3 calls with the client (8 min, 2026-10-05 – 2026-10-07) left no trace in the CRM within 24 h")
    assert result.findings["owner"][0] == "Anna"  # the deal's owner, whoever talked
    assert result.metric == 1.0 and "3 of 3 client calls (100% of 0.1 h of talk)" in result.message


def test_the_same_number_on_two_live_deals_goes_to_the_newest_and_either_trace_counts():
    deals = [deal(1, created_at="2026-10-01 10:00"), deal(3, created_at="2026-10-03 10:00")]
    points = [phone(1, CLIENT), phone(3, CLIENT)]
    flagged = run_check(CallsNotLogged, crm([call(CLIENT, "2026-10-05 11:00")], points=points, deals=deals))
    assert flagged_ids(flagged) == ["3"]
    logged_on_the_older = crm([call(CLIENT, "2026-10-05 11:00")], [activity(1, "2026-10-05 12:00")],
                              points=points, deals=deals)
    assert flagged_ids(run_check(CallsNotLogged, logged_on_the_older)) == []


def test_window_and_talk_are_configurable():
    data = crm([call(CLIENT, "2026-10-05 11:00", talk=90)], [activity(1, "2026-10-06 20:00")])
    assert flagged_ids(run_check(CallsNotLogged, data)) == ["1"]
    assert flagged_ids(run_check(CallsNotLogged, data, window_h=48)) == []
    assert flagged_ids(run_check(CallsNotLogged, data, min_talk_s=120)) == []


def test_all_logged_passes_with_the_numbers():
    result = run_check(CallsNotLogged, crm([call(CLIENT, "2026-10-05 11:00")], [activity(1, "2026-10-05 11:05")]))
    assert result.status is Status.PASS and result.metric == 0.0
    assert "0 of 1 client calls" in result.message


@pytest.mark.parametrize("calls, points, reason", [
    pytest.param([call(CLIENT, "2026-10-05 11:00")], [{"deal_id": "1", "kind": "email", "value": "a@b.ru"}],
                 "hold no phone number", id="contacts-without-phones"),
    pytest.param([call("+79990000000", "2026-10-05 11:00")], None, "no answered call of 60 s",
                 id="no-call-with-a-deal-contact"),
    pytest.param([call(CLIENT, "2026-08-05 11:00")], None, "different periods", id="log-before-the-deals"),
])
def test_skipped_with_the_reason_never_passed(calls, points, reason):
    result = run_check(CallsNotLogged, crm(calls, points=points))
    assert result.status is Status.SKIPPED and reason in result.skipped_reason


def test_a_log_of_internal_calls_only_leaves_the_check_to_the_runners_skip():
    data = crm([call("101", "2026-10-05 11:00", direction="internal")])
    assert data.missing(CallsNotLogged.needs) == {"calls": ("their_number",)}


def test_each_owners_talk_with_a_trace_is_published_for_the_owners_table():
    from audit.derived.scorecard import owners_table
    from tests.builders import derived
    calls = [call("89161234567", "2026-10-05 11:00", talk=120), call("+74951112233", "2026-10-15 11:00", talk=60)]
    data = crm(calls, [activity(2, "2026-10-15 12:00")],
               deals=[deal(1, owner="Boris"), deal(2, owner="Anna", status="won", closed_at="2026-10-20 12:00")])
    result = run_check(CallsNotLogged, data)
    # The call's own manager (Иванов Пётр) owns no deal: the talk counts for the deal's owner.
    assert result.verdicts.table.to_dict("records") == [{"owner": "Anna", "talk_in_crm_share": 1.0},
                                                        {"owner": "Boris", "talk_in_crm_share": 0.0}]
    owners = owners_table(derived(data), result.findings, results=[result]).set_index("owner")
    assert owners["talk_in_crm_share"].to_dict() == {"Anna": 1.0, "Boris": 0.0}
    assert owners_table(derived(data), result.findings)["talk_in_crm_share"].isna().all()  # OF07 not run


def test_only_answered_calls_are_matched_to_deals():
    """A missed call in a deal's life takes no deal and no trace (no reader judges one); the
    answered call beside it does, and OF07's verdict is the answered call's alone."""
    from audit.derived.calls import deal_calls
    from tests.builders import AS_OF, derived

    data = crm([call("89161234567", "2026-10-05 11:00", talk=0), call("89161234567", "2026-10-05 12:00")],
               [activity(1, "2026-10-05 13:00")])
    matched = deal_calls(derived(data), AS_OF, pd.Timedelta(hours=24))
    assert matched.deal.tolist() == [-1, 0] and matched.logged.tolist() == [False, True]
    assert flagged_ids(run_check(CallsNotLogged, data)) == []
