import pytest

from checks.base import RunContext, Status
from checks.stages.SG01 import VagueStage
from tests.builders import AS_OF, assert_skipped, deal, derived, flagged_ids, make_crm, move, run_check


@pytest.mark.parametrize("deals, expected", [
    pytest.param([deal(1, stage="Возражения"), deal(2, stage="КП отправлено")], ["Sales/Возражения"],
                 id="objections-stage-is-flagged"),
    pytest.param([deal(1, stage="Думает"), deal(2, stage="Thinking it over", pipeline="Export"),
                  deal(3, stage="In progress", pipeline="Export")],
                 ["Export/In progress", "Export/Thinking it over", "Sales/Думает"], id="ru-and-en"),
    pytest.param([deal(1, stage="Возражения отработаны"), deal(2, stage="Objections handled")], [],
                 id="result-stating-names-are-quiet"),
    pytest.param([deal(1, stage="Первичный контакт"), deal(2, stage="Договор подписан"),
                  deal(3, stage="Proposal sent")], [], id="result-named-funnel-is-quiet"),
    pytest.param([deal(1, stage="Неразобранное"), deal(2, stage="Incoming leads", pipeline="Kommo"),
                  deal(3, stage="Встреча назначена")], [], id="inbox-is-not-a-stage"),
    pytest.param([deal(1, stage="Прочее", status="lost"), deal(2, stage="Прочее", status="lost"),
                  deal(3, stage="Встреча назначена")], [], id="final-stage-is-not-judged"),
    pytest.param([deal(1, stage="Pending"), deal(2, stage="Pending", pipeline="B")],
                 ["B/Pending", "Sales/Pending"], id="one-finding-per-pipeline-and-stage"),
    pytest.param([deal(1, stage="On hold")], ["Sales/On hold"], id="one-deal"),
    pytest.param([deal(1, stage="Pending", pipeline=None)], ["(no pipeline)/Pending"], id="no-pipeline"),
])
def test_vague_stage(deals, expected):
    result = run_check(VagueStage, make_crm(deals))
    assert flagged_ids(result) == expected
    assert result.status is (Status.FAIL if expected else Status.PASS)
    assert set(result.findings["entity_type"]) <= {"stage"}


def test_evidence_counts_deals_now_and_word():
    crm = make_crm([deal(1, stage="Возражения клиента"), deal(2, stage="Возражения клиента"),
                    deal(3, stage="Возражения клиента", status="won"), deal(4, stage="Счёт выставлен")])
    f = run_check(VagueStage, crm).findings.iloc[0]
    assert f["evidence"] == {"word": "возражения", "deals_now": 3, "open_deals_now": 2}
    assert f["pipeline"] == "Sales" and f["stage"] == "Возражения клиента" and f["owner"] is None
    assert "Возражения клиента" in f["message"] and "3 deals" in f["message"]


def test_stage_known_only_from_history_is_flagged_with_no_deals():
    crm = make_crm([deal(1, stage="Договор подписан")],
                   history=[move(1, "Follow-up", "2026-10-02", from_stage="Квалификация пройдена"),
                            move(1, "Договор подписан", "2026-10-10", from_stage="Follow-up")])
    result = run_check(VagueStage, crm)
    assert flagged_ids(result) == ["Sales/Follow-up"]
    assert result.findings.iloc[0]["evidence"]["deals_now"] == 0


def test_declared_pipeline_stages_are_judged():
    crm = make_crm([deal(1, stage="Заявка получена")],
                   pipelines=[{"pipeline": "Sales", "stage": "Заявка получена", "order": 1, "kind": "open"},
                              {"pipeline": "Sales", "stage": "В работе", "order": 2, "kind": "open"},
                              {"pipeline": "Sales", "stage": "Другое", "order": 3, "kind": "lost"}])
    assert flagged_ids(run_check(VagueStage, crm)) == ["Sales/В работе"]


def test_config_vocabulary_extends_and_overrides():
    crm = make_crm([deal(1, stage="Ждём оплату"), deal(2, stage="Ожидание оплаты")])
    assert flagged_ids(run_check(VagueStage, crm)) == ["Sales/Ожидание оплаты"]
    ctx = RunContext(as_of=AS_OF, derived=derived(crm), params={},
                     vocab={"vague_stages": ("ждем оплат*",), "result_stages": ("ожидание оплаты",)})
    assert flagged_ids(VagueStage().run(crm, ctx)) == ["Sales/Ждём оплату"]


def test_metric_and_message():
    crm = make_crm([deal(1, stage="Думает"), deal(2, stage="КП отправлено"), deal(3, stage="Неразобранное")])
    result = run_check(VagueStage, crm)
    assert result.metric == 0.5  # the inbox is not counted as an open stage
    assert result.message.startswith("1 of 2 open stages")


def test_missing_stage_values_pass_and_no_open_stage_is_skipped():
    result = run_check(VagueStage, make_crm([deal(1, stage=None), deal(2, stage="Счёт выставлен")]))
    assert result.status is Status.PASS and result.judged == 1
    empty = make_crm([deal(1, stage="x")])
    empty = type(empty).build(deals=empty.deals.iloc[:0])
    assert_skipped(VagueStage().run(empty, RunContext(as_of=AS_OF, derived=derived(empty))), "no open stage to judge")
    only_inbox = make_crm([deal(1, stage="Неразобранное")])
    assert_skipped(run_check(VagueStage, only_inbox), "every stage in the export is final (won or lost) or an inbox")


def test_pipedrive_stage_where_most_deals_were_won_is_still_an_open_stage():
    # Pipedrive keeps a won deal in its last open stage: "In progress" holding won deals is a
    # stage of the process with a vague name, not a "won stage" to skip.
    deals = [deal(i, stage="In progress", status="won") for i in range(1, 6)] + [deal(6, stage="In progress"),
                                                                                   deal(7, stage="Proposal sent")]
    assert flagged_ids(run_check(VagueStage, make_crm(deals))) == []  # read as a won stage
    assert flagged_ids(run_check(VagueStage, make_crm(deals, stages_all_open=True))) == ["Sales/In progress"]
