import pytest

from checks.activity.OF09 import DealAfterTheTalk
from checks.base import Status
from tests.builders import call, deal, flagged_ids, make_crm, phone, run_check

CLIENT = "89161234567"


def crm(calls, deals=None, points=None):
    deals = deals or [deal(1, created_at="2026-10-20 10:00")]
    points = points if points is not None else [phone(1, "+7 916 123 45 67")]
    # A call in early September opens the log, so deals from mid-September on can be judged.
    return make_crm(deals, calls=[call("+79990000000", "2026-09-01 09:00"), *calls], contact_points=points)


@pytest.mark.parametrize("calls, expected", [
    pytest.param([call(CLIENT, "2026-10-10 11:00")], ["1"], id="talked-ten-days-before-the-deal"),
    pytest.param([call(CLIENT, "2026-10-18 11:00")], [], id="two-days-is-within-min-days"),
    pytest.param([call(CLIENT, "2026-10-10 11:00", talk=30)], [], id="a-short-call-is-no-conversation"),
    pytest.param([call(CLIENT, "2026-10-10 11:00", talk=0)], [], id="a-missed-call-is-no-conversation"),
    pytest.param([call(CLIENT, "2026-05-10 11:00")], [], id="older-than-the-lookback"),
    pytest.param([call(CLIENT, "2026-10-21 11:00")], [], id="talk-after-creation-is-OF07s"),
])
def test_deal_after_the_talk(calls, expected):
    result = run_check(DealAfterTheTalk, crm(calls))
    assert flagged_ids(result) == expected
    assert result.status is (Status.FAIL if expected else Status.PASS)


def test_evidence_names_the_first_call():
    result = run_check(DealAfterTheTalk, crm([call(CLIENT, "2026-10-10 11:00"), call(CLIENT, "2026-10-12 11:00", talk=180)]))
    (ev,) = result.findings["evidence"]
    assert ev == {"first_call": "2026-10-10T11:00:00", "created_at": "2026-10-20T10:00:00", "days_before": 10.0,
                  "calls_before": 2, "talk_min_before": 5.0, "min_days": 3}
    assert result.findings["message"][0].startswith("created 10 days after the first conversation with the contact")


def test_talks_during_the_clients_earlier_deal_belong_to_that_deal():
    deals = [deal(9, created_at="2026-09-20 10:00", status="won", closed_at="2026-10-15 10:00"),
             deal(1, created_at="2026-10-20 10:00")]
    points = [phone(9, CLIENT), phone(1, CLIENT)]
    assert flagged_ids(run_check(DealAfterTheTalk, crm([call(CLIENT, "2026-10-10 11:00")], deals, points))) == []
    assert flagged_ids(run_check(DealAfterTheTalk, crm([call(CLIENT, "2026-10-16 11:00")], deals, points))) == ["1"]


def test_deals_older_than_the_log_are_not_judged():
    result = run_check(DealAfterTheTalk, crm([call(CLIENT, "2026-09-02 11:00")],
                                             deals=[deal(1, created_at="2026-09-02 10:00")]))
    assert result.status is Status.SKIPPED and "call log already covered" in result.skipped_reason
