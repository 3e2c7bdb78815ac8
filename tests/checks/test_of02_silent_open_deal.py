import pytest

from checks.activity.OF02 import SilentOpenDeal
from checks.base import Status
from tests.builders import AS_OF, assert_skipped, activity, ctx, deal, flagged_ids, make_crm, run_check

OLD = "2026-09-01 10:00"  # created long before the 14-day window (AS_OF is 2026-11-20 18:00)


@pytest.mark.parametrize("deals, calls, expected", [
    pytest.param([deal(1, created_at=OLD)], [activity(1, "2026-10-01")], ["1"], id="silent-for-weeks"),
    pytest.param([deal(1, created_at=OLD)], [], ["1"], id="never-contacted"),
    pytest.param([deal(1, created_at=OLD)], [activity(1, "2026-11-10")], [], id="recent-contact"),
    pytest.param([deal(1, created_at=OLD)], [activity(1, "2026-11-06 18:00")], [],
                 id="contact-exactly-14-days-ago-counts"),
    pytest.param([deal(1, created_at=OLD)], [activity(1, "2026-11-06 17:59")], ["1"],
                 id="a-minute-older-does-not"),
    pytest.param([deal(1, created_at="2026-11-10")], [], "none has had the time to go silent",
                 id="created-inside-the-window"),
    pytest.param([deal(1, created_at=OLD, status="won"), deal(2, created_at=OLD, status="lost")], [],
                 "no open deal among 3 deals", id="closed-deals-are-not-judged"),
    pytest.param([deal(1, created_at=OLD)], [activity(1, "2026-12-01")], ["1"],
                 id="contact-after-as-of-does-not-count"),
    pytest.param([deal(1, created_at=OLD)], [activity(2, "2026-11-19")], ["1"],
                 id="contact-on-another-deal-does-not-count"),
    pytest.param([deal(1, created_at=OLD, last_activity_at="2026-11-18")], [], [],
                 id="crm-last-activity-field-counts"),
    pytest.param([deal(1, created_at=None)], [], ["1"], id="undated-deal-is-judged-by-contacts"),
    pytest.param([deal(1, created_at=OLD, status=None)], [], "no open deal among 2 deals",
                 id="unknown-status-is-not-open"),
    pytest.param([deal(1, created_at="2026-11-10"), deal(2, created_at=OLD)], [activity(2, "2026-11-19")], [],
                 id="a-fresh-deal-is-not-judged-beside-an-old-one"),
])
def test_silent_open_deal(deals, calls, expected):
    # A won deal with a call keeps the activities linked to the deals even when a case has none.
    crm = make_crm([*deals, deal("w", status="won")], activities=[*calls, activity("w", "2026-10-01")])
    result = run_check(SilentOpenDeal, crm)
    if isinstance(expected, str):
        assert_skipped(result, expected)
        return
    assert flagged_ids(result) == expected
    assert result.status is (Status.FAIL if expected else Status.PASS)


def test_evidence_and_message():
    crm = make_crm([deal(1, created_at=OLD), deal(2, created_at=OLD)],
                   activities=[activity(1, "2026-10-01 18:00"), activity(1, "2026-09-20"),
                               activity(2, "2026-11-19")])
    result = run_check(SilentOpenDeal, crm)
    (ev,) = result.findings["evidence"]
    assert ev == {"last_activity_at": "2026-10-01T18:00:00", "days_silent": 50.0,
                  "created_at": "2026-09-01T10:00:00", "min_days": 14}
    assert result.findings["message"][0] == "open, no activity for 50 days (last: 2026-10-01)"
    assert result.metric == 0.5 and "1 of 2 open deals (50%)" in result.message


def test_never_contacted_counts_days_since_creation():
    result = run_check(SilentOpenDeal, make_crm([deal(1, created_at="2026-11-01 18:00"), deal("w", status="won")],
                                                activities=[activity("w", "2026-10-01")]))
    (ev,) = result.findings["evidence"]
    assert ev["days_silent"] == 19.0 and "last_activity_at" not in ev
    assert "never logged" in result.findings["message"][0]


def test_window_is_configurable_and_tolerance():
    crm = make_crm([deal(1, created_at=OLD), deal(2, created_at=OLD)],
                   activities=[activity(1, "2026-11-01"), activity(2, "2026-11-19")])
    assert flagged_ids(run_check(SilentOpenDeal, crm, min_days=30)) == []
    assert flagged_ids(run_check(SilentOpenDeal, crm, min_days=7)) == ["1"]
    tolerant = run_check(SilentOpenDeal, crm, max_share=0.5)
    assert tolerant.status is Status.PASS and tolerant.findings.empty and tolerant.affected == 1


def test_no_open_deals_is_skipped_not_passed():
    result = run_check(SilentOpenDeal, make_crm([deal(1, status="won")], activities=[activity(1, "2026-10-01")]))
    assert_skipped(result, "no open deal among 1 deals")


def test_as_of_is_the_reference_not_the_clock():
    crm = make_crm([deal(1, created_at=OLD)], activities=[activity(1, "2026-10-01")])
    assert SilentOpenDeal().run(crm, ctx(SilentOpenDeal, crm, as_of="2026-10-10")).status is Status.PASS
    assert SilentOpenDeal().run(crm, ctx(SilentOpenDeal, crm, as_of=AS_OF)).status is Status.FAIL


def test_activities_linked_to_no_deal_skip_the_check():
    # e.g. calls exported with contact ids only: every deal would look silent.
    crm = make_crm([deal(1, created_at=OLD)], activities=[activity("c-77", "2026-11-19")])
    result = run_check(SilentOpenDeal, crm)
    assert_skipped(result, "activities link to no deal: none of the 1 activities names a deal id found in the deals export")
