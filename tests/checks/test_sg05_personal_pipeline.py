import pytest

from checks.base import Status
from checks.stages.SG05 import PersonalPipeline
from tests.builders import assert_skipped, deal, flagged_ids, make_crm, run_check


def deals(pipeline, owners, start=0):
    """One deal per owner name in `owners` (repeat a name for several deals)."""
    return [deal(f"{pipeline}-{start + i}", pipeline=pipeline, owner=o) for i, o in enumerate(owners)]


SHARED = deals("Wholesale", ["Anna", "Boris", "Anna", "Boris", "Vera"] * 3)


@pytest.mark.parametrize("rows, expected", [
    pytest.param(SHARED + deals("Anna's leads", ["Boris"] * 10), ["Anna's leads"], id="named-and-worked-by-other"),
    pytest.param(SHARED + deals("Projects", ["Vera"] * 10), ["Projects"], id="ten-deals-one-owner"),
    pytest.param(SHARED + deals("Projects", ["Vera"] * 9), [], id="nine-deals-too-few-to-judge"),
    pytest.param(SHARED + deals("Projects", ["Vera"] * 9 + ["Anna"]), [], id="two-owners-is-shared"),
    pytest.param(SHARED, [], id="shared-pipeline-is-fine"),
    pytest.param(SHARED + deals("Retail", ["Vera"] * 10 + [None] * 5), ["Retail"], id="unowned-deals-do-not-count"),
])
def test_personal_pipeline(rows, expected):
    result = run_check(PersonalPipeline, make_crm(rows))
    assert flagged_ids(result) == expected
    assert result.status is (Status.FAIL if expected else Status.PASS)


@pytest.mark.parametrize("owner, pipeline", [
    pytest.param("Петров Иван", "Воронка Петрова", id="genitive-of-ov-surname"),
    pytest.param("Петрова Анна", "Сделки Петровой", id="feminine-surname-declined"),
    pytest.param("Иван Сидоров", "Клиенты Ивана", id="first-name-genitive"),
    pytest.param("Вишневский Олег", "Клиенты Вишневского", id="sky-surname"),
    pytest.param("Мария Ким", "Воронка Марии", id="first-name-in-iya"),
    pytest.param("Сергей Пушкин", "Пушкин", id="bare-surname"),
    pytest.param("John Smith", "Smith's pipeline", id="english-possessive"),
    pytest.param("Ёлкин Пётр", "воронка ЕЛКИНА", id="case-and-yo"),
])
def test_named_after_an_owner(owner, pipeline):
    rows = SHARED + deals(pipeline, ["Anna", "Boris"]) + [deal("x", owner=owner, pipeline="Wholesale")]
    result = run_check(PersonalPipeline, make_crm(rows))
    assert flagged_ids(result) == [pipeline]
    assert result.findings["owner"].iloc[0] == owner
    assert result.findings["evidence"].iloc[0]["named_after"] == owner


@pytest.mark.parametrize("owner, pipeline", [
    pytest.param("Иван Петров", "Ивановская область", id="adjective-from-a-name"),
    pytest.param("Роман Ким", "Романовы", id="family-name-from-a-first-name"),
    pytest.param("Mark Twain", "Marketing", id="english-prefix"),
    pytest.param("Менеджер 3", "Менеджер", id="generic-account-words"),
    pytest.param("Ли Вэй", "Линия", id="short-words-ignored"),
])
def test_not_named_after_an_owner(owner, pipeline):
    rows = SHARED + deals(pipeline, ["Anna", "Boris"]) + [deal("x", owner=owner, pipeline="Wholesale")]
    assert flagged_ids(run_check(PersonalPipeline, make_crm(rows))) == []


def test_evidence_and_message_for_a_one_owner_pipeline():
    result = run_check(PersonalPipeline, make_crm(SHARED + deals("Projects", ["Vera"] * 12)))
    row = result.findings.iloc[0]
    assert row["message"] == "pipeline 'Projects' is worked by one owner: all 12 deals belong to Vera"
    assert row["entity_type"] == "pipeline" and row["pipeline"] == "Projects" and row["owner"] == "Vera"
    assert row["evidence"] == {"deals": 12, "owners": 1, "top_owner": "Vera", "top_owner_share": 1.0,
                               "reason": "one-owner"}
    assert result.metric == 0.5


def test_named_and_one_owner():
    result = run_check(PersonalPipeline, make_crm(SHARED + deals("Воронка Петрова", ["Петров Иван"] * 10)))
    row = result.findings.iloc[0]
    assert row["evidence"]["reason"] == "named-and-one-owner"
    assert row["message"] == ("pipeline 'Воронка Петрова' is named after owner Петров Иван; "
                              "all 10 deals belong to Петров Иван")


def test_owner_share_is_configurable():
    crm = make_crm(SHARED + deals("Projects", ["Vera"] * 19 + ["Anna"]))
    assert flagged_ids(run_check(PersonalPipeline, crm)) == []
    result = run_check(PersonalPipeline, crm, owner_share=0.9)
    assert flagged_ids(result) == ["Projects"]
    assert result.findings["message"].iloc[0] == \
        "pipeline 'Projects' is worked by one owner: 95% of its 20 deals belong to Vera"


def test_owners_from_the_users_table_count_for_names():
    rows = SHARED + deals("Воронка Орлова", ["Anna", "Boris"])
    crm = make_crm(rows, users=[{"owner": "Орлов Глеб"}])
    assert flagged_ids(run_check(PersonalPipeline, crm)) == ["Воронка Орлова"]


def test_one_person_crm_is_skipped_not_passed():
    crm = make_crm(deals("Sales", ["Anna"] * 20) + deals("Projects", ["Anna"] * 20))
    assert_skipped(run_check(PersonalPipeline, crm),
                   "1 owner in the data: too few to tell a personal pipeline from a shared one, needs 2")


def test_no_named_pipeline_is_skipped():
    crm = make_crm([deal(i, pipeline=None, owner=o) for i, o in enumerate(["Anna", "Boris"])],
                   exported={"deals": ("pipeline",)})
    assert_skipped(run_check(PersonalPipeline, crm), "no deal names a pipeline")


def test_deals_without_pipeline_are_not_a_personal_pipeline():
    rows = SHARED + [deal(f"np{i}", pipeline=None, owner="Vera") for i in range(12)]
    assert flagged_ids(run_check(PersonalPipeline, make_crm(rows))) == []
