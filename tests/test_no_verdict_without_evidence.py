"""No verdict without evidence, as a property of the whole catalogue.

Every check runs (through the runner, as a user's audit does) on exports that give it nothing
or too little to judge: empty tables, a single deal, activities and stage history that link to no
exported deal, and samples just below each check's own minimum. None of them may pass on that
evidence, and every skip names what is missing (in English and Russian), rather than falling
back on the runner's generic net ("nothing to judge: ...").

A single deal is real evidence for the checks that judge one record at a time (a hygiene rule on
that deal, the name of its stage): those may pass, having judged that one deal. A check whose
minimum sample is larger never passes on it.
"""

from __future__ import annotations

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from audit.model import CrmData
from audit.model.findings import Status
from audit.runner import run_audit
from checks import ALL_CHECKS
from tests.builders import activity, deal, frame, lead, make_crm, move

CODES = [c.code for c in ALL_CHECKS]
# Checks that compare or count a sample larger than one record: never a pass on a single deal.
NEEDS_A_SAMPLE = {"ST01", "ST02", "ST07", "ST08", "SG05", "SG06", "SG08", "OF03", "OF05", "FN01", "HY07"}
# Checks that need activities or stage history to name a deal of the export.
NEEDS_THE_LINK = {"ST06", "SG03", "SG04", "SG07", "SG08", "OF01", "OF02", "OF03", "OF04", "OF05", "OF06", "FN01"}
SETTINGS = settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])

STATUSES = st.sampled_from(["open", "won", "lost", None])
STAGES = st.sampled_from(["New", "Proposal", "Думает", "Won", "Lost", "Неразобранное", None])
DAYS = st.integers(min_value=1, max_value=28)
OWNERS = st.sampled_from(["Anna", "Boris", None])


def assert_no_pass_without_evidence(result, *, never_pass=()):
    for c in result.checks:
        assert c.status is not Status.ERROR, (c.code, c.message)
        if c.status is Status.PASS:
            assert c.judged and c.judged > 0, (c.code, c.message)
            assert c.code not in never_pass, (c.code, c.message)
        if c.status is Status.SKIPPED:
            assert c.skipped_reason and c.skipped_reason_ru, c.code
            assert not c.skipped_reason.startswith("nothing to judge"), (c.code, c.skipped_reason)
            assert c.judged is not None and not len(c.findings), c.code


def exported_empty(*tables: str) -> CrmData:
    """Tables exported with their headers and no row."""
    from audit.model import SCHEMA
    return CrmData.build(**{t: frame(t, []) for t in tables},
                         exported={t: tuple(c.name for c in SCHEMA[t]) for t in tables})


@given(st.sets(st.sampled_from(["stage_history", "activities", "leads", "users", "pipelines"])))
@SETTINGS
def test_empty_tables_judge_nothing(others):
    # No row, so no date: the audit date is given (without one the runner stops, see resolve_as_of).
    result = run_audit(exported_empty("deals", *others), as_of="2026-11-20")
    assert_no_pass_without_evidence(result, never_pass=CODES)
    assert result.coverage.judged == 0 and result.scores.overall is None


@st.composite
def single_deal(draw):
    d = deal("only", status=draw(STATUSES), stage=draw(STAGES), owner=draw(OWNERS),
             created_at=f"2026-10-{draw(DAYS):02d} 10:00",
             closed_at=draw(st.one_of(st.none(), DAYS.map(lambda x: f"2026-10-{x:02d} 18:00"))),
             amount=draw(st.one_of(st.none(), st.floats(-100, 1e6, allow_nan=False))),
             lost_reason=draw(st.sampled_from([None, "Price", "Другое"])),
             company=draw(st.sampled_from([None, "Acme"])))
    history = draw(st.sampled_from([None, [], [move("only", "Proposal", "2026-10-29 10:00", from_stage="New")]]))
    acts = draw(st.sampled_from([None, [], [activity("only", "2026-10-29 11:00", result="подумаю")]]))
    leads = draw(st.sampled_from([None, [lead("l1", status="converted", converted_deal_id="only")]]))
    return make_crm([d], history=history, activities=acts, leads=leads,
                    exported={"deals": ("lost_reason",)})


@given(single_deal())
@SETTINGS
def test_a_single_deal_is_no_sample(crm):
    assert_no_pass_without_evidence(run_audit(crm), never_pass=NEEDS_A_SAMPLE)


@st.composite
def rows_linking_to_nothing(draw):
    n = draw(st.integers(min_value=1, max_value=25))
    deals = [deal(f"d{i}", status=draw(STATUSES), owner=draw(OWNERS), stage=draw(STAGES),
                  created_at=f"2026-09-{draw(DAYS):02d}", closed_at=f"2026-10-{draw(DAYS):02d}") for i in range(n)]
    ghost = st.sampled_from(["x1", "x2", "006A", None])
    acts = [activity(draw(ghost), f"2026-10-{draw(DAYS):02d}") for _ in range(draw(st.integers(1, 30)))]
    history = [move(draw(ghost), to, f"2026-10-{draw(DAYS):02d}", from_stage=frm)
               for frm, to in draw(st.lists(st.sampled_from([("New", "Proposal"), ("Proposal", "Won"),
                                                             ("New", "Lost")]), min_size=1, max_size=30))]
    return make_crm(deals, history=history, activities=acts, exported={"activities": ("deal_id",),
                                                                        "stage_history": ("deal_id",)})


@given(rows_linking_to_nothing())
@SETTINGS
def test_rows_that_link_to_nothing_judge_no_deal(crm):
    result = run_audit(crm)
    assert_no_pass_without_evidence(result, never_pass=NEEDS_THE_LINK)
    by_code = {c.code: c for c in result.checks}
    for code in NEEDS_THE_LINK:
        assert by_code[code].status is Status.SKIPPED, (code, by_code[code].message)
    assert by_code["HY06"].status in (Status.FAIL, Status.SKIPPED)   # orphans are findings, never a pass
    st05 = by_code["ST05"]
    assert st05.status is Status.SKIPPED or "only the fast-win rule ran" in st05.message
    assert "rows-link-to-no-deal" in {w.code for w in result.warnings}


# -- samples just below each check's minimum ------------------------------------------------------------

def exported_crm(deals, **kw):
    """The tables as an export with its headers: a column with no value is still exported."""
    exported = {"deals": ("status", "owner", "pipeline", "stage", "company"), **kw.pop("exported", {})}
    return make_crm(deals, exported=exported, **kw)


def closed(n_won: int, n_lost: int, owner: str = "Anna", pipeline: str = "Sales", prefix: str = "") -> list[dict]:
    return ([deal(f"{prefix}{owner}{pipeline}w{i}", status="won", owner=owner, pipeline=pipeline, stage="Won")
             for i in range(n_won)]
            + [deal(f"{prefix}{owner}{pipeline}l{i}", status="lost", owner=owner, pipeline=pipeline, stage="Lost",
                    lost_reason="Price") for i in range(n_lost)])


def below_st01(draw):
    n = draw(st.integers(0, 29))
    won = draw(st.integers(0, n))
    return exported_crm(closed(won, n - won) + [deal(f"o{i}") for i in range(draw(st.integers(0, 40)))]), \
        [f"{n} closed deals", "needs 30"]


def below_st02(draw):
    owners = draw(st.lists(st.integers(0, 14), min_size=1, max_size=5))
    deals = [d for k, n in enumerate(owners) for d in closed(n // 2, n - n // 2, owner=f"O{k}")]
    return exported_crm(deals + [deal("o")]), [f"the most: {max(owners)}", "needs 15"]


def below_st07(draw):
    n = draw(st.integers(0, 29))
    statuses = st.sampled_from(["new", "working", "qualified", "converted", "disqualified"])
    return exported_crm([deal(1)], leads=[lead(f"l{i}", status=draw(statuses)) for i in range(n)],
                    exported={"leads": ("lead_id", "status")}), \
        [f"{n} leads", "needs 30"]


def below_st08(draw):
    n = draw(st.integers(1, 19))
    start = pd.Timestamp("2026-10-05 14:00")
    return exported_crm([deal(f"b{i}", created_at=str(start + pd.Timedelta(seconds=10 * i))) for i in range(n)]), \
        [f"{n} timed records", "needs 20"]


def below_sg05(draw):
    n = draw(st.integers(1, 30))
    return exported_crm([deal(f"p{i}", pipeline=draw(st.sampled_from(["A", "B"])), owner="Anna") for i in range(n)]), \
        ["1 owner in the data", "needs 2"]


def below_sg06(draw):
    steps = draw(st.lists(st.sampled_from(["New", "Demo", "Offer"]), min_size=1, max_size=3, unique=True))
    deals = [deal(f"a{i}", pipeline="A", stage=s) for i, s in enumerate(steps)]
    deals += [deal(f"b{i}", pipeline=f"B{i}", stage="Only") for i in range(draw(st.integers(0, 3)))]
    n = 1 if len(steps) >= 2 else 0
    return exported_crm(deals), [f"{n} pipeline" + ("" if n == 1 else "s") + " with 2+ open steps", "needs 2"]


def below_sg08(draw):
    n = draw(st.integers(1, 19))
    deals = [deal(f"h{i}", stage="Hub") for i in range(n)]
    history = [move(f"h{i}", "Hub", "2026-10-02", from_stage=draw(st.sampled_from(["A", "B", "C"])))
               for i in range(n)]
    return exported_crm(deals, history=history), ["too little traffic"]


def below_of03(draw):
    owners = draw(st.integers(0, 2))
    deals = [deal(f"{k}-{i}", owner=f"O{k}") for k in range(owners) for i in range(10)]
    deals += [deal(f"few{i}", owner="Few") for i in range(draw(st.integers(1, 9)))]
    acts = [activity(d["deal_id"], "2026-10-02") for d in deals]
    return exported_crm(deals, activities=acts), [f"{owners} owners with 10+ deals", "needs 3"]


def below_of05(draw):
    owners = draw(st.integers(1, 3))
    deals = [deal(f"{k}-{i}", owner=f"O{k}") for k in range(owners) for i in range(10)]
    acts = [activity(d["deal_id"], "2026-10-02", type=t) for d in deals for t in ("call", "email")]
    return exported_crm(deals, activities=acts), [f"{owners} owners with 10+ deals and 20+ activities", "needs 4"]


def below_fn01(draw):
    n = draw(st.integers(1, 9))
    deals, history = [], []
    for k, owner in enumerate(["Anna", "Boris"]):
        for i in range(n if k == 0 else 10):
            did = f"{owner}{i}"
            deals.append(deal(did, owner=owner, stage="Demo"))
            history.append(move(did, "Demo", "2026-10-03", from_stage="New"))
    return exported_crm(deals, history=history), ["too few to compare conversion, needs 10"]


def below_hy07(draw):
    named = draw(st.integers(0, 1))
    deals = [deal(f"c{i}", title="Same", company="Acme" if i < named else None) for i in range(draw(st.integers(1, 5)))]
    return exported_crm(deals, exported={"deals": ("company",)}), [f"{min(named, len(deals))} deal" + ("" if min(named, len(deals)) == 1 else "s") + " with a company"]


BELOW = {"ST01": below_st01, "ST02": below_st02, "ST07": below_st07, "ST08": below_st08, "SG05": below_sg05,
         "SG06": below_sg06, "SG08": below_sg08, "OF03": below_of03, "OF05": below_of05, "FN01": below_fn01,
         "HY07": below_hy07}


@given(st.data(), st.sampled_from(sorted(BELOW)))
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_just_below_each_minimum_is_a_skip_that_says_so(data, code):
    crm, words = BELOW[code](data.draw)
    # A sample of no deal holds no date: then the audit date is given (the runner stops without one).
    as_of = None if crm.latest_timestamp() is not None else "2026-11-20"
    (result,) = run_audit(crm, select=[code], as_of=as_of).checks
    assert result.status is Status.SKIPPED, (code, result.message)
    for word in words:
        assert word in result.skipped_reason, (code, word, result.skipped_reason)
    assert result.skipped_reason_ru and any(ch.isdigit() for ch in result.skipped_reason_ru)


def test_every_check_with_a_minimum_is_covered():
    """A check whose settings hold a minimum sample is in BELOW (or says why it is not)."""
    judged_per_record = {"ST04", "SG07"}   # min_lost: the one-reason rule only; period_days: not a sample
    # min_talk_s, min_calls: which calls and numbers count (one call, one number each), not a sample.
    judged_per_record |= {"OF07", "OF08", "OF09"}
    with_minimum = {c.code for c in ALL_CHECKS
                    if any(k.startswith("min_") and k not in ("min_days", "min_similarity", "min_step",
                                                              "min_gap", "min_skipped_share", "min_open_stages",
                                                              "min_source_share", "min_users_share",
                                                              "min_type_share", "min_support")
                           for k in c.params)}
    assert with_minimum - set(BELOW) - judged_per_record == set()
