"""The shortcuts of phone masking (fewer than eight digits, a bare ISO timestamp) never change
what the full substitution gives."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from reports.pii import PHONE, _mask_phone, mask_phone_text

TEXT = st.text(alphabet="0123456789 +-().:/Tx звонок", max_size=40)
STAMP = st.builds(lambda y, mo, d, h, mi, s, sep, frac: f"{y:04d}-{mo:02d}-{d:02d}{sep}{h:02d}:{mi:02d}:{s:02d}{frac}",
                  st.integers(1900, 2100), st.integers(1, 12), st.integers(1, 28), st.integers(0, 23),
                  st.integers(0, 59), st.integers(0, 59), st.sampled_from(["T", " "]),
                  st.sampled_from(["", ".5", ".123456"]))


@settings(max_examples=400, deadline=None)
@given(TEXT)
def test_shortcuts_agree_with_the_substitution_on_any_text(text):
    assert mask_phone_text(text) == PHONE.sub(_mask_phone, text)


@settings(max_examples=200, deadline=None)
@given(STAMP)
def test_a_timestamp_is_never_masked(stamp):
    assert mask_phone_text(stamp) == PHONE.sub(_mask_phone, stamp) == stamp


def test_a_phone_is_still_masked():
    assert mask_phone_text("звонок +7 912 345-67-89") == "звонок +* *** ***-**-89"
