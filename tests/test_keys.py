"""audit.model.keys lookups, and each deal's current stay (audit.derived.flow)."""

import numpy as np
import pandas as pd
import pytest

from audit.derived.flowindex import NAT
from audit.model.keys import integer_ids
from audit.model.keys import isin as isin_text
from audit.model.keys import positions as position_in
from tests.builders import deal, derived, make_crm, move


@pytest.mark.parametrize("values, candidates, expected", [
    pytest.param(["a", "b", None, "c", "a"], ["a", "c", None], [True, False, False, True, True], id="str"),
    pytest.param(["1", "2"], pd.Index(["2"]), [False, True], id="index-candidates"),
    pytest.param([], ["a"], [], id="empty-values"),
    pytest.param(["a"], [], [False], id="no-candidates"),
])
def test_isin_text(values, candidates, expected):
    for dtype in ("str", object):
        got = isin_text(pd.Series(values, dtype=dtype), candidates if isinstance(candidates, pd.Index)
                        else pd.Series(candidates, dtype=dtype))
        assert got.tolist() == expected and got.dtype == bool


def test_position_in_first_occurrence_and_missing():
    values = pd.Series(["a", "b", None, "c", "a"], dtype="str")
    assert position_in(values, pd.Series(["c", "a", "a"], dtype="str")).tolist() == [1, -1, -1, 0, 1]
    assert position_in(values, pd.Series([], dtype="str")).tolist() == [-1] * 5
    assert position_in(pd.Series([], dtype="str"), pd.Series(["a"])).tolist() == []
    assert position_in(pd.Series([7, 8], dtype=object).astype(str), pd.Series(["8"])).tolist() == [-1, 0]


def us(text):
    return np.datetime64(pd.Timestamp(text), "us").astype(np.int64)


def test_current_stay_with_history():
    crm = make_crm([deal(1, stage="B"), deal(2, stage="A", created_at="2026-10-05"), deal(3, stage="C")],
                   history=[move(1, "B", "2026-10-10", from_stage="A"), move(3, "B", "2026-10-03", from_stage="A"),
                            move(3, "D", "2026-10-04", from_stage="B")])
    ix = derived(crm).flow_index
    at, stage = derived(crm).current_stay
    code = {ix.deal_ids[i].as_py(): i for i in range(ix.n_deals)}
    stages = [s.as_py() for s in ix.stages]
    assert at[code["1"]] == us("2026-10-10") and stages[stage[code["1"]]] == "B"
    # never moved: since creation, in its own stage
    assert at[code["2"]] == us("2026-10-05") and stages[stage[code["2"]]] == "A"
    # history ends elsewhere than the deal's stage: the stay says so
    assert at[code["3"]] == us("2026-10-04") and stages[stage[code["3"]]] == "D"


def test_current_stay_without_history_or_dates():
    crm = make_crm([deal(1, stage="B"), deal(2, stage="A", created_at=None)])
    ix = derived(crm).flow_index
    at, stage = derived(crm).current_stay
    code = {ix.deal_ids[i].as_py(): i for i in range(ix.n_deals)}
    assert at[code["1"]] == us("2026-10-01 10:00") and at[code["2"]] == NAT
    assert [ix.stages[stage[code[d]]].as_py() for d in ("1", "2")] == ["B", "A"]


@pytest.mark.parametrize("values, expected", [
    pytest.param(["1", "42", None], [1, 42, None], id="integers"),
    pytest.param(["042", "1"], None, id="leading-zero-stays-text"),
    pytest.param(["+1"], None, id="sign-stays-text"),
    pytest.param(["1a"], None, id="letters"),
])
def test_integer_ids(values, expected):
    got = integer_ids(pd.Series(values, dtype="str"))
    if expected is None:
        assert got is None
    else:
        numbers, present = got
        assert [int(n) if p else None for n, p in zip(numbers, present)] == expected


def test_label_columns_are_categoricals_of_the_same_text():
    from tests.builders import activity
    crm = make_crm([deal(1), deal(2)], activities=[activity(1, "2026-10-02 10:00", owner="Anna", subject=" звонок "),
                                                   activity(2, "2026-10-03 10:00", owner=None, subject="")])
    acts = crm.activities
    assert all(isinstance(acts[c].dtype, pd.CategoricalDtype) for c in ("type", "owner", "subject", "result"))
    assert acts["owner"].tolist()[0] == "Anna" and pd.isna(acts["owner"].tolist()[1])
    assert acts["subject"].tolist()[0] == "звонок" and pd.isna(acts["subject"].tolist()[1])  # trimmed, blank missing


def test_lookups_read_labels_as_their_text():
    from audit.model.tables import as_labels
    text = pd.Series(["b", None, "a", "b"], dtype="str")
    labels = as_labels(text)
    assert isinstance(labels.dtype, pd.CategoricalDtype)
    assert as_labels(pd.Series(["b", None, "a", "b"], dtype=object)).tolist() == labels.tolist()
    np.testing.assert_array_equal(position_in(labels, pd.Series(["a", "b"])), position_in(text, pd.Series(["a", "b"])))
    np.testing.assert_array_equal(isin_text(labels, ["b"]), [True, False, False, True])
