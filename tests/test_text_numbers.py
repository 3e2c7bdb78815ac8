"""Numbers, shares and dates in the reader's language (audit.model.text): one implementation for
the checks' messages and the reports' sentences."""

import math

import pandas as pd
import pytest

from audit.model import text
from audit.model.text import NBSP

N = NBSP


@pytest.mark.parametrize("value, digits, en, ru", [
    pytest.param(0, 0, "0", "0", id="zero"),
    pytest.param(999, 0, "999", "999", id="under-a-thousand"),
    pytest.param(1143, 0, "1,143", f"1{N}143", id="thousands-grouped"),
    pytest.param(1234567.891, 2, "1,234,567.89", f"1{N}234{N}567,89", id="millions-with-decimals"),
    pytest.param(1.70, 2, "1.7", "1,7", id="trailing-zero-dropped"),
    pytest.param(4.854, 2, "4.85", "4,85", id="rounded"),
    pytest.param(-3.65, 2, "−3.65", "−3,65", id="real-minus-sign"),
    pytest.param(-0.2, 0, "0", "0", id="no-minus-zero"),
    pytest.param(None, 0, "—", "—", id="missing"),
    pytest.param(math.nan, 1, "—", "—", id="nan"),
])
def test_num(value, digits, en, ru):
    assert text.num(value, "en", digits) == en and text.num(value, "ru", digits) == ru


@pytest.mark.parametrize("share, en, ru", [
    pytest.param(0.0, "0%", f"0{N}%", id="zero"),
    pytest.param(0.0581, "5.8%", f"5,8{N}%", id="one-decimal-below-ten"),
    pytest.param(0.24, "24%", f"24{N}%", id="whole-from-ten"),
    pytest.param(0.6615, "66%", f"66{N}%", id="rounded-whole"),
    pytest.param(0.006, "0.6%", f"0,6{N}%", id="small"),
    pytest.param(0.0003, "<0.1%", f"<0,1{N}%", id="too-small-but-not-zero"),
    pytest.param(1.0, "100%", f"100{N}%", id="all"),
    pytest.param(None, "—", "—", id="missing"),
])
def test_pct(share, en, ru):
    assert text.pct(share, "en") == en and text.pct(share, "ru") == ru


def test_columns_keep_their_index_and_match_the_scalar_form():
    values = pd.Series([1, 2500, None, -4, 12.5], index=[10, 11, 12, 13, 14])
    for lang in ("en", "ru"):
        out = text.nums(values, lang, 1)
        assert out.index.tolist() == values.index.tolist()
        assert out.tolist() == [text.num(v if v == v else None, lang, 1) for v in values]
    small = pd.Series([1, 3, 25])
    assert text.nums(small, "ru").tolist() == ["1", "3", "25"]
    assert text.pcts(pd.Series([0.5, None]), "ru").tolist() == [f"50{N}%", "—"]


def test_dates():
    assert text.date("2026-11-20 17:59", "en") == "2026-11-20"
    assert text.date("2026-11-20 17:59", "ru", with_time=True) == "20.11.2026 17:59"
    assert text.date(None, "ru") == "" and text.date(pd.NaT, "en") == ""
    stamps = pd.Series(["2026-01-02 10:00", None], index=[5, 6])
    assert text.dates(stamps, "ru").to_dict() == {5: "02.01.2026", 6: ""}
