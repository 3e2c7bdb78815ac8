import numpy as np
import pytest

from checks.activity.OF03 import OwnerLowLogging
from checks.base import Status
from tests.builders import assert_skipped, activity, deal, flagged_ids, make_crm, run_check


def owner(name, deals, activities, *, no_owner=False):
    """`deals` deals of `name` with `activities` calls spread over them round-robin."""
    ds = [deal(f"{name}-{i}", owner=None if no_owner else name) for i in range(deals)]
    acts = [activity(f"{name}-{j % deals}", "2026-10-02") for j in range(activities)] if deals else []
    return ds, acts


def team(*owners):
    deals, acts = [], []
    for ds, a in owners:
        deals += ds
        acts += a
    return make_crm(deals, activities=acts)


# Four ordinary managers logging 4.5 to 5.5 activities per deal.
NORMAL = [owner("Anna", 20, 100), owner("Boris", 20, 90), owner("Vera", 20, 110), owner("Gleb", 20, 104)]


@pytest.mark.parametrize("owners, expected", [
    pytest.param(NORMAL + [owner("Zed", 20, 10)], ["Zed"], id="logs-a-tenth-of-the-team"),
    pytest.param(NORMAL + [owner("Zed", 20, 0)], ["Zed"], id="logs-nothing"),
    pytest.param(NORMAL + [owner("Zed", 20, 70)], [], id="somewhat-lower-is-normal"),
    pytest.param(NORMAL + [owner("Zed", 9, 0)], [], id="too-few-deals-to-judge"),
    pytest.param(NORMAL + [owner("Zed", 20, 0), owner("Yan", 20, 0)], ["Yan", "Zed"], id="tied-owners-both"),
    pytest.param(NORMAL, [], id="ordinary-spread-is-quiet"),
    pytest.param([owner("Anna", 20, 100), owner("Zed", 20, 0)], None, id="two-owners-are-too-few"),
    pytest.param(NORMAL + [owner("none", 30, 0, no_owner=True)], [], id="deals-without-owner-left-out"),
    pytest.param([owner(n, 20, 100) for n in "ABCD"] + [owner("Zed", 20, 90)], [],
                 id="identical-team-mad-floor-keeps-small-gap-quiet"),
    pytest.param([owner(n, 20, 100) for n in "ABCD"] + [owner("Zed", 20, 20)], ["Zed"],
                 id="identical-team-big-gap-flagged"),
])
def test_owner_low_logging(owners, expected):
    result = run_check(OwnerLowLogging, team(*owners))
    if expected is None:
        assert_skipped(result, "2 owners with 10+ deals: too few to compare their logging, needs 3")
        return
    assert flagged_ids(result) == expected
    assert result.status is (Status.FAIL if expected else Status.PASS)


def test_evidence():
    result = run_check(OwnerLowLogging, team(*NORMAL, owner("Zed", 20, 10)))
    (ev,) = result.findings["evidence"]
    assert ev["activities"] == 10 and ev["deals"] == 20 and ev["activities_per_deal"] == 0.5
    assert ev["team_median"] == 5.0 and ev["z"] < -3
    assert result.findings.loc[0, "entity_type"] == "owner" and result.findings.loc[0, "owner"] == "Zed"
    assert "Zed logs 0.5 activities per deal (10 on 20 deals)" in result.findings.loc[0, "message"]


def test_activities_on_unknown_deals_do_not_count():
    zed_deals, _ = owner("Zed", 20, 0)
    deals = [d for ds, _a in NORMAL for d in ds] + zed_deals
    calls = [a for _d, acts in NORMAL for a in acts]
    orphans = [activity("ghost", "2026-10-02", owner="Zed") for _ in range(200)]
    crm = make_crm(deals, activities=calls + orphans)
    assert flagged_ids(run_check(OwnerLowLogging, crm)) == ["Zed"]


def test_team_that_barely_logs_passes():
    # One call on one deal: the team median is 0 activities per deal, no one stands out.
    result = run_check(OwnerLowLogging, make_crm(
        [deal(f"{n}{i}", owner=n) for n in "ABC" for i in range(12)],
        activities=[activity("A0", "2026-10-02")]))
    assert_skipped(result, "the median owner of 3 logs no activity on their deals: nothing to compare with")
    assert result.judged == 3


def test_activities_linked_to_no_deal_skip_the_check():
    crm = make_crm([deal(f"x{i}", owner=n) for i, n in enumerate("ABCD" * 5)],
                   activities=[activity("ghost", "2026-10-02") for _ in range(10)])
    result = run_check(OwnerLowLogging, crm)
    assert result.status is Status.SKIPPED and "OF03" in result.skipped_reason


def test_no_owner_with_enough_deals_is_skipped_not_passed():
    result = run_check(OwnerLowLogging, team(owner("Anna", 3, 10)))
    assert_skipped(result, "0 owners with 10+ deals: too few to compare their logging, needs 3")


@pytest.mark.parametrize("seed", range(10))
def test_homogeneous_random_team_stays_quiet(seed):
    # Twelve managers, 10-60 deals each, contacts per deal Poisson(4): nobody is an outlier.
    # (Without the MAD floor and the ratio floor, seeds 4, 7 and 8 raise a false alarm.)
    rng = np.random.default_rng(seed)
    owners = []
    for k in range(12):
        n = int(rng.integers(10, 61))
        owners.append(owner(f"M{k:02d}", n, int(rng.poisson(4, n).sum())))
    assert flagged_ids(run_check(OwnerLowLogging, team(*owners))) == []
