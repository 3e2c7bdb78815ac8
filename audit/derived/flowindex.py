"""Integer-coded deals and stage history: the one sort and the few hash joins behind
stage order (audit.derived.stage_order), moves and stage visits (audit.derived.flow).

At a million deals and a few million history rows every sort, join or groupby on text
costs seconds, so the text columns are encoded once (deal ids, pipelines, stage names,
owners become integer codes in shared vocabularies), history is sorted once by deal and
time, and the derived views are assembled from numpy arrays. Text is materialized only
when a view is built, by taking from the small vocabularies.

Built once per audit (`audit.derived.tables.Derived.flow_index`); read-only for everyone.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from audit.model.keys import arrow_text, integer_ids, lookup
from audit.model import CrmData

NAT = np.iinfo(np.int64).min  # datetime64 NaT viewed as int64
TEXT_DTYPE = pd.StringDtype("pyarrow", na_value=np.nan)  # pandas 3 "str"


def encode(*series: pd.Series) -> tuple[list[np.ndarray], pa.Array]:
    """Codes of several text Series in one shared vocabulary (first appearance order,
    -1 for missing) and the vocabulary itself, in one hash pass."""
    chunks: list[pa.Array] = []
    bounds = [0]
    for s in series:
        arr = arrow_text(s, contiguous=False)
        chunks.extend(arr.chunks if isinstance(arr, pa.ChunkedArray) else [arr])
        bounds.append(bounds[-1] + len(s))
    if bounds[-1] == 0:
        return [np.empty(0, dtype=np.int64) for _ in series], pa.array([], type=pa.large_string())
    chunks = [c for c in chunks if len(c)]
    encoded = pc.dictionary_encode(pa.chunked_array(chunks, type=pa.large_string()))
    dictionary = encoded.chunks[-1].dictionary
    if all(len(c.dictionary) == len(dictionary) for c in encoded.chunks):
        # Arrow encodes a chunked array against one dictionary shared by every chunk.
        codes = np.concatenate([c.indices.fill_null(-1).to_numpy(zero_copy_only=False) for c in encoded.chunks])
    else:  # pragma: no cover - per-chunk dictionaries: encode the concatenation instead
        encoded = pc.dictionary_encode(pa.chunked_array(chunks, type=pa.large_string()).combine_chunks())
        dictionary = encoded.dictionary
        codes = encoded.indices.fill_null(-1).to_numpy(zero_copy_only=False)
    codes = codes.astype(np.int64)
    return [codes[a:b] for a, b in itertools.pairwise(bounds)], dictionary


def encode_ids(deal_ids: pd.Series, history_ids: pd.Series) -> tuple[list[np.ndarray], pa.Array]:
    """`encode(deal_ids, history_ids)`, faster when every id is a plain integer ("18342").

    CRM ids are mostly integers (amoCRM, Bitrix24, HubSpot, Pipedrive): parsed once by
    Arrow, they are matched as int64 instead of hashing millions of strings. Ids that would
    not survive the round trip (leading zeros, signs, letters) take the text path.
    """
    d_int, h_int = integer_ids(deal_ids), integer_ids(history_ids)
    if d_int is None or h_int is None:
        return encode(deal_ids, history_ids)
    (d_val, d_ok), (h_val, h_ok) = d_int, h_int
    d_codes = np.full(len(deal_ids), -1, dtype=np.int64)
    d_rows = np.flatnonzero(d_ok)
    codes, uniques = pd.factorize(d_val[d_rows])
    d_codes[d_rows] = codes
    h_codes = np.full(len(history_ids), -1, dtype=np.int64)
    h_rows = np.flatnonzero(h_ok)
    found = pd.Index(uniques).get_indexer(h_val[h_rows]) if len(uniques) else np.full(len(h_rows), -1)
    orphan = found < 0
    o_codes, o_uniques = pd.factorize(h_val[h_rows][orphan])
    found[orphan] = o_codes + len(uniques)
    h_codes[h_rows] = found
    # Vocabulary: each id's text at its first appearance, deals first (codes are in that order).
    first_deal = d_rows[np.flatnonzero(codes > np.concatenate([[-1], np.maximum.accumulate(codes)[:-1]]))] \
        if len(codes) else d_rows
    o_rows = h_rows[orphan]
    first_orphan = o_rows[np.flatnonzero(o_codes > np.concatenate([[-1], np.maximum.accumulate(o_codes)[:-1]]))] \
        if len(o_codes) else o_rows
    vocab = pa.concat_arrays([arrow_text(deal_ids).take(pa.array(first_deal, type=pa.int64())),
                              arrow_text(history_ids).take(pa.array(first_orphan, type=pa.int64()))])
    return [d_codes, h_codes], vocab


def take_text(vocab: pa.Array, codes: np.ndarray, index: pd.Index | None = None) -> pd.Series:
    """Text Series (pandas 'str') of vocab[codes], missing where code < 0."""
    codes = np.asarray(codes)
    missing = codes < 0
    picked = vocab.take(pa.array(np.where(missing, 0, codes) if len(vocab) else codes,
                                 mask=missing if missing.any() else None)) \
        if len(vocab) else pa.nulls(len(codes), type=pa.large_string())
    values = pd.array(picked, dtype=TEXT_DTYPE) if len(picked) else pd.array([], dtype=TEXT_DTYPE)
    return pd.Series(values, index=index, dtype=TEXT_DTYPE)


def group_starts(keys: np.ndarray) -> np.ndarray:
    """Boolean mask: True where a run of equal keys (a group in a sorted array) begins."""
    first = np.ones(len(keys), dtype=bool)
    if len(keys) > 1:
        first[1:] = keys[1:] != keys[:-1]
    return first


def group_ends(keys: np.ndarray) -> np.ndarray:
    """Boolean mask: True where a run of equal keys ends (the last row of each group)."""
    last = np.ones(len(keys), dtype=bool)
    if len(keys) > 1:
        last[:-1] = keys[1:] != keys[:-1]
    return last


def rank_in_group(first: np.ndarray) -> np.ndarray:
    """0, 1, 2, ... within each run that `first` starts (cumcount without a groupby)."""
    n = len(first)
    if n == 0:
        return np.empty(0, dtype=np.int64)
    idx = np.arange(n)
    start = np.maximum.accumulate(np.where(first, idx, 0))
    return idx - start


@dataclass(frozen=True, eq=False)
class FlowIndex:
    """Deals and stage history as integer arrays.

    Deal code i < n_deals is the i-th distinct deal_id of the deals table (its first row,
    `deal_rows[i]`); codes >= n_deals are history deal ids missing from deals (orphans).
    Pipeline, stage, owner and status codes index their vocabularies (-1 = missing); a
    (pipeline, stage) pair is one `stage key`, pipeline * n_stages + stage. History arrays
    (`h_*`) hold the usable rows (deal_id, to_stage and changed_at set), sorted by deal,
    then time, then export order.
    """

    n_deals: int
    deal_rows: np.ndarray          # row of crm.deals behind each deal code
    deal_ids: pa.Array             # vocabulary of deal ids (deals first, then orphans)
    pipelines: pa.Array
    stages: pa.Array
    owners: pa.Array
    statuses: pa.Array
    deal_pipe: np.ndarray          # per deal code
    deal_stage: np.ndarray
    deal_owner: np.ndarray
    deal_status: np.ndarray
    deal_created: np.ndarray       # int64 µs, NAT when missing
    has_history: bool              # a stage history table was exported
    h_row: np.ndarray              # position of the row in crm.stage_history
    h_deal: np.ndarray
    h_pipe: np.ndarray
    h_from: np.ndarray             # from_stage, filled from the deal's previous to_stage
    h_to: np.ndarray
    h_at: np.ndarray               # int64 µs
    h_first: np.ndarray            # first row of its deal
    deal_key: np.ndarray           # stage keys of the deals' current stages and of history rows
    h_from_key: np.ndarray
    h_to_key: np.ndarray

    @property
    def n_stages(self) -> int:
        return len(self.stages)

    @property
    def key_space(self) -> int:
        """Every stage key is below this."""
        return max(len(self.pipelines), 1) * max(self.n_stages, 1)

    def key(self, pipe: np.ndarray, stage: np.ndarray) -> np.ndarray:
        """(pipeline, stage) codes -> one int64 key; -1 when either is unknown."""
        pipe = np.asarray(pipe, dtype=np.int64)
        stage = np.asarray(stage, dtype=np.int64)
        return np.where((pipe >= 0) & (stage >= 0), pipe * max(self.n_stages, 1) + stage, -1)

    def keys_of(self, frame: pd.DataFrame, pipeline: str = "pipeline", stage: str = "stage") -> np.ndarray:
        """Stage keys of a small frame's (pipeline, stage) text columns (-1 if never seen)."""
        return self.key(lookup(self.pipelines, frame[pipeline]), lookup(self.stages, frame[stage]))

    def key_frame(self, keys: np.ndarray) -> pd.DataFrame:
        """pipeline and stage text of stage keys (small arrays)."""
        keys = np.asarray(keys, dtype=np.int64)
        n = max(self.n_stages, 1)
        return pd.DataFrame({"pipeline": take_text(self.pipelines, np.where(keys >= 0, keys // n, -1)),
                             "stage": take_text(self.stages, np.where(keys >= 0, keys % n, -1))})

    def status_is(self, status: str) -> np.ndarray:
        """Per deal code: its status equals `status`."""
        code = lookup(self.statuses, pd.Series([status], dtype="str"))[0]
        return self.deal_status == code if code >= 0 else np.zeros(self.n_deals, dtype=bool)


def build_flow_index(crm: CrmData) -> FlowIndex:
    """The FlowIndex of the audit's deals and stage history (`Derived.flow_index`)."""
    d = crm.deals
    h = crm.stage_history
    has_history = h is not None
    if h is None:
        h = pd.DataFrame({c: pd.Series(dtype="str") for c in ("deal_id", "pipeline", "from_stage", "to_stage")})
        h["changed_at"] = pd.Series(dtype="datetime64[us]")
    usable = (h["deal_id"].notna() & h["to_stage"].notna() & h["changed_at"].notna()).to_numpy()
    rows = np.flatnonzero(usable)

    (deal_code, h_deal), deal_ids = encode_ids(d["deal_id"], h["deal_id"])
    # Codes are numbered in order of first appearance, deals first: a deals row is the first
    # row of its deal exactly when its code exceeds every code before it.
    prev_max = np.concatenate([[-1], np.maximum.accumulate(deal_code)[:-1]]) if len(deal_code) else deal_code
    deal_rows = np.flatnonzero(deal_code > prev_max)
    n = len(deal_rows)
    (deal_pipe, h_pipe), pipelines = encode(d["pipeline"], h["pipeline"])
    (deal_stage, h_to, h_from), stages = encode(d["stage"], h["to_stage"], h["from_stage"])
    (deal_owner,), owners = encode(d["owner"])
    (deal_status,), statuses = encode(d["status"])
    at = _micros(h["changed_at"])

    if len(rows) < len(h):
        h_deal, h_pipe, h_to, h_from, at = (a[rows] for a in (h_deal, h_pipe, h_to, h_from, at))
    order = sort_by_group_and_time(h_deal, at)
    h_deal, h_pipe, h_to, h_from, at = (a[order] for a in (h_deal, h_pipe, h_to, h_from, at))
    first = group_starts(h_deal)
    # A missing from_stage is the stage the deal's previous change went to.
    prev_to = np.full_like(h_to, -1)
    prev_to[1:] = h_to[:-1]
    h_from = np.where((h_from < 0) & ~first, prev_to, h_from)
    take = (lambda a: a) if n == len(d) else (lambda a: a[deal_rows])
    deal_pipe, deal_stage = take(deal_pipe), take(deal_stage)
    n_stages = max(len(stages), 1)

    def key(pipe: np.ndarray, stage: np.ndarray) -> np.ndarray:
        return np.where((pipe >= 0) & (stage >= 0), pipe * n_stages + stage, -1)

    return FlowIndex(
        n_deals=n, deal_rows=deal_rows, deal_ids=deal_ids, pipelines=pipelines, stages=stages,
        owners=owners, statuses=statuses, deal_pipe=deal_pipe, deal_stage=deal_stage,
        deal_owner=take(deal_owner), deal_status=take(deal_status),
        deal_created=take(_micros(d["created_at"])), has_history=has_history,
        h_row=rows[order], h_deal=h_deal, h_pipe=h_pipe, h_from=h_from, h_to=h_to, h_at=at, h_first=first,
        deal_key=key(deal_pipe, deal_stage), h_from_key=key(h_pipe, h_from), h_to_key=key(h_pipe, h_to),
    )


def sort_by_group_and_time(group: np.ndarray, at: np.ndarray) -> np.ndarray:
    """Stable permutation sorting by group code, then time (int64 µs, no NaT).

    One argsort of a combined int64 key, group * span + time: when that does not fit in
    64 bits the time is coarsened by a power of two, and the result is verified (times must
    not decrease within a group) before it is trusted; np.lexsort, several times slower,
    is the fallback.
    """
    if len(group) == 0:
        return np.empty(0, dtype=np.int64)
    lo = int(at.min())
    offset = at - lo
    span = int(offset.max())
    groups = int(group.max()) + 1
    shift = 0
    while groups * ((span >> shift) + 1) >= 2**62:
        shift += 1
    if shift >= 40:  # coarser than ~13 days: not worth a try
        return np.lexsort((at, group))
    order = np.argsort(group.astype(np.int64) * ((span >> shift) + 1) + (offset >> shift), kind="stable")
    if shift:
        g, t = group[order], at[order]
        if np.any((g[1:] == g[:-1]) & (t[1:] < t[:-1])):
            return np.lexsort((at, group))
    return order


def _micros(values: pd.Series) -> np.ndarray:
    return values.astype("datetime64[us]").to_numpy().view(np.int64).copy()


def to_datetime(micros: np.ndarray, index: pd.Index | None = None) -> pd.Series:
    return pd.Series(np.asarray(micros, dtype=np.int64).view("datetime64[us]"), index=index)


def gather(keys: np.ndarray, table_keys: np.ndarray, table_values: np.ndarray, fill) -> np.ndarray:
    """table_values at the positions of `keys` in `table_keys` (unsorted, unique), `fill` where absent.

    A vectorized dictionary lookup for int64 keys: one sort of the (small) table, one
    binary search per key.
    """
    keys = np.asarray(keys, dtype=np.int64)
    table_keys = np.asarray(table_keys, dtype=np.int64)
    values = np.asarray(table_values)
    out_dtype = np.result_type(values.dtype, np.asarray(fill).dtype) if values.dtype != object else object
    if len(table_keys) == 0 or len(keys) == 0:
        return np.full(len(keys), fill, dtype=out_dtype)
    order = np.argsort(table_keys, kind="stable")
    sorted_keys = table_keys[order]
    pos = np.searchsorted(sorted_keys, keys)
    pos_clipped = np.minimum(pos, len(sorted_keys) - 1)
    found = sorted_keys[pos_clipped] == keys
    out = values[order][pos_clipped].astype(out_dtype, copy=True)
    out[~found] = fill
    return out


def distinct(keys: np.ndarray, space: int | None = None) -> np.ndarray:
    """Sorted distinct non-negative keys: a bincount when they are known to lie below a
    small `space`, else hash-based (`np.unique` would sort them all)."""
    keys = np.asarray(keys, dtype=np.int64)
    keys = keys[keys >= 0]
    if not len(keys):
        return keys
    if space is not None and space <= 20_000_000:
        return np.flatnonzero(np.bincount(keys, minlength=space))
    return np.sort(pd.unique(keys))


@dataclass(frozen=True, eq=False)
class VisitArrays:
    """Every stay of a deal in a stage, grouped by deal, in time order within a deal.

    A deal's first stay starts at its created_at in the from_stage of its first change
    (when the export names one); each change starts a stay in its to_stage; deals the
    history never mentions get one stay in their current stage since created_at.
    """

    deal: np.ndarray
    pipe: np.ndarray
    stage: np.ndarray
    at: np.ndarray           # entered, int64 µs
    hist: np.ndarray         # position in the sorted history arrays, -1 for implied stays
    silent: np.ndarray       # stay of a deal without history rows
    key: np.ndarray          # stage key (FlowIndex.key of pipe, stage)


def build_visit_arrays(ix: FlowIndex) -> VisitArrays:
    """The VisitArrays of a flow index (`Derived.visit_arrays`)."""
    n_h = len(ix.h_deal)
    fpos = np.flatnonzero(ix.h_first)
    has_start = ix.h_from[fpos] >= 0
    start_rows = fpos[has_start]
    mark = np.zeros(n_h, dtype=np.int64)
    mark[start_rows] = 1
    shift = np.cumsum(mark)
    n_start = len(start_rows)
    # Deals of the deals table with no usable history row.
    in_hist = np.bincount(ix.h_deal[ix.h_deal < ix.n_deals], minlength=ix.n_deals) > 0 \
        if ix.n_deals else np.zeros(0, dtype=bool)
    silent_deals = np.flatnonzero(~in_hist) if ix.has_history else np.empty(0, dtype=np.int64)
    silent_deals = silent_deals[(ix.deal_stage[silent_deals] >= 0) & (ix.deal_created[silent_deals] != NAT)]
    total = n_h + n_start + len(silent_deals)

    deal = np.empty(total, dtype=np.int64)
    pipe = np.empty(total, dtype=np.int64)
    stage = np.empty(total, dtype=np.int64)
    at = np.empty(total, dtype=np.int64)
    hist = np.full(total, -1, dtype=np.int64)
    silent = np.zeros(total, dtype=bool)

    pos_h = np.arange(n_h) + shift
    deal[pos_h], pipe[pos_h], stage[pos_h], at[pos_h] = ix.h_deal, ix.h_pipe, ix.h_to, ix.h_at
    hist[pos_h] = np.arange(n_h)
    pos_s = start_rows + shift[start_rows] - 1
    s_deal = ix.h_deal[start_rows]
    created = deal_attr(ix, ix.deal_created, s_deal, NAT)
    first_at = ix.h_at[start_rows]
    deal[pos_s], pipe[pos_s], stage[pos_s] = s_deal, ix.h_pipe[start_rows], ix.h_from[start_rows]
    at[pos_s] = np.where((created != NAT) & (created <= first_at), created, first_at)
    tail = slice(n_h + n_start, total)
    deal[tail], pipe[tail], stage[tail] = silent_deals, ix.deal_pipe[silent_deals], ix.deal_stage[silent_deals]
    at[tail] = ix.deal_created[silent_deals]
    silent[tail] = True
    return VisitArrays(deal=deal, pipe=pipe, stage=stage, at=at, hist=hist, silent=silent,
                       key=ix.key(pipe, stage))


def deal_attr(ix: FlowIndex, values: np.ndarray, deal_codes: np.ndarray, fill) -> np.ndarray:
    """Per-deal array values at deal codes; `fill` for orphans."""
    if ix.n_deals == 0:
        return np.full(len(deal_codes), fill)
    known = deal_codes < ix.n_deals
    picked = values[np.where(known, deal_codes, 0)]
    return np.where(known, picked, fill)
