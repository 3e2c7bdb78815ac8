"""Fast lookups for checks that join big tables: text keys and each deal's current stay.

pandas' `isin` and `map` on Arrow-backed strings are slow at the scale the catalogue must
handle (isin first builds a Python list of the candidates; map re-hashes the whole index
and checks it is unique): about 2 s each for 5,000,000 activities against 400,000 deals.
pyarrow's `is_in` / `index_in` hash the keys natively and return positions a check can use
with plain numpy. Deal-level facts are read from the shared integer flow index
(`audit.flowindex`), so no check joins on text deal ids it does not have to.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from audit.flowindex import NAT, flow_index, group_ends, visit_arrays
from audit.model import CrmData

__all__ = ["isin_text", "position_in", "current_stay"]


def _arrow(values, *, contiguous: bool = False) -> pa.Array | pa.ChunkedArray:
    """Text as Arrow large strings without copying pandas' Arrow-backed data; `contiguous`
    for a value set (pyarrow wants one array there)."""
    if not isinstance(values, (pa.Array, pa.ChunkedArray)):
        if isinstance(values, (pd.Series, pd.Index)) and isinstance(values.dtype, pd.StringDtype) and len(values):
            values = pa.array(values.array)
        else:
            values = pa.array(np.asarray(values, dtype=object), type=pa.large_string(), from_pandas=True)
    if values.type != pa.large_string():
        values = values.cast(pa.large_string())
    if contiguous and isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    return values


def isin_text(values: pd.Series, candidates) -> np.ndarray:
    """`values.isin(candidates)` as a numpy bool array; missing values are False."""
    value_set = pc.unique(pc.drop_null(_arrow(candidates, contiguous=True)))
    hit = pc.is_in(_arrow(values), value_set=value_set)
    return np.asarray(pc.fill_null(hit, False).to_numpy(zero_copy_only=False), dtype=bool)


def position_in(values: pd.Series, keys) -> np.ndarray:
    """For each value, the position of its first occurrence in `keys` (a Series, Index or
    Arrow array), -1 when absent or missing: a vectorized join index."""
    if len(values) == 0:
        return np.zeros(0, dtype=np.int64)
    pos = pc.index_in(_arrow(values), value_set=_arrow(keys, contiguous=True))
    return np.asarray(pc.fill_null(pos, -1).to_numpy(zero_copy_only=False), dtype=np.int64)


def current_stay(crm: CrmData) -> tuple[np.ndarray, np.ndarray]:
    """Per deal code of `flow_index(crm)`: when the deal entered the stage it is in now
    (int64 µs: its last stage change, or created_at when history never moved it; NAT when
    unknown) and that stay's stage code (in flow_index's stage vocabulary, -1 unknown).

    Without stage history: created_at and the deal's own stage. The stay's stage can
    differ from the deal's stage when the exported history is incomplete; callers that
    report time in the current stage should check they agree. Memoized per audit.
    """
    def compute() -> tuple[np.ndarray, np.ndarray]:
        ix = flow_index(crm)
        at = ix.deal_created.copy()
        stage = ix.deal_stage.copy()
        if ix.has_history:
            v = visit_arrays(crm)
            ends = group_ends(v.deal)
            deal = v.deal[ends]
            known = deal < ix.n_deals
            at[deal[known]] = v.at[ends][known]
            stage[deal[known]] = v.stage[ends][known]
        return at, stage
    return crm.memo("checks.keys.current_stay", compute)

