import itertools

import numpy as np
import pandas as pd
import pytest

from audit.model.findings import FINDING_COLUMNS, RELATED_DEAL, CheckResult, Family, Severity, Status
from audit.derived.scoring import SCORE_EXPLANATION, trust_scores
from checks.catalog import explain_text
from tests.builders import deal, derived, lead, make_crm

SEV = {"high": Severity.HIGH, "medium": Severity.MEDIUM, "low": Severity.LOW, "info": Severity.INFO}


def crm():
    # Anna: 6 deals in Sales; Boris: 2 in Sales and 2 in Retail.
    return make_crm([*(deal(f"a{i}", owner="Anna") for i in range(6)),
                     deal("b1", owner="Boris"), deal("b2", owner="Boris", stage="Proposal"),
                     deal("r1", owner="Boris", pipeline="Retail"), deal("r2", owner="Boris", pipeline="Retail")],
                    leads=[lead(i) for i in range(10)])


def check(code, severity="high", status=Status.FAIL, rows=()):
    rows = [dict(zip(["entity_type", "entity_id", "owner", "pipeline", "stage", RELATED_DEAL], r)) for r in rows]
    frame = pd.DataFrame([{"code": code, "severity": severity, "message": "m",
                           "owner": None, "pipeline": None, "stage": None, "evidence": {}, RELATED_DEAL: None, **r}
                          for r in rows], columns=[*FINDING_COLUMNS, RELATED_DEAL])
    return CheckResult(code=code, name=code.lower(), family=Family.STERILE, severity=SEV[severity],
                       status=status, findings=frame)


def deal_f(did, owner="Anna", pipeline="Sales"):
    return ("deal", did, owner, pipeline, None, None)


def score(results):
    findings = pd.concat([r.findings for r in results], ignore_index=True) if results else pd.DataFrame()
    return trust_scores(derived(crm()), results, findings)


def test_no_failed_check_is_100_everywhere():
    s = score([check("ST03", status=Status.PASS),
               check("ST05", status=Status.SKIPPED), check("ST06", status=Status.ERROR)])
    assert s.overall == 100.0
    assert s.by_owner == {"Anna": 100.0, "Boris": 100.0}
    assert s.by_pipeline == {"Retail": 100.0, "Sales": 100.0}


DATASET = ("dataset", "dataset", None, None, None, None)


@pytest.mark.parametrize("severity, rows, share", [
    pytest.param("high", [DATASET], 1.0, id="high-on-everything"),
    pytest.param("medium", [DATASET], 1.0, id="medium-on-everything"),
    pytest.param("low", [DATASET], 1.0, id="low-on-everything"),
    pytest.param("info", [DATASET], 1.0, id="info-costs-nothing"),
    pytest.param("high", [deal_f("a0")], 0.1, id="high-on-one-deal-in-ten"),
    pytest.param("high", [deal_f("a0"), deal_f("a0")], 0.1, id="a-deal-counts-once"),
    pytest.param("medium", [("pipeline", "Retail", None, "Retail", None, None)], 0.2, id="pipeline-touches-its-deals"),
    pytest.param("medium", [("owner", "Boris", "Boris", None, None, None)], 0.4, id="owner-touches-their-deals"),
    pytest.param("medium", [("owner", "Boris", "Boris", "Retail", "Proposal", None)], 0.2,
                 id="owner-finding-scoped-to-its-pipeline"),
    pytest.param("medium", [("stage", "Sales/Proposal", None, "Sales", "Proposal", None)], 0.1,
                 id="stage-touches-deals-in-it"),
    pytest.param("medium", [("activity", "x9", "Anna", "Sales", None, "a1")], 0.1,
                 id="activity-touches-its-deal"),
    pytest.param("medium", [("lead", str(i), None, None, None, None) for i in range(5)], 0.5,
                 id="leads-count-by-share-of-leads"),
    pytest.param("medium", [("deal", "ghost", None, None, None, None)], 0.0, id="unknown-deal-costs-the-floor"),
])
def test_weights_and_shares(severity, rows, share):
    weight = {"high": 0.2, "medium": 0.1, "low": 0.04, "info": 0.0}[severity]
    expected = round(100 * (1 - weight * (0.25 + 0.75 * share)), 1)
    assert score([check("XX01", severity, rows=rows)]).overall == expected


def test_weights_in_points():
    assert score([check("ST01", "high", rows=[DATASET])]).overall == 80.0
    assert score([check("ST01", "high", rows=[deal_f("a0")])]).overall == 93.5


def test_per_owner_and_pipeline_from_their_own_deals():
    s = score([check("OF01", "high", rows=[deal_f("a0"), deal_f("a1"), deal_f("a2")]),
               check("SG05", "medium", rows=[("pipeline", "Retail", None, "Retail", None, None)])])
    assert s.by_owner["Anna"] == 90.0              # half of Anna's deals touched by a high check
    assert s.by_owner["Boris"] == 95.0             # half of Boris's deals in the flagged pipeline
    assert s.by_pipeline == {"Retail": 90.0, "Sales": round((1 - 0.2 * 3 / 8) * 100, 1)}


def test_owner_untouched_keeps_100():
    assert score([check("OF01", rows=[deal_f("a0")])]).by_owner["Boris"] == 100.0


def test_deterministic_and_order_free():
    results = [check("OF01", rows=[deal_f("a0")]), check("ST01", "medium", rows=[("dataset", "d", None, None, None, None)])]
    assert score(results) == score(results) == score(results[::-1])


FINDING_POOL = [deal_f("a0"), deal_f("a1"), deal_f("b1", "Boris"), deal_f("r1", "Boris", "Retail"),
                ("owner", "Anna", "Anna", None, None, None), ("pipeline", "Retail", None, "Retail", None, None),
                ("activity", "x", "Boris", "Sales", None, "b2")]


def all_scores(s):
    return [s.overall, *s.by_owner.values(), *s.by_pipeline.values()]


@pytest.mark.parametrize("seed", range(8))
def test_more_problems_never_raise_the_score(seed):
    rng = np.random.default_rng(seed)
    codes = ["C1", "C2", "C3"]
    base = {c: [FINDING_POOL[i] for i in rng.choice(len(FINDING_POOL), 2, replace=False)] for c in codes}
    sev = {c: rng.choice(list(SEV)) for c in codes}
    before = score([check(c, sev[c], rows=base[c]) for c in codes[:2]])
    # one more finding in a failed check, and a third check failing
    extra = {**base, "C1": base["C1"] + [FINDING_POOL[int(rng.integers(len(FINDING_POOL)))]]}
    after = score([check(c, sev[c], rows=extra[c]) for c in codes])
    assert all(a <= b for a, b in zip(all_scores(after), all_scores(before)))
    # raising a check's severity never raises the score either
    worse = score([check(c, "high", rows=base[c]) for c in codes[:2]])
    assert all(a <= b for a, b in zip(all_scores(worse), all_scores(before)))


def test_each_extra_failed_check_lowers_the_overall_score():
    scores = [score([check(f"C{i}", "low", rows=[deal_f("a0")]) for i in range(k)]).overall for k in range(6)]
    assert all(a > b for a, b in itertools.pairwise(scores))
    assert all(0 <= s <= 100 for s in scores)


def test_score_stays_in_range_when_everything_fails():
    s = score([check(f"C{i}", "high", rows=[("dataset", "d", None, None, None, None)]) for i in range(40)])
    assert 0.0 <= s.overall < 1.0


def test_no_deals():
    s = trust_scores(derived(make_crm([])), [check("ST01", "high", rows=[("dataset", "d", None, None, None, None)])],
                     pd.DataFrame())
    assert s.overall == 80.0 and s.by_owner == {} and s.by_pipeline == {}


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_explain_score(lang):
    text = explain_text("score", lang)
    assert text == SCORE_EXPLANATION[lang]
    percent = "%" if lang == "en" else "\u00a0%"   # the reader's percent style: "20%", "20 %"
    for needle in ("0-100", f"20{percent}", f"10{percent}", f"4{percent}", "0.25" if lang == "en" else "0,25"):
        assert needle in text
    # Why the overall score can sit below every manager's, and the colour bands, in one place.
    assert ("below every manager's" if lang == "en" else "ниже, чем у любого менеджера") in text
    assert ("below 60 red" if lang == "en" else "ниже 60 — красный") in text


# -- what each failed check weighs, and whom it costs most ---------------------------------------

def test_impacts_count_distinct_deals_touched_in_one_unit():
    results = [check("ST02", rows=[("owner", "Boris", "Boris", None, None, {})]),
               check("OF01", rows=[deal_f("a0"), deal_f("a0"), deal_f("a1"), deal_f("b1", owner="Boris")]),
               check("SG06", "medium", rows=[("pipeline", "Retail", None, "Retail", None, {})]),
               check("ST03", "medium", status=Status.PASS)]
    s = score(results)
    assert set(s.impacts) == {"ST02", "OF01", "SG06"}            # failed checks only
    assert s.impacts["ST02"].deals == 4                          # an owner finding: all his deals
    assert s.impacts["OF01"].deals == 3                          # two findings on a0 count once
    assert s.impacts["SG06"].deals == 2
    assert s.impacts["OF01"].by_owner == {"Anna": 2, "Boris": 1}
    assert s.impacts["SG06"].by_pipeline == {"Retail": 2}
    # The cost is the check's factor in the overall score.
    assert s.impacts["ST02"].cost == pytest.approx(0.20 * (0.25 + 0.75 * 0.4))
    product = np.prod([1 - i.cost for i in s.impacts.values()])
    assert s.overall == pytest.approx(round(product * 100, 1), abs=0.05)


def test_costliest_check_per_owner_prefers_his_own_work_and_per_pipeline_any():
    results = [check("SG06", "medium", rows=[("pipeline", "Sales", None, "Sales", None, {})]),
               check("ST03", "medium", rows=[deal_f("a0")]),
               check("ST02", rows=[("owner", "Boris", "Boris", None, None, {})])]
    s = score(results)
    # SG06 takes more of Anna's score (all her deals) but is about the pipelines, not her work.
    assert s.costliest_by_owner == {"Anna": "ST03", "Boris": "ST02"}
    assert s.costliest_by_pipeline == {"Sales": "SG06", "Retail": "ST02"}  # 10 % x all / 20 % x all


def test_costliest_falls_back_to_any_check_when_none_is_about_his_work():
    s = score([check("SG06", "medium", rows=[("pipeline", "Sales", None, "Sales", None, {})])])
    assert s.costliest_by_owner == {"Anna": "SG06", "Boris": "SG06"}


def test_info_checks_are_counted_but_cost_nothing():
    s = score([check("HY07", "info", rows=[deal_f("a0")])])
    assert s.impacts["HY07"].deals == 1 and s.impacts["HY07"].cost == 0 and s.overall == 100.0
