import pytest

from checks.activity.OF05 import MissingChannel
from checks.base import Status
from tests.builders import assert_skipped, activity, deal, make_crm, run_check


def owner(name, mix, deals=10, no_owner=False):
    """`deals` deals of `name` and activities by type, e.g. {"call": 20, "email": 10}."""
    ds = [deal(f"{name}-{i}", owner=None if no_owner else name) for i in range(deals)]
    acts = [activity(f"{name}-{j % deals}", "2026-10-02", type=t)
            for t, n in mix.items() for j in range(n)]
    return ds, acts


def crm_of(*owners):
    return make_crm([d for ds, _ in owners for d in ds], activities=[a for _, acts in owners for a in acts])


MIX = {"call": 20, "email": 10, "meeting": 4, "task": 6}
TEAM = [owner(n, MIX) for n in ("Anna", "Boris", "Vera", "Gleb")]


def flagged(result):
    return sorted(zip(result.findings["entity_id"], (ev["type"] for ev in result.findings["evidence"])))


@pytest.mark.parametrize("owners, expected", [
    pytest.param(TEAM + [owner("Zed", {"call": 30, "meeting": 5})], [("Zed", "email")], id="no-email"),
    pytest.param(TEAM + [owner("Zed", {"call": 30, "task": 5})], [("Zed", "email"), ("Zed", "meeting")],
                 id="two-channels-missing-two-findings"),
    pytest.param(TEAM + [owner("Zed", {"email": 30, "meeting": 5}), owner("Yan", {"call": 30, "meeting": 5})],
                 [("Yan", "email"), ("Zed", "call")], id="two-owners-different-channels"),
    pytest.param(TEAM + [owner("Zed", {"call": 30, "email": 5, "meeting": 5})], [], id="all-channels-used"),
    pytest.param(TEAM + [owner("Zed", {"call": 30, "email": 10, "meeting": 5, "note": 0})], [],
                 id="a-type-nobody-logs-is-no-channel"),
    pytest.param(TEAM + [owner("Zed", {"call": 30, "email": 10, "meeting": 5})], [],
                 id="missing-task-is-not-a-channel"),
    pytest.param(TEAM + [owner("Zed", {"call": 15})], [], id="too-few-activities-to-judge"),
    pytest.param(TEAM + [owner("Zed", {"call": 30, "meeting": 5}, deals=9)], [], id="too-few-deals-to-judge"),
    pytest.param(TEAM[:2] + [owner("Zed", {"call": 30, "meeting": 5})], None, id="too-few-other-owners"),
    pytest.param(TEAM[:3] + [owner("Gleb", {"call": 30, "meeting": 5}), owner("Zed", {"call": 30, "meeting": 5})],
                 [], id="email-used-by-only-three-of-four-others"),
    pytest.param([owner(n, {"call": 40, "email": 3, "meeting": 4}) for n in ("A", "B", "C", "D")]
                 + [owner("Zed", {"call": 30, "meeting": 5})], [], id="email-a-minor-share-of-the-team"),
    pytest.param(TEAM + [owner("nobody", {"call": 30}, no_owner=True)], [], id="deals-without-owner-left-out"),
])
def test_missing_channel(owners, expected):
    result = run_check(MissingChannel, crm_of(*owners))
    if expected is None:
        assert_skipped(result, "3 owners with 10+ deals and 20+ activities: too few to compare their channels, needs 4")
        return
    assert flagged(result) == expected
    assert result.status is (Status.FAIL if expected else Status.PASS)


def test_evidence_and_message():
    result = run_check(MissingChannel, crm_of(*TEAM, owner("Zed", {"call": 30, "meeting": 5})))
    (row,) = result.findings.to_dict("records")
    assert row["entity_type"] == "owner" and row["owner"] == "Zed"
    assert row["evidence"] == {"type": "email", "owner_activities": 35, "owner_deals": 10,
                               "team_users_share": 1.0, "team_type_share": 0.25, "other_owners": 4}
    assert row["message"] == ("Zed: no e-mail logged on 10 deals (35 other activities), while 4 of 4 "
                              "other owners log it (25% of their activities): mailbox not connected?")


def test_channels_are_configurable():
    crm = crm_of(*TEAM, owner("Zed", {"call": 30, "email": 10, "meeting": 5}))
    assert flagged(run_check(MissingChannel, crm, types=["task"])) == [("Zed", "task")]
    assert flagged(run_check(MissingChannel, crm, types="task")) == [("Zed", "task")]


def test_no_owner_with_enough_work_is_skipped_not_passed():
    result = run_check(MissingChannel, make_crm([deal(1)], activities=[activity(1, "2026-10-02")]))
    assert_skipped(result, "0 owners with 10+ deals and 20+ activities: too few")


def test_activities_linked_to_no_deal_skip_the_check():
    crm = make_crm([deal(f"d{i}", owner=n) for i, n in enumerate("ABCDE" * 4)],
                   activities=[activity("ghost", "2026-10-02", type="call") for _ in range(30)])
    assert run_check(MissingChannel, crm).status is Status.SKIPPED
