import pytest

from checks.base import Status
from checks.sterile.ST07 import LeadsOnlyQualified
from tests.builders import assert_skipped, flagged_ids, lead, make_crm, run_check


def leads(**counts: int) -> list[dict]:
    """leads(converted=10, disqualified=2, new=5) -> that many leads of each status."""
    return [lead(f"{status}-{i}", status=status) for status, n in counts.items() for i in range(n)]


@pytest.mark.parametrize("rows, expected", [
    pytest.param(leads(converted=10, qualified=10, working=10), ["leads"], id="nothing-disqualified"),
    pytest.param(leads(converted=10, qualified=10, working=9), None, id="too-few-leads-to-judge"),
    pytest.param(leads(new=29, disqualified=1), [], id="one-disqualified-and-few-finished"),
    pytest.param(leads(converted=95, disqualified=5), ["leads"], id="ninety-five-percent-converted"),
    pytest.param(leads(converted=90, disqualified=10), [], id="ninety-percent-is-not-above"),
    pytest.param(leads(converted=20, disqualified=20, new=60), [], id="healthy-mix"),
    pytest.param(leads(new=500, converted=27, disqualified=2), [], id="conversion-needs-enough-finished"),
    pytest.param(leads(converted=40, disqualified=3, new=500), ["leads"],
                 id="backlog-of-new-leads-does-not-hide-conversion"),
    pytest.param([lead(f"c{i}", status="qualified", converted_deal_id=f"d{i}") for i in range(40)]
                 + leads(disqualified=2), ["leads"], id="converted-deal-id-counts-as-converted"),
    pytest.param([lead(f"d{i}", status=None, disqualify_reason="spam") for i in range(10)]
                 + leads(converted=30), [], id="reason-without-status-counts-as-disqualified"),
])
def test_leads_only_qualified(rows, expected):
    result = run_check(LeadsOnlyQualified, make_crm([], leads=rows))
    if expected is None:
        assert_skipped(result, "29 leads: too few to judge how leads end, needs 30")
        return
    assert flagged_ids(result) == expected
    assert result.status is (Status.FAIL if expected else Status.PASS)


def test_dataset_finding_evidence():
    result = run_check(LeadsOnlyQualified, make_crm([], leads=leads(converted=95, disqualified=5, new=7)))
    row = result.findings.iloc[0]
    assert row["entity_type"] == "dataset" and row["owner"] is None
    assert row["evidence"] == {"leads": 107, "disqualified": 5, "converted": 95, "finished": 100,
                               "conversion": 0.95}
    assert "95 of 100" in row["message"]


def test_both_reasons_in_one_finding():
    result = run_check(LeadsOnlyQualified, make_crm([], leads=leads(converted=40)))
    assert len(result.findings) == 1
    assert "none of 40 leads is disqualified" in result.findings.loc[0, "message"]
    assert "40 of 40 finished leads" in result.findings.loc[0, "message"]


def test_no_leads_table_is_skipped():
    assert make_crm([]).missing(LeadsOnlyQualified.needs) == {"leads": ()}
