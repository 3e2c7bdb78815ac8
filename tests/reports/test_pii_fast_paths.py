"""The shortcut of phone masking (text without a run of digits `_mask_phone` could mask is
returned as it is) never changes what the full substitution gives."""

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


# What findings' messages are made of: dates and times next to phones, money, ids and words.
PIECES = st.lists(st.sampled_from(["2026-11-20", "17:59:59", "2026-11-20 17:59", "20.11.2026", "5/6/26", "T",
                                   "+7 912 345-67-89", "8 912 345 67 89", "89123456789", "(495) 123-45-67",
                                   "+44 20 7946 0958", "1 234 567", "12345678", "1234567890", " ", "-", ".", "+",
                                   "x", "звонок ", "(", ")", "0", "42"]), max_size=8).map("".join)


@settings(max_examples=600, deadline=None)
@given(PIECES)
def test_shortcut_agrees_with_the_substitution_on_message_like_text(text):
    assert mask_phone_text(text) == PHONE.sub(_mask_phone, text)


@settings(max_examples=200, deadline=None)
@given(STAMP)
def test_a_timestamp_is_never_masked(stamp):
    assert mask_phone_text(stamp) == PHONE.sub(_mask_phone, stamp) == stamp


def test_a_phone_is_still_masked():
    assert mask_phone_text("звонок +7 912 345-67-89") == "звонок +* *** ***-**-89"
    assert mask_phone_text("2026-11-20: 8 912 345 67 89") == "2026-11-20: * *** *** ** 89"
