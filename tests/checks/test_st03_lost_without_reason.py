import pytest

from checks.base import Status
from checks.sterile.ST03 import LostWithoutReason
from tests.builders import deal, flagged_ids, make_crm, run_check


@pytest.mark.parametrize("deals, expected", [
    pytest.param([deal(1, status="lost", lost_reason=None), deal(2, status="lost", lost_reason="Price")],
                 ["1"], id="blank-reason-is-flagged"),
    pytest.param([deal(1, status="lost", lost_reason="   ")], ["1"], id="whitespace-is-blank"),
    pytest.param([deal(1, status="won", lost_reason=None), deal(2, status="open")], [], id="only-lost-count"),
    pytest.param([deal(1, status="lost", lost_reason="Price")], [], id="all-explained"),
])
def test_lost_without_reason(deals, expected):
    # lost_reason must be provided somewhere for the check to run
    crm = make_crm([*deals, deal(99, status="won", lost_reason="n/a")])
    result = run_check(LostWithoutReason, crm)
    assert flagged_ids(result) == expected
    assert result.status is (Status.FAIL if expected else Status.PASS)


def test_no_deals_passes():
    crm = make_crm([deal(1, status="open", lost_reason="x")])
    result = run_check(LostWithoutReason, crm)
    assert result.status is Status.PASS and result.metric == 0.0
