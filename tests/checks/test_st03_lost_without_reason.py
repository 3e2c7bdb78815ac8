import pytest

from checks.base import Status
from checks.sterile.ST03 import LostWithoutReason
from tests.builders import assert_skipped, deal, flagged_ids, make_crm, run_check


@pytest.mark.parametrize("deals, expected", [
    pytest.param([deal(1, status="lost", lost_reason=None), deal(2, status="lost", lost_reason="Price")],
                 ["1"], id="blank-reason-is-flagged"),
    pytest.param([deal(1, status="lost", lost_reason="   ")], ["1"], id="whitespace-is-blank"),
    pytest.param([deal(1, status="won", lost_reason=None), deal(2, status="open"),
                  deal(3, status="lost", lost_reason="Price")], [], id="only-lost-count"),
    pytest.param([deal(1, status="lost", lost_reason="Price")], [], id="all-explained"),
])
def test_lost_without_reason(deals, expected):
    # lost_reason must be provided somewhere for the check to run
    crm = make_crm([*deals, deal(99, status="won", lost_reason="n/a")])
    result = run_check(LostWithoutReason, crm)
    assert flagged_ids(result) == expected
    assert result.status is (Status.FAIL if expected else Status.PASS)
    assert result.judged == sum(d["status"] == "lost" for d in deals)


def test_no_lost_deal_is_skipped_not_passed():
    crm = make_crm([deal(1, status="open", lost_reason="x")])
    assert_skipped(run_check(LostWithoutReason, crm), "no lost deal among 1 deals")


def test_a_reason_column_exported_empty_is_judged():
    """An exported loss-reason column that is empty on every lost deal is the strongest sterile
    signal there is: every lost deal is flagged, not the check skipped."""
    deals = [deal(1, status="lost"), deal(2, status="lost"), deal(3, status="won")]
    crm = make_crm(deals, exported={"deals": ("lost_reason",)})
    result = run_check(LostWithoutReason, crm)
    assert result.status is Status.FAIL and flagged_ids(result) == ["1", "2"] and result.judged == 2


def test_a_reason_column_not_exported_skips():
    crm = make_crm([deal(1, status="lost"), deal(2, status="lost")])
    assert crm.missing(LostWithoutReason.needs) == {"deals": ("lost_reason",)}
