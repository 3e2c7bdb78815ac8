import pandas as pd
import pytest

from checks.base import Status
from checks.sterile.ST08 import BulkBackfill
from tests.builders import activity, assert_skipped, deal, flagged_ids, make_crm, run_check

START = pd.Timestamp("2026-10-05 14:00")


def at(seconds: float) -> str:
    return str(START + pd.Timedelta(seconds=seconds))


def burst(n: int, every_s: float, owner: str = "Anna", prefix: str = "", start_s: float = 0, **fields):
    """n deals created `every_s` seconds apart by `owner`."""
    return [deal(f"{prefix}{owner}-{i}", owner=owner, created_at=at(start_s + i * every_s), **fields)
            for i in range(n)]


# Ordinary background: deals created hours apart.
CALM = [deal(f"calm{i}", owner="Boris", created_at=str(START - pd.Timedelta(hours=3 * i + 1)))
        for i in range(30)]


@pytest.mark.parametrize("deals, expected", [
    pytest.param(burst(20, 12), ["Anna"], id="twenty-deals-in-four-minutes"),
    pytest.param(burst(19, 12), [], id="nineteen-is-not-a-burst"),
    pytest.param(burst(20, 16.5), [], id="twenty-spread-over-five-minutes-and-more"),
    pytest.param(burst(20, 300 / 19), ["Anna"], id="exactly-five-minutes-counts"),
    pytest.param(burst(10, 20, "Anna") + burst(10, 20, "Vera", start_s=5), [],
                 id="two-users-interleaved-are-not-one-burst"),
    pytest.param(burst(20, 10, "Anna") + burst(20, 10, "Anna", prefix="later-", start_s=3600),
                 ["Anna", "Anna"], id="separate-bursts-separate-findings"),
    pytest.param(burst(20, 12, "Anna", created_by="Admin"), ["Admin"], id="creator-preferred-over-owner"),
    pytest.param(burst(20, 12, "Anna") + [deal("x", owner="Anna", created_at=None)], ["Anna"],
                 id="undated-record-ignored"),
    pytest.param([], [], id="calm-background-only"),
])
def test_bulk_deals(deals, expected):
    result = run_check(BulkBackfill, make_crm([*CALM, *deals]))
    assert flagged_ids(result) == expected
    assert result.status is (Status.FAIL if expected else Status.PASS)


def test_overlapping_windows_merge_into_one_burst():
    # 60 deals 15 s apart: 15 minutes of steady typing, one burst.
    result = run_check(BulkBackfill, make_crm([*CALM, *burst(60, 15)]))
    assert flagged_ids(result) == ["Anna"]
    ev = result.findings.loc[0, "evidence"]
    assert ev["records"] == 60 and ev["table"] == "deals" and ev["minutes"] == 14.8
    assert ev["first_at"] == "2026-10-05T14:00:00" and ev["last_at"] == "2026-10-05T14:14:45"
    assert ev["sample_ids"] == [f"Anna-{i}" for i in range(10)]
    assert result.findings.loc[0, "owner"] == "Anna" and result.affected == 60


def test_date_only_export_is_not_judged():
    # Dates without times: Anna's 25 deals of 5 October all read 00:00:00.
    busy_day = [deal(f"d{i}", owner="Anna", created_at="2026-10-05") for i in range(25)]
    other_days = [deal(f"e{i}", owner="Boris", created_at=f"2026-10-{1 + i % 9:02d}") for i in range(20)]
    result = run_check(BulkBackfill, make_crm(busy_day + other_days))
    assert_skipped(result, "no record could be timed", "no time of day", "00:00:00")


def test_fixed_placeholder_time_is_left_out_of_a_timed_table():
    # A CRM that stamps imported deals 00:03:00 (on many dates) besides properly timed ones.
    stamped = [deal(f"s{i}", owner="Anna", created_at=f"2026-10-{1 + i % 3:02d} 00:03") for i in range(60)]
    timed = [deal(f"t{i}", owner="Boris", created_at=str(START + pd.Timedelta(minutes=37 * i)))
             for i in range(100)]
    result = run_check(BulkBackfill, make_crm(stamped + timed + burst(20, 12, "Vera")))
    assert flagged_ids(result) == ["Vera"]
    assert "60 deals at fixed times of day such as 00:03:00 left out" in result.message


def test_one_import_at_one_second_is_a_burst():
    # A spreadsheet pasted in at once: every record has the same second, on one date only.
    pasted = [deal(f"p{i}", owner="Anna", created_at="2026-10-05 16:20:05") for i in range(30)]
    assert flagged_ids(run_check(BulkBackfill, make_crm(CALM + pasted))) == ["Anna"]


def test_activities_by_owner_created_at_first():
    notes = [activity("d1", at=str(START - pd.Timedelta(days=i)), type="note", owner="Vera",
                      created_at=at(i * 5)) for i in range(25)]
    result = run_check(BulkBackfill, make_crm(CALM, activities=notes))
    assert flagged_ids(result) == ["Vera"]
    assert result.findings.loc[0, "evidence"]["table"] == "activities"
    assert result.findings.loc[0, "evidence"]["sample_ids"] == [a["activity_id"] for a in notes[:10]]


def test_activities_fall_back_to_at():
    calls = [activity("d1", at=at(i * 5), type="call", owner="Vera") for i in range(25)]
    assert flagged_ids(run_check(BulkBackfill, make_crm(CALM, activities=calls))) == ["Vera"]


def test_mail_and_tasks_are_batched_by_design():
    mails = [activity("d1", at=at(i), type=t, owner="Vera") for i in range(30) for t in ("email", "task")]
    assert flagged_ids(run_check(BulkBackfill, make_crm(CALM, activities=mails))) == []
    assert flagged_ids(run_check(BulkBackfill, make_crm(CALM, activities=mails),
                                 activity_types=["email"])) == ["Vera"]


def test_thresholds_from_params():
    crm = make_crm([*CALM, *burst(10, 60)])
    assert flagged_ids(run_check(BulkBackfill, crm)) == []
    assert flagged_ids(run_check(BulkBackfill, crm, min_records=10, window_minutes=10)) == ["Anna"]


def test_fewer_records_than_a_burst_is_skipped_not_passed():
    assert_skipped(run_check(BulkBackfill, make_crm([deal(1)])),
                   "1 timed records: too few to hold a burst, needs 20")
    result = run_check(BulkBackfill, make_crm(CALM))
    assert result.status is Status.PASS and result.judged == len(CALM)


@pytest.mark.parametrize("prune", [True, False], ids=["hour-cells-pruned", "everything-sorted"])
def test_bursts_match_brute_force(prune, monkeypatch):
    import numpy as np

    from checks.sterile import ST08
    if not prune:
        monkeypatch.setattr(ST08, "_busy", lambda codes, seconds, *_: np.arange(len(seconds)))
    rng = np.random.default_rng(7)
    codes = rng.integers(0, 3, 400)
    seconds = np.sort(rng.integers(0, 4 * 3600, 400))
    seconds[100:130] = 5000 + np.arange(30) * 7          # a planted burst, whoever typed it
    codes[100:130] = 1
    ticks = (seconds + 1_700_000_000) * 1_000_000
    found, positions = ST08._bursts(codes, ticks, 300, 20)
    # Brute force: a record is in a burst when some window of 300 s of its user that holds it
    # holds 20 records.
    expected = set()
    for i in range(len(codes)):
        same = np.flatnonzero(codes == codes[i])
        for start in seconds[same]:
            inwin = same[(seconds[same] >= start) & (seconds[same] <= start + 300)]
            if len(inwin) >= 20 and i in inwin:
                expected.add(i)
                break
    assert set(positions.tolist()) == expected
    assert found["records"].sum() == len(expected) and 30 <= len(expected)
