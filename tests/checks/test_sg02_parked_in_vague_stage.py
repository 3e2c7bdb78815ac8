import pytest

from checks.base import RunContext, Status
from checks.stages.SG02 import ParkedInVagueStage
from tests.builders import AS_OF, assert_skipped, deal, derived, flagged_ids, make_crm, move, run_check


@pytest.mark.parametrize("deals, expected", [
    pytest.param([deal(1, stage="Возражения"), deal(2, stage="КП отправлено"), deal(3, stage="Думает")],
                 ["1", "3"], id="open-deals-in-vague-stages"),
    pytest.param([deal(1, stage="Прочее", status="lost"), deal(2, stage="Other", status="won"),
                  deal(3, stage="КП отправлено")], [], id="closed-deals-are-not-parked"),
    pytest.param([deal(1, stage="Возражения отработаны"), deal(2, stage="Неразобранное")], [],
                 id="result-name-and-inbox-are-quiet"),
    pytest.param([deal(1, stage="Pending")], ["1"], id="one-deal"),
    pytest.param([deal(1, stage=None), deal(2, stage="Proposal sent")], [], id="missing-stage"),
    pytest.param([deal(1, stage="Pending", status="lost")], None, id="no-open-deals"),
])
def test_parked_in_vague_stage(deals, expected):
    result = run_check(ParkedInVagueStage, make_crm(deals))
    if expected is None:
        assert_skipped(result, "no open deal among 1 deals")
        return
    assert flagged_ids(result) == expected
    assert result.status is (Status.FAIL if expected else Status.PASS)


def test_message_counts_deals_and_amount():
    crm = make_crm([deal(1, stage="Думает", amount=1500.0), deal(2, stage="Думает", amount=2500.0),
                    deal(3, stage="Счёт выставлен", amount=9000.0), deal(4, stage="Думает", status="won")])
    result = run_check(ParkedInVagueStage, crm)
    assert result.message == "2 of 3 open deals (67%) worth 4,000 USD sit in stages that name no result"
    assert result.metric == pytest.approx(0.6667)


def test_mixed_currencies_are_said_to_be_mixed():
    crm = make_crm([deal(1, stage="Думает", currency="RUB"), deal(2, stage="Думает", currency="USD")])
    assert "(mixed currencies)" in run_check(ParkedInVagueStage, crm).message


def test_days_in_stage_from_history():
    crm = make_crm(
        [deal(1, stage="Возражения"), deal(2, stage="Возражения"), deal(3, stage="Думает")],
        history=[move(1, "Возражения", "2026-11-10 18:00", from_stage="КП отправлено"),
                 # history's last stage is not the deal's stage: the stay's length is unknown
                 move(2, "КП отправлено", "2026-11-01 18:00", from_stage="Квалификация пройдена")],
    )
    f = run_check(ParkedInVagueStage, crm).findings.set_index("entity_id")
    assert f.loc["1", "evidence"]["days_in_stage"] == 10.0
    assert f.loc["1", "message"] == "open deal sits in vague stage 'Возражения' for 10 days"
    assert "days_in_stage" not in f.loc["2", "evidence"]
    assert f.loc["2", "message"] == "open deal sits in vague stage 'Возражения'"
    # deal 3 never moved: it sits in its stage since created_at (2026-10-01 10:00)
    assert f.loc["3", "evidence"]["days_in_stage"] == pytest.approx(50.3)
    assert f.loc["3", "evidence"]["stage"] == "Думает" and f.loc["3", "evidence"]["word"] == "думает"


def test_without_history_no_days_are_claimed():
    f = run_check(ParkedInVagueStage, make_crm([deal(1, stage="On hold")])).findings.iloc[0]
    assert f["evidence"] == {"stage": "On hold", "word": "on hold"}
    assert f["owner"] == "Anna" and f["pipeline"] == "Sales"


def test_config_vocabulary():
    crm = make_crm([deal(1, stage="Ждём оплату")])
    assert run_check(ParkedInVagueStage, crm).status is Status.PASS
    ctx = RunContext(as_of=AS_OF, derived=derived(crm), vocab={"vague_stages": ("ждем оплат*",)})
    assert flagged_ids(ParkedInVagueStage().run(crm, ctx)) == ["1"]
