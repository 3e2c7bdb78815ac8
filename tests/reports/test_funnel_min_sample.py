"""The Funnel sheet greys the cells FN01 does not judge: fewer deals than FN01's
`min_deals` as it ran (config included). Without FN01 nothing is greyed."""

from dataclasses import replace

import pytest

from tests.reports.conftest import all_text, write_book
from tests.reports.sample import sample_result


def _with_entered(entered: int, fn01_params):
    base = sample_result(findings=10)
    funnel = base.funnel.copy()
    cell = (funnel["pipeline"] == "Опт") & (funnel["owner"] == "Смирнова Анна") & (funnel["order"] == 1)
    funnel.loc[cell, "entered"] = entered
    catalogue = dict(base.catalogue)
    if fn01_params is None:
        del catalogue["FN01"]
    else:
        catalogue["FN01"] = replace(catalogue["FN01"], params=tuple(fn01_params.items()))
    return replace(base, funnel=funnel, catalogue=catalogue)


def _cell(wb):
    rows = list(wb["Funnel"].iter_rows())
    header_row = next(i for i, r in enumerate(rows) if r[0].value == "Pipeline: Опт") + 1
    col = [str(c.value).split(" · ")[0] for c in rows[header_row]].index("Смирнова Анна")
    return rows[header_row + 1][col]


@pytest.mark.parametrize("entered, min_deals, grey", [
    pytest.param(15, 20, True, id="below-a-raised-minimum-is-grey"),
    pytest.param(15, 10, False, id="above-the-default-is-judged"),
    pytest.param(5, 5, False, id="at-the-minimum-is-judged"),
])
def test_grey_below_fn01_min_deals_as_run(tmp_path, entered, min_deals, grey):
    _path, wb = write_book(_with_entered(entered, {"min_deals": min_deals, "fdr": 0.05}), tmp_path)
    cell = _cell(wb)
    assert bool(cell.font.i) is grey
    in_scale = any(cell.coordinate in cf.sqref for cf in wb["Funnel"].conditional_formatting)
    assert in_scale is not grey
    assert f"Grey: fewer than {min_deals} deals at the stage." in all_text(wb)


def test_without_fn01_nothing_is_grey_and_the_caption_says_nothing_of_it(tmp_path):
    _path, wb = write_book(_with_entered(3, None), tmp_path)
    assert not _cell(wb).font.i
    assert "Grey:" not in all_text(wb)
