import pytest

from checks.base import Status
from checks.stages.SG06 import DuplicatePipelines
from tests.builders import assert_skipped, deal, flagged_ids, make_crm, run_check

BASE = ["Заявка", "Встреча проведена", "КП отправлено", "Договор подписан", "Счёт оплачен"]


def declared(**pipelines):
    rows = []
    for name, stages in pipelines.items():
        name = name.replace("_", " ")
        rows += [{"pipeline": name, "stage": s, "order": i + 1, "kind": "open"} for i, s in enumerate(stages)]
        rows += [{"pipeline": name, "stage": "Успешно реализовано", "order": 90, "kind": "won"},
                 {"pipeline": name, "stage": "Закрыто и не реализовано", "order": 91, "kind": "lost"}]
    return rows


def crm_of(**pipelines):
    deals = [deal(f"d{i}", pipeline=name.replace("_", " "), stage=stages[0])
             for i, (name, stages) in enumerate(pipelines.items())]
    return make_crm(deals, pipelines=declared(**pipelines))


@pytest.mark.parametrize("pipelines, expected", [
    pytest.param({"Опт": BASE, "Розница": BASE}, ["Опт", "Розница"], id="same-steps"),
    pytest.param({"Опт": BASE, "Розница": BASE + ["Доставка"]}, ["Опт", "Розница"], id="one-extra-step-5-of-6"),
    pytest.param({"Опт": BASE, "Розница": BASE[:4] + ["Доставка", "Монтаж"]}, [], id="two-differences-4-of-7"),
    pytest.param({"Опт": BASE, "Проекты": ["Заявка", "Аудит", "Смета", "Договор", "Монтаж"]}, [],
                 id="different-process"),
    pytest.param({"Опт": BASE, "Розница": ["заявка", "Встреча  проведена!", "кп-отправлено", "Договор подписан",
                                           "Счет оплачен"]},
                 ["Опт", "Розница"], id="names-compared-normalized"),
    pytest.param({"Опт": ["Неразобранное", *BASE], "Розница": BASE}, ["Опт", "Розница"],
                 id="inbox-is-not-a-step"),
    pytest.param({"Опт": ["Заявка"], "Розница": ["Заявка"]}, None, id="one-stage-pipelines-not-judged"),
    pytest.param({"Опт": BASE}, None, id="single-pipeline"),
    pytest.param({"Опт": ["Заявка"], "Розница": BASE, "Проекты": ["Бриф", "Смета", "Договор"]}, [],
                 id="one-stage-pipeline-left-out-of-the-comparison"),
])
def test_duplicate_pipelines(pipelines, expected):
    result = run_check(DuplicatePipelines, crm_of(**pipelines))
    if expected is None:  # fewer than two pipelines with two steps: nothing to compare
        assert_skipped(result, "with 2+ open steps: too few to compare pipelines, needs 2")
        return
    assert flagged_ids(result) == expected
    assert result.status is (Status.FAIL if expected else Status.PASS)


def test_each_pipeline_names_its_twin():
    result = run_check(DuplicatePipelines, crm_of(Опт=BASE, Розница=BASE + ["Доставка"]))
    rows = result.findings.set_index("entity_id")
    assert rows.loc["Опт", "evidence"] == {"twin": "Розница", "similarity": 0.833, "shared_stages": 5,
                                           "stages": 5, "twin_stages": 6}
    assert rows.loc["Розница", "evidence"]["twin"] == "Опт"
    assert rows.loc["Опт", "message"] == \
        "pipeline 'Опт' has the same steps as 'Розница' (5 shared of 5 and 6 stages, 83% alike)"
    assert rows.loc["Опт", "pipeline"] == "Опт" and rows.loc["Опт", "entity_type"] == "pipeline"
    assert result.message.startswith("1 pair of pipelines share")


def test_three_alike_pipelines_list_every_twin():
    result = run_check(DuplicatePipelines, crm_of(A=BASE, B=BASE, C=BASE + ["Доставка"]))
    assert flagged_ids(result) == ["A", "B", "C"]
    rows = result.findings.set_index("entity_id")
    assert rows.loc["A", "evidence"]["twin"] == "B" and rows.loc["A", "evidence"]["twins"] == ["B", "C"]
    assert rows.loc["C", "evidence"]["twin"] == "A"
    assert rows.loc["A", "message"].endswith("and 1 more alike")


def test_threshold_is_configurable():
    crm = crm_of(Опт=BASE, Розница=BASE[:4] + ["Доставка", "Монтаж"])
    assert flagged_ids(run_check(DuplicatePipelines, crm, min_similarity=0.5)) == ["Опт", "Розница"]


def test_deals_without_pipeline_are_ignored():
    deals = [deal(i, pipeline=None, stage=s) for i, s in enumerate(BASE)]
    deals += [deal(10 + i, pipeline="Опт", stage=s) for i, s in enumerate(BASE)]
    assert_skipped(run_check(DuplicatePipelines, make_crm(deals)), "1 pipeline with 2+ open steps")


def test_stages_seen_only_in_deals_are_compared_too():
    deals = [deal(f"{p}{i}", pipeline=p, stage=s) for p in ("Опт", "Розница") for i, s in enumerate(BASE)]
    deals += [deal("w", pipeline="Опт", stage="Успешно", status="won")]
    assert flagged_ids(run_check(DuplicatePipelines, make_crm(deals))) == ["Опт", "Розница"]
