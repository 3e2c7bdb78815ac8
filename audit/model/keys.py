"""Fast text keys: the one place Series of ids and labels become Arrow arrays, integer
codes and join positions.

pandas' `map`, `isin` and `get_indexer` on Arrow-backed strings re-hash (or list) millions
of values in Python-facing code: seconds per call at a million deals. Arrow's `index_in`
and `is_in` hash natively, and ids that are plain integers ("18342", as most CRMs number
their deals) are cheaper still as int64. Everything that joins big tables goes through here.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

__all__ = ["arrow_text", "integer_ids", "positions", "isin", "lookup", "per_distinct", "labels_by_code",
           "text_series"]


def arrow_text(values, *, contiguous: bool = True) -> pa.Array | pa.ChunkedArray:
    """Text (a Series, Index, list or Arrow array) as Arrow large strings, without copying
    pandas' Arrow-backed data; missing values stay null. `contiguous=False` may return a
    ChunkedArray (cheaper when the caller does not need one array)."""
    if not isinstance(values, (pa.Array, pa.ChunkedArray)):
        if isinstance(values, (pd.Series, pd.Index)) and isinstance(values.dtype, pd.StringDtype) and len(values):
            values = pa.array(values.array)
        elif isinstance(values, (pd.Series, pd.Index)) and isinstance(values.dtype, pd.CategoricalDtype) \
                and len(values) and pd.api.types.is_string_dtype(values.dtype.categories.dtype):
            # Labels (audit.model.tables.LABEL_COLUMNS): Arrow decodes the codes, no Python objects.
            values = pa.array(values.array).dictionary_decode()
        else:
            values = pa.array(pd.Series(values, dtype=object).where(pd.notna(pd.Series(values, dtype=object)), None),
                              type=pa.large_string(), from_pandas=True)
    if values.type != pa.large_string():
        values = values.cast(pa.large_string())
    if contiguous and isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    return values


def integer_ids(values) -> tuple[np.ndarray, np.ndarray] | None:
    """(int64 values, present mask) when every present value is an integer written the
    canonical way ("42", not "042", "+42" or " 42"), else None: such ids can be matched as
    numbers without ever matching a lookalike by accident."""
    text = arrow_text(values)
    if len(text) == 0:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=bool)
    length = pc.utf8_length(text)
    if pc.any(pc.or_(pc.greater(length, 18), pc.equal(length, 0))).as_py():
        return None
    if pc.any(pc.or_(pc.and_(pc.starts_with(text, "0"), pc.greater(length, 1)),
                     pc.or_(pc.starts_with(text, "+"), pc.starts_with(text, "-")))).as_py():
        return None
    try:
        numbers = pc.cast(text, pa.int64())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    present = numbers.is_valid().to_numpy(zero_copy_only=False)
    return numbers.fill_null(0).to_numpy(zero_copy_only=False).astype(np.int64), present


def positions(values, keys) -> np.ndarray:
    """Position of each value's first occurrence in `keys` (int64), -1 when absent or
    missing: a vectorized join index."""
    if len(values) == 0:
        return np.zeros(0, dtype=np.int64)
    found = pc.index_in(arrow_text(values, contiguous=False), value_set=arrow_text(keys))
    return np.asarray(found.fill_null(-1).to_numpy(zero_copy_only=False), dtype=np.int64)


def isin(values, candidates) -> np.ndarray:
    """`values.isin(candidates)` as a numpy bool array; missing values are False."""
    value_set = pc.unique(pc.drop_null(arrow_text(candidates)))
    hit = pc.is_in(arrow_text(values, contiguous=False), value_set=value_set)
    return np.asarray(pc.fill_null(hit, False).to_numpy(zero_copy_only=False), dtype=bool)


def lookup(vocab: pa.Array, values) -> np.ndarray:
    """Codes of values in a vocabulary (their positions; -1 where absent)."""
    return positions(values, vocab)


def per_distinct(values, compute) -> pa.Array:
    """`compute` run once per distinct value, its answers spread back to every row: a call
    log's million rows hold a few hundred thousand numbers and a few dozen parties.
    `compute` gets the distinct values (Arrow large strings, no nulls) and returns an Arrow
    array as long; missing values stay missing. Arrow hashes and takes natively: no Python
    object per row is ever made."""
    encoded = pc.dictionary_encode(arrow_text(values))
    answers = compute(encoded.dictionary)
    if not isinstance(answers, (pa.Array, pa.ChunkedArray)):
        answers = pa.array(answers, type=pa.large_string())
    return pc.take(answers, encoded.indices)


def labels_by_code(codes: np.ndarray, labels: list[str | None]) -> pa.Array:
    """Text per row from a code per row into a few labels (a code of -1, or a None label,
    is missing): numpy's fixed-width text or an object array of a million rows costs a
    hundred milliseconds to become pandas text, a take from the labels a few."""
    vocab = pa.array([*labels, None], type=pa.large_string())
    codes = np.asarray(codes, dtype=np.int64)
    return vocab.take(pa.array(np.where(codes >= 0, codes, len(labels))))


def text_series(values: pa.Array | pa.ChunkedArray, index: pd.Index | None = None) -> pd.Series:
    """Arrow text as a pandas "str" Series, without a copy."""
    return pd.Series(pd.array(values, dtype="str"), index=index)
