"""Integer links between the big tables, built once per audit (`audit.derived.tables.Derived`).

Hashing millions of text deal ids is the expensive part of joining activities or stage
visits to deals, so the activity, funnel and scorecard code shares these positions and
codes (`Derived.deal_index`, `activity_positions`, `history_positions`, `owner_codes`,
`activity_timeline`) instead of each merging on `deal_id`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pyarrow as pa

from audit.derived.flowindex import take_text
from audit.model.keys import arrow_text, integer_ids, positions
from audit.model import CrmData

if TYPE_CHECKING:
    from audit.derived.tables import Derived

NO_OWNER = "(no owner)"  # label of deals without an owner in tables and scores
_NAT = np.iinfo(np.int64).min


@dataclass(frozen=True, eq=False)
class DealIndex:
    deals: pd.DataFrame            # one row per deal_id, first occurrence, index 0..n-1
    _ids: pa.Array                 # the deal ids as Arrow text (the lookup's value set)
    _numeric: pd.Index | None      # the ids as int64 when every one is a plain integer text

    def positions(self, ids: pd.Series) -> np.ndarray:
        """Row of each id in `deals` (int64), -1 for ids not in deals or missing."""
        if len(ids) == 0:
            return np.zeros(0, dtype=np.int64)
        if self._numeric is not None:
            # Most CRMs number their deals: an integer hash lookup is twice as fast as text.
            numbers = _integers(ids)
            if numbers is not None:
                return self._numeric.get_indexer(numbers).astype(np.int64)
        return positions(ids, self._ids)


def _integers(values) -> np.ndarray | None:
    """int64 of canonical integer ids, missing values as a number no id has; None otherwise."""
    found = integer_ids(values)
    if found is None:
        return None
    numbers, present = found
    return np.where(present, numbers, _NAT)


def build_deal_index(crm: CrmData) -> DealIndex:
    # Rows without a deal_id link to nothing (HY01 reports them). The rest keep their first
    # row, in order: row i here is deal code i of audit.derived.flowindex, so arrays from either line up.
    deals = crm.deals
    if deals["deal_id"].isna().any():
        deals = deals[deals["deal_id"].notna()]
    text = arrow_text(deals["deal_id"])
    numbers = _integers(text) if len(text) else None
    # Integer ids are checked for repeats as numbers, a cheaper hash than text.
    repeated = (pd.Index(numbers).duplicated() if numbers is not None
                else deals["deal_id"].duplicated().to_numpy())
    if repeated.any():
        deals, text = deals[~repeated], text.filter(pa.array(~repeated))
        numbers = numbers[~repeated] if numbers is not None else None
    deals = deals.reset_index(drop=True)
    numeric = pd.Index(numbers) if numbers is not None else None
    return DealIndex(deals=deals, _ids=text, _numeric=numeric)


def contiguous_positions(d: Derived, deal_ids: pd.Series) -> np.ndarray:
    """`positions` for a column whose equal ids sit next to each other (a table sorted by
    deal, like audit.derived.flow's views): looks up one id per run instead of every row."""
    n = len(deal_ids)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    values = deal_ids.reset_index(drop=True)
    starts = np.flatnonzero(values.ne(values.shift()).to_numpy(dtype=bool, na_value=True))
    run_pos = d.deal_index.positions(values.iloc[starts])
    lengths = np.diff(np.append(starts, n))
    return np.repeat(run_pos, lengths)


def build_move_positions(d: Derived) -> np.ndarray:
    """The deal row of every row of `Derived.moves`, -1 for unknown deals."""
    m, ix = d.moves, d.flow_index
    # moves are built from the flow index's sorted history arrays, row for row: their deal
    # codes are the positions. Checked on a sample, with a lookup as the fallback.
    if len(ix.h_deal) == len(m):
        sample = np.unique(np.linspace(0, max(len(m) - 1, 0), num=min(len(m), 64)).astype(np.int64))
        same = (take_text(ix.deal_ids, ix.h_deal[sample]).to_numpy(dtype=object)
                == m["deal_id"].iloc[sample].to_numpy(dtype=object))
        if same.all():
            return np.where(ix.h_deal < ix.n_deals, ix.h_deal, -1).astype(np.int64)
    return contiguous_positions(d, m["deal_id"])


def build_link_positions(d: Derived, table: str) -> np.ndarray:
    """The deal row (in `Derived.deal_index.deals`) of every row of `activities` or
    `stage_history`, -1 for rows that link to no exported deal."""
    frame = d.crm.table(table)
    if frame is None:
        return np.zeros(0, dtype=np.int64)
    return d.deal_index.positions(frame["deal_id"])


def build_owner_codes(d: Derived) -> tuple[np.ndarray, pd.Index]:
    """(code per deal row, owner labels): deals without an owner get the code of NO_OWNER."""
    owners = d.deal_index.deals["owner"].fillna(NO_OWNER)
    codes, labels = pd.factorize(owners, sort=True)
    return codes.astype(np.int64), pd.Index(labels, dtype=object)


def build_status_codes(d: Derived) -> np.ndarray:
    """Each deal row's status as 0 open, 1 won, 2 lost (anything else, or none, counts as open)."""
    status = d.deal_index.deals["status"]
    won = status.eq("won").to_numpy(dtype=bool, na_value=False)
    lost = status.eq("lost").to_numpy(dtype=bool, na_value=False)
    return np.where(won, 1, np.where(lost, 2, 0)).astype(np.int64)


def impossible_deals(d: Derived, as_of: pd.Timestamp | None = None) -> np.ndarray:
    """Per deal row: impossible dates (closed before created; created or closed after `as_of`,
    when given) or a negative amount. HY03 and HY04 count these deals; statistics leave them out
    where they would distort them (cycle times, win rates), so no table shows a negative duration."""
    deals = d.deal_index.deals
    created, closed = deals["created_at"], deals["closed_at"]
    bad = (closed < created) | (deals["amount"] < 0)
    if as_of is not None:
        bad = bad | (created > as_of) | (closed > as_of)
    return bad.to_numpy(dtype=bool, na_value=False).copy()


def to_int(values: pd.Series | np.ndarray) -> np.ndarray:
    """Datetimes as int64 microseconds; NaT as int64 min."""
    arr = np.asarray(values, dtype="datetime64[us]")
    return arr.view(np.int64)


@dataclass(frozen=True)
class ActivityTimeline:
    """Sorted keys deal_row * span + time_slot of the activities with a known deal and time.

    Time is kept in slots of `unit` microseconds (1 us when the data allow, coarser for huge
    spans so the key fits in int64; the unit always divides a second, so times read back
    are exact to the second). Slot 0 is "before every activity", slot span-1 "after".
    """

    keys: np.ndarray
    span: int
    t0: int
    unit: int

    def slot(self, times: pd.Series | np.ndarray, nat: str = "before") -> np.ndarray:
        """Time slot of each time; NaT maps to the first slot ('before') or the last ('after')."""
        t = to_int(times)
        missing = t == _NAT
        rel = np.where(missing, 0, t) - self.t0
        # Clip in microseconds first: far-off dates must not overflow the key.
        rel = np.clip(rel, -self.unit, (self.span - 2) * self.unit)
        slot = np.clip(rel // self.unit + 1, 0, self.span - 1)
        slot[missing] = 0 if nat == "before" else self.span - 1
        return slot

    def count_between(self, pos: np.ndarray, after, upto) -> np.ndarray:
        """Activities of deal row `pos` dated in (after, upto]; NaT `after` means no lower bound."""
        lo = np.searchsorted(self.keys, pos * self.span + self.slot(after, nat="before"), side="right")
        hi = np.searchsorted(self.keys, pos * self.span + self.slot(upto, nat="after"), side="right")
        return np.where(pos >= 0, np.maximum(hi - lo, 0), 0)

    def last_upto(self, pos: np.ndarray, times) -> np.ndarray:
        """Time (datetime64[us], NaT when none) of the deal's last activity at or before `times`."""
        out = np.full(len(pos), _NAT, dtype=np.int64)
        if len(self.keys):
            key = pos * self.span + self.slot(times, nat="after")
            j = np.searchsorted(self.keys, key, side="right") - 1
            hit = self.keys[np.maximum(j, 0)]
            found = (pos >= 0) & (j >= 0) & (hit // self.span == pos)
            out[found] = self.t0 + (hit[found] % self.span - 1) * self.unit
        return out.view("datetime64[us]")


def build_timeline(d: Derived) -> ActivityTimeline:
    """The ActivityTimeline of the audit's activities (`Derived.activity_timeline`)."""
    crm = d.crm
    pos = d.activity_positions
    n_deals = max(len(d.deal_index.deals), 1)
    if crm.activities is None or not len(pos):
        return ActivityTimeline(keys=np.zeros(0, dtype=np.int64), span=3, t0=0, unit=1)
    t = to_int(crm.activities["at"])
    ok = (pos >= 0) & (t != _NAT)
    if not ok.any():
        return ActivityTimeline(keys=np.zeros(0, dtype=np.int64), span=3, t0=0, unit=1)
    t, pos = t[ok], pos[ok]
    second = 1_000_000
    t0 = int(t.min()) // second * second
    width = int(t.max()) - t0
    limit = (2 ** 62) // n_deals
    for unit in (1, 10, 100, 1_000, 10_000, 100_000, 1_000_000):
        span = width // unit + 3
        if span <= limit:
            break
    else:  # pragma: no cover - a span of millions of years
        unit, span = second, limit
    slots = np.minimum((t - t0) // unit + 1, span - 2)
    keys = pos * span + slots
    keys.sort()
    return ActivityTimeline(keys=keys, span=int(span), t0=t0, unit=unit)


def value_codes(values: pd.Series) -> tuple[np.ndarray, pd.Index]:
    """(code per row, labels) of a low-cardinality text column; missing values get -1."""
    if len(values) == 0:
        return np.zeros(0, dtype=np.int64), pd.Index([], dtype=object)
    encoded = arrow_text(values).dictionary_encode()
    codes = encoded.indices.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64)
    return codes, pd.Index(encoded.dictionary.to_pylist(), dtype=object)
