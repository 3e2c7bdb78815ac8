"""The stage and pipeline tables the reports render (audit.derived.stage_tables)."""

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from audit.derived.stage_tables import (
    PIPELINE_COLUMNS,
    STAGE_COLUMNS,
    pipelines_table,
    stages_table,
)
from checks.base import PER_STAGE_COUNT, Check, Family, Severity, Status, empty_findings
from checks.stages.SG01 import VagueStage
from checks.stages.SG05 import PersonalPipeline
from checks.stages.SG06 import DuplicatePipelines
from checks.stages.SG07 import DeadStage
from checks.stages.SG08 import ObjectionHubStage
from tests.builders import deal, derived, make_crm, move, run_check

STEPS = ["Заявка", "КП отправлено", "Договор подписан"]


def declared(pipeline, stages):
    rows = [{"pipeline": pipeline, "stage": s, "order": i + 1, "kind": "open"} for i, s in enumerate(stages)]
    return rows + [{"pipeline": pipeline, "stage": "Won", "order": 90, "kind": "won"},
                   {"pipeline": pipeline, "stage": "Lost", "order": 91, "kind": "lost"}]


def path(deal_id, stages, status="open", pipeline="Опт", owner="Anna", amount=1000.0):
    rows = [move(deal_id, b, f"2026-03-{2 * i + 3:02d}", from_stage=a, pipeline=pipeline)
            for i, (a, b) in enumerate(zip(stages, stages[1:], strict=False))]
    return deal(deal_id, stage=stages[-1], status=status, created_at="2026-03-01", pipeline=pipeline,
                owner=owner, amount=amount), rows


def audit_data():
    paths = [path(f"w{i}", [*STEPS, "Won"], "won", owner=("Anna", "Boris")[i % 2]) for i in range(20)]
    # Objections: entered from every step and left back to where the deal came from.
    for i, stage in enumerate(STEPS * 8):
        paths.append(path(f"o{i}", [*STEPS[:STEPS.index(stage) + 1], "Возражения", stage], owner="Boris"))
    paths.append(path("parked", ["Заявка", "Возражения"], owner="Anna", amount=500.0))
    paths.append(path("lost", ["Заявка", "Lost"], "lost"))
    paths += [path(f"r{i}", ["Заявка", "КП отправлено", "Won"], "won", pipeline="Розница") for i in range(3)]
    deals, history = [], []
    for d, h in paths:
        deals.append(d)
        history += h
    pipelines = (declared("Опт", [*STEPS[:2], "Возражения", STEPS[2], "Пилот"])
                 + declared("Розница", STEPS[:2] + ["Договор подписан"]) + declared("Архив", ["Заявка"]))
    return make_crm(deals, history=history, pipelines=pipelines)


def test_stage_rows_carry_numbers_and_verdicts():
    crm = audit_data()
    results = [run_check(c, crm) for c in (VagueStage, DeadStage, ObjectionHubStage)]
    table = stages_table(derived(crm), results)
    assert list(table.columns) == STAGE_COLUMNS
    opt = table[table["pipeline"] == "Опт"].set_index("stage")
    assert opt["order"].tolist() == [1, 2, 3, 4, 5, 6, 7]
    hub = opt.loc["Возражения"]
    assert hub["vague"] is True and hub["hub"] is True and hub["dead"] is False
    assert hub["result_named"] is False and hub["verdict"] == "vague, hub"
    assert hub["deals_now"] == 1 and hub["open_now"] == 1 and hub["amount_now"] == 500.0
    # Declared between КП and Договор: returns to Заявка and КП go back, returns to Договор forward.
    assert hub["entered_from"] == 3 and hub["back_share"] == round(16 / 24, 4)
    assert opt.loc["Пилот", "dead"] is True and opt.loc["Пилот", "verdict"] == "result-named, dead"
    first = opt.loc["Заявка"]
    assert first["result_named"] is True and first["verdict"] == "result-named"
    assert first["median_dwell_days"] == 2.0 and first["stays"] == 20 + 24 + 2 + 8
    won = opt.loc["Won"]
    assert won["verdict"] == "final" and won["result_named"] is None and won["deals_now"] == 20
    assert np.isnan(won["median_dwell_days"])


def test_verdicts_are_none_when_their_checks_did_not_run():
    crm = audit_data()
    table = stages_table(derived(crm), [])
    assert table["vague"].isna().all() and table["hub"].isna().all() and table["dead"].isna().all()
    assert table["rotting_now"].isna().all()
    assert set(table["verdict"].dropna()) == {"final"}


def test_without_history_flow_columns_are_empty():
    crm = make_crm([deal(1, stage="A"), deal(2, stage="A", status="won")])
    table = stages_table(derived(crm), [])
    assert table["deals_now"].sum() == 2
    assert table["median_dwell_days"].isna().all() and table["stays"].isna().all()


def test_empty_order_gives_an_empty_table():
    crm = make_crm([])
    table = stages_table(derived(crm), [])
    assert table.empty and list(table.columns) == STAGE_COLUMNS


def test_pipeline_rows():
    crm = audit_data()
    results = [run_check(c, crm) for c in (PersonalPipeline, DuplicatePipelines)]
    table = pipelines_table(derived(crm), results)
    assert list(table.columns) == PIPELINE_COLUMNS
    rows = table.set_index("pipeline")
    assert sorted(rows.index) == ["Архив", "Опт", "Розница"]
    opt = rows.loc["Опт"]
    assert (opt["deals"], opt["open"], opt["won"], opt["lost"]) == (46, 25, 20, 1)
    assert opt["owners_count"] == 2 and opt["main_owner"] == "Boris"
    assert opt["main_owner_share"] == round(34 / 46, 4) and opt["owner_names"] == ["Boris", "Anna"]
    assert opt["stages"] == 5 and opt["declared"]
    retail = rows.loc["Розница"]
    assert not retail["personal"] and retail["personal"] is not None
    archive = rows.loc["Архив"]
    assert archive["deals"] == 0 and archive["declared"] and pd.isna(archive["main_owner"])


def test_pipeline_twins_and_personal_from_findings():
    rows = [deal(f"a{i}", pipeline="Опт", stage=s, owner=o) for i, (s, o) in
            enumerate([(s, o) for s in STEPS for o in ("Anna", "Boris")])]
    rows += [deal(f"b{i}", pipeline="Опт 2", stage=s, owner="Vera") for i, s in enumerate(STEPS * 4)]
    crm = make_crm(rows)
    table = pipelines_table(derived(crm), [run_check(PersonalPipeline, crm), run_check(DuplicatePipelines, crm)])
    rows = table.set_index("pipeline")
    assert rows.loc["Опт", "twin"] == "Опт 2" and rows.loc["Опт 2", "twin"] == "Опт"
    assert rows.loc["Опт", "similarity"] == 1.0
    assert bool(rows.loc["Опт 2", "personal"]) and not bool(rows.loc["Опт", "personal"])


def test_pipeline_verdicts_are_none_without_their_checks():
    crm = audit_data()
    table = pipelines_table(derived(crm), [])
    assert table["personal"].isna().all() and table["twin"].isna().all() and table["similarity"].isna().all()


def test_tables_read_the_published_verdicts_not_codes_or_findings():
    crm = audit_data()
    vague = run_check(VagueStage, crm)
    # The findings alone say nothing: the same result without its verdicts leaves the column unknown.
    assert stages_table(derived(crm), [replace(vague, verdicts=None)])["vague"].isna().all()
    # Whatever check publishes the column fills it, whatever its code and findings.
    other = replace(vague, code="ZZ99", findings=empty_findings())
    table = stages_table(derived(crm), [other]).set_index(["pipeline", "stage"])
    assert table.loc[("Опт", "Возражения"), "vague"] is True and table.loc[("Опт", "Заявка"), "vague"] is False
    # A check that did not judge publishes nothing.
    skipped = replace(vague, status=Status.SKIPPED)
    assert stages_table(derived(crm), [skipped])["vague"].isna().all()


class _Counting(Check):
    """A stand-in that publishes a count per stage."""

    code, name, family, severity = "ZZ98", "counting", Family.STAGES, Severity.LOW
    verdicts = ("parked_now",)


def test_verdict_tables_count_rows_per_stage_and_keep_their_declared_columns():
    rows = pd.DataFrame({"pipeline": ["A", "A", "A", "B"], "stage": ["x", "x", "y", "x"]})
    table = _Counting().verdict_table(rows, parked_now=PER_STAGE_COUNT)
    assert table.to_dict("records") == [{"pipeline": "A", "stage": "x", "parked_now": 2},
                                        {"pipeline": "A", "stage": "y", "parked_now": 1},
                                        {"pipeline": "B", "stage": "x", "parked_now": 1}]
    result = _Counting().result(judged=4, message="m", verdicts=table)
    assert result.verdicts.columns == ("parked_now",) and result.verdicts.table is table
    # Nothing named: the check judged, and every stage reads 0.
    assert _Counting().result(judged=4, message="m").verdicts.table.empty
    with pytest.raises(ValueError, match="declared"):
        _Counting().result(judged=4, message="m", verdicts=table.rename(columns={"parked_now": "dead"}))
    with pytest.raises(ValueError, match="none declared"):
        _Undeclared().result(judged=1, message="m", verdicts=table)


class _Undeclared(Check):
    code, name, family, severity = "ZZ97", "undeclared", Family.STAGES, Severity.LOW
