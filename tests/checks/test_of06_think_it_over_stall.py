import pytest

from checks.activity.OF06 import ThinkItOverStall
from checks.base import RunContext, Status
from tests.builders import AS_OF, assert_skipped, activity, deal, derived, flagged_ids, make_crm, move, run_check

# AS_OF is 2026-11-20 18:00; deals are created 2026-10-01 10:00 unless said otherwise.


@pytest.mark.parametrize("deals, acts, expected", [
    pytest.param([deal(1), deal(2)],
                 [activity(1, "2026-10-20", result="Клиент сказал: подумаю"),
                  activity(2, "2026-10-20", result="Отправил КП")],
                 ["1"], id="last-contact-says-think-it-over"),
    pytest.param([deal(1)],
                 [activity(1, "2026-10-10", result="Подумает"), activity(1, "2026-10-20", result="Договор на согласовании")],
                 [], id="a-later-contact-followed-up"),
    pytest.param([deal(1, status="won"), deal(2, status="lost"), deal(3, created_at="2026-11-19 10:00")],
                 [activity(1, "2026-10-20", result="подумаю"), activity(2, "2026-10-20", result="подумаю")],
                 [], id="closed-deals-are-not-stalled"),
    pytest.param([deal(1, created_at="2026-11-10 10:00")],
                 [activity(1, "2026-11-12", result="I'll think about it")],
                 [], id="recent-deal-has-not-stalled-yet"),
    pytest.param([deal(1, created_at="2026-11-06 18:00")], [activity(1, "2026-11-07", result="need to think")],
                 ["1"], id="exactly-min-days-is-flagged"),
    pytest.param([deal(1, created_at="2026-11-06 18:01")], [activity(1, "2026-11-07", result="need to think")],
                 [], id="just-under-min-days-is-quiet"),
    pytest.param([deal(1)],
                 [activity(1, "2026-10-20", result="подумаю"), activity(1, "2026-12-01", result="Счёт оплачен")],
                 ["1"], id="activities-after-as-of-are-ignored"),
    pytest.param([deal(1), deal(2)], [activity(1, "2026-10-20", result="Will get back to you")], ["1"],
                 id="deal-without-activities-is-not-judged"),
    pytest.param([deal(1), deal(2, status="won")],
                 [activity(1, "2026-10-20", result=None), activity(2, "2026-10-20", result="Подумает")],
                 [], id="last-contact-without-text"),
    pytest.param([deal(1), deal(2)],
                 [activity(1, "2026-10-20 12:00", result="Подумает"), activity(1, "2026-10-20 12:00", result="Счёт отправлен"),
                  activity(2, "2026-10-20 12:00", result="Счёт отправлен"), activity(2, "2026-10-20 12:00", result="Подумает")],
                 ["2"], id="tie-at-the-same-time-takes-the-later-row"),
    pytest.param([deal(1), deal(1)], [activity(1, "2026-10-20", result="Подумает")], ["1"],
                 id="duplicate-deal-rows-give-one-finding"),
])
def test_think_it_over_stall(deals, acts, expected):
    result = run_check(ThinkItOverStall, make_crm(deals, activities=acts))
    assert flagged_ids(result) == expected
    assert result.status is (Status.FAIL if expected else Status.PASS)


def test_a_recent_stage_change_means_the_deal_moved():
    crm = make_crm([deal(1), deal(2)],
                   history=[move(1, "КП отправлено", "2026-11-15", from_stage="Квалификация пройдена"),
                            move(2, "КП отправлено", "2026-10-15", from_stage="Квалификация пройдена")],
                   activities=[activity(1, "2026-11-16", result="Подумает"),
                               activity(2, "2026-10-16", result="Подумает")])
    result = run_check(ThinkItOverStall, crm)
    assert flagged_ids(result) == ["2"]
    ev = result.findings.iloc[0]["evidence"]
    assert ev["last_moved_at"] == "2026-10-15T00:00:00" and ev["days_without_move"] == pytest.approx(36.8)


def test_subject_only_and_evidence():
    crm = make_crm([deal(1)], activities=[activity(1, "2026-10-20 12:00", type="email",
                                                   subject="Re: offer - let me think", activity_id="A7")])
    f = run_check(ThinkItOverStall, crm).findings.iloc[0]
    assert f["evidence"] == {"last_contact_at": "2026-10-20T12:00:00", "last_contact": "Re: offer - let me think",
                             "phrase": "let me think", "activity_id": "A7",
                             "last_moved_at": "2026-10-01T10:00:00", "days_without_move": 50.3}
    assert f["message"] == "last contact on 2026-10-20 says 'let me think'; no stage change for 50 days"
    assert f["owner"] == "Anna" and f["stage"] == "Qualified"


def test_subject_and_result_are_read_together():
    crm = make_crm([deal(1)], activities=[activity(1, "2026-10-20", subject="Звонок", result="взял паузу")])
    assert flagged_ids(run_check(ThinkItOverStall, crm)) == ["1"]


def test_without_subject_or_result_the_check_is_skipped():
    crm = make_crm([deal(1)], activities=[activity(1, "2026-10-20")])
    result = run_check(ThinkItOverStall, crm)
    assert result.status is Status.SKIPPED and "subject and result" in result.skipped_reason


def test_min_days_and_vocabulary_are_configurable():
    crm = make_crm([deal(1, created_at="2026-11-15")], activities=[activity(1, "2026-11-16", result="Обещал вернуться")])
    assert run_check(ThinkItOverStall, crm, min_days=3).status is Status.PASS
    ctx = RunContext(as_of=AS_OF, derived=derived(crm), params={"min_days": 3}, vocab={"think_it_over": ("обещал вернуться",)})
    assert flagged_ids(ThinkItOverStall().run(crm, ctx)) == ["1"]


def test_activities_of_no_exported_deal_skip_the_check():
    crm = make_crm([deal(1)], activities=[activity(2, "2026-10-20", result="подумаю")])
    assert_skipped(run_check(ThinkItOverStall, crm), "activities link to no deal")


def test_no_open_deal_is_skipped_not_passed():
    crm = make_crm([deal(1, status="won")], activities=[activity(1, "2026-10-20", result="подумаю")])
    assert_skipped(run_check(ThinkItOverStall, crm), "no open deal whose last move (or creation) is known, of 0")
