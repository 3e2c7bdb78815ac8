"""The call log's parties and directions are labels (audit.model.tables.LABEL_COLUMNS): judged
once per distinct value, picked by codes. These tests pin the pieces that make that exact."""

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from hypothesis import given, settings
from hypothesis import strategies as st

from audit.ingest.profiles.telephony import CHANNEL_PEER, _channel_peers, _extract_arrow
from audit.model.tables import labels_from_codes, relabel


def _peers(channels):
    codes, dictionary = _channel_peers(channels)
    return [dictionary[int(c)].as_py() if c >= 0 else None for c in codes]


def test_labels_from_codes_merges_repeats_drops_unused_and_keeps_missing():
    dictionary = pa.array(["101", "+7916", None, "101", "unused"], pa.large_string())
    labels = labels_from_codes(np.array([0, 3, 1, -1, 2, 0]), dictionary)
    assert isinstance(labels.dtype, pd.CategoricalDtype)
    assert list(labels.cat.categories) == ["101", "+7916"]
    assert labels.tolist()[:3] == ["101", "101", "+7916"]
    assert labels.isna().tolist() == [False, False, False, True, True, False]


def test_labels_from_codes_of_nothing():
    labels = labels_from_codes(np.array([], dtype=np.int64), pa.array([], pa.large_string()))
    assert len(labels) == 0 and isinstance(labels.dtype, pd.CategoricalDtype)


def test_relabel_judges_each_category_once():
    seen = []

    def upper(distinct):
        seen.append(distinct.to_pylist())
        return pc.if_else(pc.equal(distinct, "drop"), pa.scalar(None, pa.large_string()), pc.utf8_upper(distinct))
    labels = pd.Series(["a", "b", "a", None, "drop", "B"], dtype="category")
    out = relabel(labels, upper)
    assert sorted(seen[0]) == ["B", "a", "b", "drop"]
    assert out.tolist()[:3] == ["A", "B", "A"] and out.isna().tolist() == [False, False, False, True, True, False]
    assert out.iloc[5] == "B" and list(out.cat.categories).count("B") == 1  # "b" and "B" became one label


CHANNEL_TEXT = st.text(alphabet="SIPJLocal/-@;0123456789abf ", max_size=24)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.none(), CHANNEL_TEXT), max_size=30))
def test_channel_peers_equal_the_regex_on_the_whole_cleaned_name(names):
    channels = pa.array(names, pa.large_string())
    # What the reader did before: the column cleaned (trimmed, blank missing), the regex on each
    # whole name, its peer trimmed, a blank peer missing.
    cleaned = pa.array([n.strip() or None if n is not None else None for n in names], pa.large_string())
    whole = [p.strip() or None if p is not None else None
             for p in _extract_arrow(cleaned, CHANNEL_PEER).to_pylist()]
    assert _peers(channels) == whole


def test_channel_peers_of_real_channel_names():
    channels = pa.array(["SIP/101-0000002a", "PJSIP/mango-trunk-00000012", "Local/103@from-queue-00000012;1",
                         "DAHDI/1-1", "SIP/ 104 -0000002b", "IAX2/105-1234", None, ""], pa.large_string())
    assert _peers(channels) == [
        "101", "mango", "103", "1", "104", "105", None, None]
