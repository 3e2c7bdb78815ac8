import pytest

from checks.base import Status
from checks.sterile.ST01 import LostDealsMissing
from tests.builders import assert_skipped, deal, flagged_ids, make_crm, run_check


def closed(won: int, lost: int, pipeline: str = "Sales", prefix: str = "") -> list[dict]:
    return ([deal(f"{prefix}{pipeline}-w{i}", status="won", pipeline=pipeline) for i in range(won)]
            + [deal(f"{prefix}{pipeline}-l{i}", status="lost", pipeline=pipeline) for i in range(lost)])


@pytest.mark.parametrize("deals, expected", [
    pytest.param(closed(30, 0), ["deals"], id="no-losses-at-all-is-flagged"),
    pytest.param(closed(27, 3), ["deals"], id="ten-percent-lost-is-flagged"),
    pytest.param(closed(24, 6), [], id="exactly-twenty-percent-is-enough"),
    pytest.param(closed(29, 0), None, id="too-few-closed-to-judge"),
    pytest.param(closed(29, 0) + [deal(f"o{i}", status="open") for i in range(50)], None,
                 id="open-deals-are-not-closed"),
    pytest.param(closed(30, 0, "Retail") + closed(20, 20, "Wholesale"), ["Retail"],
                 id="one-sterile-pipeline-in-a-healthy-whole"),
    pytest.param(closed(30, 0, "Retail") + closed(30, 2, "Wholesale"), ["Retail", "Wholesale", "deals"],
                 id="every-level-that-qualifies"),
    pytest.param(closed(10, 0, "Retail") + closed(30, 30, "Wholesale"), [],
                 id="small-pipeline-not-judged"),
    pytest.param(closed(30, 0) + [deal(f"x{i}", status=None) for i in range(40)], ["deals"],
                 id="missing-status-is-not-closed"),
])
def test_lost_deals_missing(deals, expected):
    result = run_check(LostDealsMissing, make_crm(deals))
    if expected is None:  # below the minimum sample: skipped with the numbers, never passed
        assert_skipped(result, "29 closed deals", "too few to judge the lost share, needs 30")
        assert result.judged == 29
        return
    assert flagged_ids(result) == expected
    assert result.status is (Status.FAIL if expected else Status.PASS)
    assert result.judged == sum(d["status"] in ("won", "lost") for d in deals)


def test_entities_and_evidence():
    result = run_check(LostDealsMissing, make_crm(closed(30, 0, "Retail") + closed(28, 2, "Wholesale")))
    f = result.findings.set_index("entity_id")
    assert f.loc["deals", "entity_type"] == "dataset" and f.loc["deals", "pipeline"] is None
    assert f.loc["Retail", "entity_type"] == "pipeline" and f.loc["Retail", "pipeline"] == "Retail"
    assert f.loc["Wholesale", "evidence"] == {"closed": 30, "won": 28, "lost": 2, "lost_share": 0.0667}
    assert f.loc["deals", "evidence"]["lost"] == 2 and f.loc["deals", "owner"] is None
    assert result.metric == pytest.approx(2 / 60, abs=1e-4)


def test_single_named_pipeline_gives_only_the_dataset_finding():
    result = run_check(LostDealsMissing, make_crm(closed(40, 1, "Retail")))
    assert flagged_ids(result) == ["deals"]


def test_thresholds_come_from_params():
    crm = make_crm(closed(12, 3))
    assert_skipped(run_check(LostDealsMissing, crm), "15 closed deals")
    assert flagged_ids(run_check(LostDealsMissing, crm, min_closed=10, max_lost_share=0.25)) == ["deals"]


def test_no_closed_deals_is_skipped_not_passed():
    result = run_check(LostDealsMissing, make_crm([deal(1, status="open")]))
    assert_skipped(result, "0 closed deals: too few to judge the lost share, needs 30")
    assert result.judged == 0 and "Закрытых сделок: 0" in result.skipped_reason_ru
