import pytest

from checks.base import Status
from checks.sterile.ST02 import OwnerNeverLoses
from tests.builders import assert_skipped, deal, flagged_ids, make_crm, run_check


def record(owner: str, won: int, lost: int) -> list[dict]:
    return ([deal(f"{owner}-w{i}", owner=owner, status="won") for i in range(won)]
            + [deal(f"{owner}-l{i}", owner=owner, status="lost") for i in range(lost)])


# Four ordinary managers losing 6..9 of 20 (30-45 %): the team loses 37.5 %.
TEAM = [d for k, name in enumerate(["Anna", "Boris", "Vera", "Gleb"]) for d in record(name, 14 - k, 6 + k)]


@pytest.mark.parametrize("deals, expected", [
    pytest.param(TEAM + record("Zed", 20, 0), ["Zed"], id="never-loses-is-flagged"),
    pytest.param(TEAM + record("Zed", 14, 0), [], id="too-few-closed-to-judge"),
    pytest.param(TEAM + record("Zed", 57, 3), ["Zed"], id="far-below-team-by-the-test"),
    pytest.param(TEAM + record("Zed", 16, 4), [], id="somewhat-lower-is-normal"),
    pytest.param(TEAM, [], id="ordinary-spread-is-quiet"),
    pytest.param(TEAM + record("Zed", 20, 0) + record("Yan", 20, 0), ["Yan", "Zed"], id="tied-owners-both"),
    pytest.param(record("Solo", 29, 1), [], id="single-owner-has-no-team-to-compare"),
    pytest.param(record("Anna", 20, 0) + record("Boris", 25, 0) + record("Cleo", 3, 1), ["Anna", "Boris"],
                 id="an-owner-below-min-closed-still-counts-in-the-rest"),
    pytest.param(TEAM + [deal(f"n{i}", owner=None, status="won") for i in range(30)], [],
                 id="deals-without-owner-are-left-out"),
    pytest.param(TEAM + record("Zed", 20, 0) + [deal(f"o{i}", owner="Zed", status="open") for i in range(9)],
                 ["Zed"], id="open-deals-do-not-count"),
])
def test_owner_never_loses(deals, expected):
    result = run_check(OwnerNeverLoses, make_crm(deals))
    assert flagged_ids(result) == expected
    assert result.status is (Status.FAIL if expected else Status.PASS)


@pytest.mark.parametrize("deals", [
    pytest.param(record("Anna", 20, 0) + record("Boris", 25, 0) + record("Vera", 15, 0) + record("Gleb", 17, 0)
                 + record("Dana", 16, 0), id="five-owners-none-loses"),
    pytest.param(record("Solo", 30, 0), id="single-owner-never-loses"),
])
def test_a_team_that_never_loses_is_st01s_not_each_owners(deals):
    """Nobody on the team loses: ST01 reports the team; ST02 has no yardstick and says so."""
    result = run_check(OwnerNeverLoses, make_crm(deals))
    assert result.status is Status.SKIPPED and flagged_ids(result) == []
    assert "nobody on the team lost a deal" in result.skipped_reason and "ST01" in result.skipped_reason
    assert result.skipped_reason_ru


def test_zero_rule_needs_the_rest_to_lose():
    # Zed never loses while the rest lose: flagged. Yan never loses and only Yan and Zed are judged:
    # the rest of the team (for each of them) is the other one plus Cleo, who loses.
    deals = record("Zed", 20, 0) + record("Yan", 20, 0) + record("Cleo", 5, 5)
    assert flagged_ids(run_check(OwnerNeverLoses, make_crm(deals))) == ["Yan", "Zed"]


def test_evidence_of_the_binomial_test():
    result = run_check(OwnerNeverLoses, make_crm(TEAM + record("Zed", 57, 3)))
    (ev,) = result.findings["evidence"]
    assert (ev["closed"], ev["lost"]) == (60, 3)
    assert ev["team_lost_share"] == pytest.approx(30 / 80, abs=1e-4)   # the team without Zed
    assert ev["q_value"] <= 0.05 and 0 < ev["p_value"] <= ev["q_value"]
    assert result.findings.loc[0, "entity_type"] == "owner" and result.findings.loc[0, "owner"] == "Zed"


def test_owner_evidence_names_the_team_share():
    (ev,) = run_check(OwnerNeverLoses, make_crm(record("Zed", 20, 0) + record("Cleo", 5, 5))).findings["evidence"]
    assert (ev["closed"], ev["lost"], ev["lost_share"], ev["team_lost_share"]) == (20, 0, 0.0, 0.5)


def test_big_team_small_gap_is_not_flagged():
    # 2000 deals at 35 % lost against 40 %: "significant" with this much data, but not half.
    big = record("Anna", 3000, 2000) + record("Boris", 3000, 2000) + record("Zed", 1300, 700)
    result = run_check(OwnerNeverLoses, make_crm(big))
    assert flagged_ids(result) == []
    assert flagged_ids(run_check(OwnerNeverLoses, make_crm(big), max_share_ratio=0.9)) == ["Zed"]


def test_many_owners_false_alarms_controlled():
    # Twenty owners drawn around the same 40 % rate: the lowest (4 of 20) is not an outlier.
    lost = [4, 5, 6, 6, 7, 7, 8, 8, 8, 8, 8, 8, 9, 9, 10, 10, 11, 11, 12, 13]
    deals = [d for k, n in enumerate(lost) for d in record(f"M{k:02d}", 20 - n, n)]
    assert flagged_ids(run_check(OwnerNeverLoses, make_crm(deals))) == []


def test_no_owner_with_enough_closed_deals_is_skipped_not_passed():
    result = run_check(OwnerNeverLoses, make_crm([deal(1, status="open", owner="Anna")]))
    assert_skipped(result, "no owner has 15 closed deals (the most: 0", "needs 15")


@pytest.mark.parametrize("p", [
    pytest.param([0.01, 0.04, 0.03, 0.2, 0.9], id="mixed"),
    pytest.param([0.5], id="one"),
    pytest.param([0.02, 0.02, 0.02], id="ties"),
    pytest.param([1e-12, 0.049, 0.051, 1.0], id="extremes"),
])
def test_benjamini_hochberg_matches_scipy(p):
    import numpy as np
    from scipy.stats import false_discovery_control

    from checks.stats import benjamini_hochberg
    assert np.allclose(benjamini_hochberg(np.array(p)), false_discovery_control(p, method="bh"))


def test_binomial_p_value_matches_scipy_stats():
    from scipy.stats import binom
    result = run_check(OwnerNeverLoses, make_crm(TEAM + record("Zed", 57, 3)))
    ev = result.findings.loc[0, "evidence"]
    assert ev["p_value"] == pytest.approx(binom.cdf(3, 60, 30 / 80), rel=1e-2)
