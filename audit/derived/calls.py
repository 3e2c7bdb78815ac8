"""The phone system's calls matched to the CRM's deals: who talked to a deal's contact, when,
and whether the CRM has a trace of it. Shared by OF07-OF09 and the owners table.

Matching is vectorized end to end (a million calls against a hundred thousand deals):

1. Numbers. Calls' `their_number` and contact points are E.164 already (ingestion); the
   contact phones of deals become integer codes (`pd.Index.get_indexer`), so each call finds
   its candidate deals by `searchsorted` on the (number code) column of the sorted pairs and
   is expanded with `np.repeat` - no merge on text, no Python loop over rows.
2. Lifetime. A call belongs to a candidate deal when it falls between the deal's creation and
   its close (as_of for an open deal); several live deals of one number take the call to the
   most recently created one.
3. Trace. A call is logged when one of the number's live deals has an activity within
   `window` before or after it: the activity timeline (audit.derived.deal_index) keeps the
   activities as sorted int64 keys deal_row * span + time slot, so "any activity of deal d in
   [t - w, t + w]" is two `searchsorted` calls on the whole array at once.

A number on more than SHARED_NUMBER deals (a switchboard, a reseller's office) says nothing
about which deal a call was about: its calls match no deal, and they still count as known.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from audit.derived.deal_index import to_int
from audit.model import CrmData
from audit.model.keys import arrow_text, isin, positions
from audit.model.tables import as_labels

if TYPE_CHECKING:
    from audit.derived.tables import Derived

SHARED_NUMBER = 20
_NAT = np.iinfo(np.int64).min
_US = 1_000_000


@dataclass(frozen=True)
class ClientCalls:
    """The calls with a client number of ours (not internal), in log order.

    Columns: started_at, duration_s (talk, 0 when not answered), answered, owner (the manager
    on the call, else missing), their_number. `known` says whether the number belongs to any
    deal's or lead's contact; `code` is the number's code among the deals' phones (-1 none).
    """

    frame: pd.DataFrame
    code: np.ndarray
    known: np.ndarray


@dataclass(frozen=True)
class NumberDeals:
    """Pairs (number code, deal row) of the deals' contact phones, sorted by code. `numbers`
    (the distinct phones, a code's text) stays in Arrow: the calls look their numbers up in it
    with an Arrow hash join, and a hundred thousand Python strings made and turned back into
    Arrow cost 20 ms of OF07's run at a hundred thousand deals."""

    numbers: pa.Array
    pair_code: np.ndarray
    pair_deal: np.ndarray


def has_phones(crm: CrmData) -> bool:
    points = crm.contact_points
    return points is not None and bool(points["kind"].eq("phone").any())


def build_number_deals(d: Derived) -> NumberDeals:
    """The deals' contact phones as (number code, deal row) pairs (`Derived.number_deals`)."""
    points = d.crm.contact_points
    phones = points[points["kind"].eq("phone") & points["deal_id"].notna()] if points is not None else None
    if phones is None or phones.empty:
        return NumberDeals(pa.array([], pa.large_string()), np.zeros(0, np.int64), np.zeros(0, np.int64))
    pos = d.deal_index.positions(phones["deal_id"])
    numbers = arrow_text(phones["value"].astype("str")).filter(pa.array(pos >= 0))
    pos = pos[pos >= 0]
    encoded = pc.dictionary_encode(numbers)
    codes = encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64)
    uniques = encoded.dictionary
    # Distinct (code, deal) pairs sorted by code then deal: one int64 key each, not an axis-1 unique.
    width = int(pos.max()) + 1 if len(pos) else 1
    # A stable sort, then the repeats dropped: the pairs come nearly sorted already (numbers are
    # coded in order of first appearance, and an export lists a deal's phones together), which a
    # merge sort walks in a few passes where np.unique's quicksort took 20 ms at 100,000 deals.
    key = np.sort(codes * width + pos, kind="stable")
    key = key[np.r_[True, key[1:] != key[:-1]]] if len(key) else key
    pair_code, pair_deal = key // width, key % width
    per_number = np.bincount(pair_code, minlength=len(uniques))
    keep = per_number[pair_code] <= SHARED_NUMBER
    return NumberDeals(uniques, pair_code[keep], pair_deal[keep])


def build_client_calls(d: Derived) -> ClientCalls:
    """The calls with a client number (`Derived.client_calls`)."""
    crm = d.crm
    calls = crm.calls
    if calls is None:
        empty = pd.DataFrame(columns=["started_at", "duration_s", "answered", "owner", "their_number"])
        return ClientCalls(empty, np.zeros(0, np.int64), np.zeros(0, bool))
    external = calls["their_number"].notna() & calls["direction"].ne("internal").fillna(True) \
        & calls["started_at"].notna()
    frame = calls.loc[external, ["started_at", "duration_s", "answered", "owner", "their_number"]]
    frame = frame.reset_index(drop=True)
    frame["duration_s"] = frame["duration_s"].fillna(0.0)
    frame["answered"] = frame["answered"].fillna(False).astype(bool)
    # Each distinct number (the labels' categories: audit.model.tables.LABEL_COLUMNS) looked up
    # among the deals' numbers and all known numbers, the answers spread back by the codes.
    numbers_of_calls = as_labels(frame["their_number"])
    distinct = arrow_text(numbers_of_calls.cat.categories)
    at = numbers_of_calls.cat.codes.to_numpy().astype(np.int64)
    points = crm.contact_points
    known_numbers = (points.loc[points["kind"].eq("phone"), "value"] if points is not None
                     else pd.Series([], dtype="str"))
    numbers = d.number_deals.numbers
    deal_code = np.append(positions(distinct, numbers) if len(numbers) else np.full(len(distinct), -1), -1)
    # A deal's number is known; only the others are looked up among every contact's (leads' too).
    known = deal_code >= 0
    other = np.flatnonzero(~known[:-1])
    if len(other):
        known[other] = isin(distinct.take(pa.array(other)), known_numbers)
    return ClientCalls(frame, deal_code[at].astype(np.int64), known[at])


@dataclass(frozen=True)
class Candidates:
    """Every (call, deal) pair of a call with a number of the deal: `call` rows of
    client_calls, `deal` rows of deal_index, and whether the call fell in the deal's life."""

    call: np.ndarray
    deal: np.ndarray
    alive: np.ndarray


def candidates(d: Derived, as_of: pd.Timestamp) -> Candidates:
    """Every (call, deal) pair of a number, and whether the call fell in the deal's life; once
    per run and as_of."""
    return d.shared(_candidates, pd.Timestamp(as_of))


def _candidates(d: Derived, as_of: pd.Timestamp) -> Candidates:
    calls, pairs = d.client_calls, d.number_deals
    code = calls.code
    if not len(code) or not len(pairs.pair_code):
        z = np.zeros(0, np.int64)
        return Candidates(z, z, np.zeros(0, bool))
    # Pairs are sorted by number code: each code's first pair and count, gathered per call.
    per_code = np.bincount(pairs.pair_code, minlength=len(pairs.numbers))
    first_of = np.cumsum(per_code) - per_code
    safe = np.maximum(code, 0)
    start = first_of[safe]
    counts = np.where(code >= 0, per_code[safe], 0)
    if counts.max() <= 1:  # most numbers belong to one deal: no expansion
        call = np.flatnonzero(counts)
        deal = pairs.pair_deal[start[call]]
    else:
        call = np.repeat(np.arange(len(code)), counts)
        offsets = np.arange(len(call)) - np.repeat(np.cumsum(counts) - counts, counts)
        deal = pairs.pair_deal[np.repeat(start, counts) + offsets]
    # Each deal's life, worked out once per deal, then read per pair.
    deals = d.deal_index.deals
    created = to_int(deals["created_at"])
    closed = to_int(deals["closed_at"])
    is_closed = deals["status"].isin(["won", "lost"]).to_numpy(dtype=bool, na_value=False)
    until = np.where(is_closed & (closed != _NAT), closed, to_int(pd.Series([as_of]))[0])
    born = np.where(created != _NAT, created, np.iinfo(np.int64).max)  # no creation date: never alive
    t = to_int(calls.frame["started_at"])[call]
    alive = (t >= born[deal]) & (t <= until[deal])
    return Candidates(call, deal, alive)


@dataclass(frozen=True)
class DealCalls:
    """Per client call: the live deal it belongs to (-1 none) and whether the CRM has a trace.
    Only answered calls are matched (every reader of it judges answered calls only): a missed
    call's deal is -1 and it is not logged."""

    deal: np.ndarray
    logged: np.ndarray


def deal_calls(d: Derived, as_of: pd.Timestamp, window: pd.Timedelta) -> DealCalls:
    """Per client call, its live deal and whether the CRM has a trace within `window`; once per
    run, as_of and window."""
    return d.shared(_deal_calls, pd.Timestamp(as_of), pd.Timedelta(window))


def _deal_calls(d: Derived, as_of: pd.Timestamp, window: pd.Timedelta) -> DealCalls:
    calls, cand = d.client_calls, candidates(d, as_of)
    n = len(calls.frame)
    deal = np.full(n, -1, dtype=np.int64)
    logged = np.zeros(n, dtype=bool)
    # A real log's missed and unanswered calls (a third of a busy sales line's) are never judged:
    # they are left out of the newest-deal reductions and the activity search.
    answered = calls.frame["answered"].to_numpy(dtype=bool)
    live = np.flatnonzero(cand.alive & answered[cand.call])
    if not len(live):
        return DealCalls(deal, logged)
    call, pos = cand.call[live], cand.deal[live]
    # Rows come grouped by call: when no call has two live deals (most numbers have one deal), each
    # row's deal is its call's.
    several = len(call) > 1 and bool((call[1:] == call[:-1]).any())
    deal[call] = _newest_per_call(call, pos, to_int(d.deal_index.deals["created_at"])[pos]) if several else pos
    # A trace on any live deal of the number counts: a manager may log the call on the other one.
    times = calls.frame["started_at"].to_numpy(dtype="datetime64[us]")[call]
    w = np.timedelta64(int(window.total_seconds() * _US), "us")
    hits = _any_activity_between(d, pos, times - w - np.timedelta64(1, "us"), times + w)
    logged[call[hits]] = True
    return DealCalls(deal, logged)


def _newest_per_call(call: np.ndarray, pos: np.ndarray, created: np.ndarray) -> np.ndarray:
    """Per row, the deal that takes its call: the most recently created of the call's live deals,
    the lowest deal row among equals. Rows come grouped by call (as `candidates` makes them), so
    two reductions over the groups find it, without a sort."""
    new_call = np.r_[True, call[1:] != call[:-1]]
    starts, group = np.flatnonzero(new_call), np.cumsum(new_call) - 1
    newest = np.maximum.reduceat(created, starts)
    contender = np.where(created == newest[group], pos, np.iinfo(np.int64).max)
    return np.minimum.reduceat(contender, starts)[group]


def _any_activity_between(d: Derived, pos: np.ndarray, after: np.ndarray, upto: np.ndarray) -> np.ndarray:
    """Whether deal row `pos` has an activity in (after, upto], per row: the first activity key
    past `after` is looked up (one searchsorted on the activity timeline's sorted keys, with the
    queries ordered by deal first: a million random lookups into a few million keys are cache
    misses, ordered ones walk the array once) and compared with `upto`."""
    timeline = d.activity_timeline
    if not len(timeline.keys) or not len(pos):
        return np.zeros(len(pos), dtype=bool)
    lo_key = pos * timeline.span + timeline.slot(after, nat="before")
    hi_key = pos * timeline.span + timeline.slot(upto, nat="after")
    order = _order_by_deal(pos)
    nxt = np.empty(len(pos), dtype=np.int64)
    nxt[order] = np.searchsorted(timeline.keys, lo_key[order], side="right")
    # Keys are sorted: some key lies in (lo_key, hi_key] exactly when the first one past lo_key does.
    found = timeline.keys[np.minimum(nxt, len(timeline.keys) - 1)]
    return (nxt < len(timeline.keys)) & (found <= hi_key) & (pos >= 0)


def _order_by_deal(pos: np.ndarray) -> np.ndarray:
    """A stable order of the rows by deal row (0 <= pos < 2**32): two radix passes over 16-bit
    halves (numpy's stable sort of 16-bit integers is a radix sort, a few ms per million rows;
    a comparison sort of the int64 keys took four times as long). Rows come in log order, so
    in a log kept by time each deal's rows come out by time too, which is what the lookups want
    (any order gives the same answers)."""
    low = np.argsort((pos & 0xFFFF).astype(np.uint16), kind="stable")
    if not len(pos) or int(pos.max()) <= 0xFFFF:
        return low
    return low[np.argsort((pos[low] >> 16).astype(np.uint16), kind="stable")]


def call_owner_codes(d: Derived, deal: np.ndarray) -> tuple[np.ndarray, pd.Index]:
    """The manager of each client call as a code among the deals' owners: the call's own manager
    when the log names one, else the owner of its deal; -1 when neither is known or the manager
    owns no deal."""
    codes, labels = d.owner_codes
    by_call = d.shared(_call_label_codes)
    by_deal = np.where(deal >= 0, codes[np.maximum(deal, 0)], -1) if len(codes) else np.full(len(deal), -1)
    return np.where(by_call >= 0, by_call, by_deal), labels


def call_managers(d: Derived) -> tuple[np.ndarray, pd.Index]:
    """Each client call's manager as a code (-1 none) among the log's managers, once per run:
    a few dozen names over a million calls, hashed once for the owners' columns and OF08."""
    return d.shared(_call_managers)


def _call_managers(d: Derived) -> tuple[np.ndarray, pd.Index]:
    codes, names = pd.factorize(d.client_calls.frame["owner"])
    return codes.astype(np.int64), pd.Index(names, dtype=object)


def _call_label_codes(d: Derived) -> np.ndarray:
    """Position of each client call's manager among the deals' owner labels (-1 none): each
    distinct name is looked up once."""
    labels = d.owner_codes[1]
    codes, names = call_managers(d)
    at = labels.get_indexer(names)
    return np.where(codes >= 0, np.append(at, -1)[np.where(codes >= 0, codes, len(at))], -1).astype(np.int64)


@dataclass(frozen=True)
class CallSettings:
    """The thresholds a client call is judged with (OF07's settings)."""

    as_of: pd.Timestamp
    min_talk_s: float = 60.0
    window_h: float = 24.0


def judged_calls(d: Derived, settings: CallSettings) -> np.ndarray:
    """Answered client calls long enough to count, made before the CRM's moment with the time
    to log them (a call in the last `window_h` before as_of could still be logged)."""
    frame = d.client_calls.frame
    cutoff = settings.as_of - pd.Timedelta(hours=settings.window_h)
    return (frame["answered"].to_numpy(dtype=bool) & (frame["duration_s"].to_numpy(dtype=float) >= settings.min_talk_s)
            & (frame["started_at"] <= cutoff).to_numpy(dtype=bool))


def outside_numbers(d: Derived, min_calls: int, min_talk_s: float, as_of: pd.Timestamp) -> pd.DataFrame:
    """Per (manager, number) that matches no contact of any deal or lead, answered calls up to
    as_of: calls, talk seconds, first and last call; only pairs with at least `min_calls` calls
    and `min_talk_s` of talk in total. Calls without a manager are left out."""
    calls = d.client_calls
    frame = calls.frame
    keep = (~calls.known & frame["answered"].to_numpy(dtype=bool) & (call_managers(d)[0] >= 0)
            & (frame["started_at"] <= as_of).to_numpy(dtype=bool))
    sub = frame[keep]
    if sub.empty:
        return pd.DataFrame(columns=["owner", "their_number", "calls", "talk_s", "first_call", "last_call"])
    # Only the labels these calls use: a groupby over labels sizes its work by their categories.
    sub = sub.assign(**{c: sub[c].cat.remove_unused_categories() for c in ("owner", "their_number")
                        if isinstance(sub[c].dtype, pd.CategoricalDtype)})
    grouped = sub.groupby(["owner", "their_number"], sort=True, observed=True).agg(
        calls=("started_at", "size"), talk_s=("duration_s", "sum"), first_call=("started_at", "min"),
        last_call=("started_at", "max")).reset_index()
    # Labels sort by their categories' order: the pairs are named, and sorted, as text.
    grouped = grouped.astype({"owner": "str", "their_number": "str"}).sort_values(
        ["owner", "their_number"], kind="stable")
    return grouped[(grouped["calls"] >= min_calls) & (grouped["talk_s"] >= min_talk_s)].reset_index(drop=True)


def owner_talk_shares(d: Derived, settings: CallSettings) -> pd.DataFrame:
    """Per owner with judged client talk (answered calls long enough, in a deal's life): the share
    of that talk time that left an activity on the deal (`talk_in_crm_share`, OF07 publishes it
    for the owners table). Owners are the deals' owner labels (`Derived.owner_codes`)."""
    matched = deal_calls(d, settings.as_of, pd.Timedelta(hours=settings.window_h))
    judged = judged_calls(d, settings) & (matched.deal >= 0)
    codes, owner_labels = call_owner_codes(d, matched.deal)
    talk = d.client_calls.frame["duration_s"].to_numpy(dtype=float)
    use = judged & (codes >= 0)
    size = len(owner_labels)
    total = np.bincount(codes[use], weights=talk[use], minlength=size)
    logged = np.bincount(codes[use & matched.logged], weights=talk[use & matched.logged], minlength=size)
    talked = np.flatnonzero(total > 0)
    return pd.DataFrame({"owner": owner_labels.to_numpy(dtype=object)[talked],
                         "talk_in_crm_share": [round(float(x), 4) for x in logged[talked] / total[talked]]})


def off_system_leader(owners: pd.DataFrame) -> tuple[str, float] | None:
    """The owner with the lowest talk_in_crm_share below 1 (ties: the first by name), or None."""
    if owners is None or "talk_in_crm_share" not in owners or owners["talk_in_crm_share"].isna().all():
        return None
    ranked = owners.dropna(subset=["talk_in_crm_share"]).sort_values(["talk_in_crm_share", "owner"], kind="stable")
    first = ranked.iloc[0]
    if first["talk_in_crm_share"] >= 1:
        return None
    return str(first["owner"]), float(first["talk_in_crm_share"])
