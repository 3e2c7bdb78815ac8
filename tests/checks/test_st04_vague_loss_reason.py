import pytest

from checks.base import RunContext, Status
from checks.sterile.ST04 import VagueLossReason
from tests.builders import AS_OF, assert_skipped, deal, derived, flagged_ids, make_crm, run_check


def lost(i, reason, **kw):
    return deal(i, status="lost", lost_reason=reason, **kw)


def spread(n, start=100):
    """n lost deals with n distinct concrete reasons (no reason dominates)."""
    return [lost(start + i, f"Конкурент {i}") for i in range(n)]


@pytest.mark.parametrize("deals, expected", [
    pytest.param([lost(1, "Другое"), lost(2, "Цена"), lost(3, "-"), lost(4, "Клиент думает")],
                 ["1", "3", "4"], id="vague-reasons-are-flagged"),
    pytest.param([lost(1, None), lost(2, "Цена")], [], id="empty-reason-is-st03s"),
    pytest.param([deal(1, status="won", lost_reason="Другое"), deal(2, status="open", lost_reason="n/a"),
                  lost(3, "Цена")], [], id="only-lost-deals-count"),
    pytest.param([lost(1, "Other"), lost(2, "Chose a competitor"), lost(3, "Not interested")], ["1", "3"],
                 id="english"),
    pytest.param([lost(1, "Другое: купили у конкурента дешевле")], [], id="explained-other-is-fine"),
    pytest.param([lost(1, "Не актуально")], ["1"], id="one-deal"),
])
def test_vague_loss_reason_per_deal(deals, expected):
    result = run_check(VagueLossReason, make_crm(deals))
    assert flagged_ids(result) == expected
    assert result.status is (Status.FAIL if expected else Status.PASS)


@pytest.mark.parametrize("deals, dominant", [
    pytest.param([lost(i, "Цена") for i in range(11)] + spread(9), "Цена", id="55pct-of-20-dominates"),
    pytest.param([lost(i, "Цена") for i in range(10)] + spread(10), None, id="exactly-half-does-not"),
    pytest.param([lost(i, "Цена") for i in range(15)] + spread(4), None, id="below-min-lost"),
    pytest.param([lost(i, "Цена" if i % 2 else "цена.") for i in range(12)] + spread(8), "Цена",
                 id="spellings-are-merged"),
    pytest.param([lost(i, "Цена") for i in range(11)] + spread(9) + [lost(50 + i, None) for i in range(30)],
                 "Цена", id="empty-reasons-not-in-base"),
])
def test_one_reason_covering_most_losses(deals, dominant):
    result = run_check(VagueLossReason, make_crm(deals))
    ds = result.findings[result.findings["entity_type"] == "dataset"]
    if dominant is None:
        assert ds.empty and result.status is Status.PASS
        return
    assert result.status is Status.FAIL
    assert ds["entity_id"].tolist() == ["deals"]
    ev = ds.iloc[0]["evidence"]
    assert ev["lost_reason"] == dominant and ev["lost_with_reason"] == 20
    assert ev["share"] == pytest.approx(ev["deals"] / 20) and ev["share"] > 0.5
    assert dominant in ds.iloc[0]["message"]
    assert result.affected == ev["deals"]


def test_dominant_vague_reason_gives_both_kinds_of_finding():
    deals = [lost(i, "Другое") for i in range(15)] + spread(5)
    result = run_check(VagueLossReason, make_crm(deals))
    kinds = result.findings["entity_type"].value_counts().to_dict()
    assert kinds == {"deal": 15, "dataset": 1}
    assert result.affected == 15 and result.metric == 0.75
    assert "'Другое' alone covers 75%" in result.message


def test_thresholds_are_configurable():
    deals = [lost(i, "Цена") for i in range(4)] + spread(6)
    assert run_check(VagueLossReason, make_crm(deals)).status is Status.PASS
    result = run_check(VagueLossReason, make_crm(deals), max_top_share=0.3, min_lost=10)
    assert result.findings["entity_type"].tolist() == ["dataset"]


def test_config_vocabulary():
    crm = make_crm([lost(1, "Не подошло")])
    assert run_check(VagueLossReason, crm).status is Status.PASS
    ctx = RunContext(as_of=AS_OF, derived=derived(crm), params=dict(VagueLossReason.params), vocab={"vague_reasons": ("не подошло",)})
    assert flagged_ids(VagueLossReason().run(crm, ctx)) == ["1"]


def test_evidence_and_message_name_the_reason():
    f = run_check(VagueLossReason, make_crm([lost(7, "Прочее")])).findings.iloc[0]
    assert f["evidence"] == {"lost_reason": "Прочее", "word": "прочее"}
    assert f["message"] == "loss reason 'Прочее' says nothing about why the deal was lost"


def test_no_lost_deal_with_a_reason_is_skipped_not_passed():
    result = run_check(VagueLossReason, make_crm([deal(1, status="won", lost_reason="x"), lost(2, None)]))
    assert_skipped(result, "none of 1 lost deals gives a loss reason")


def test_too_few_for_the_one_reason_rule_says_so():
    result = run_check(VagueLossReason, make_crm([lost(i, "Цена") for i in range(5)]))
    assert result.status is Status.PASS and result.judged == 5
    assert "too few to judge whether one reason covers most losses, needs 20" in result.message
