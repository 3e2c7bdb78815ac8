"""HY07's search for twins: per deal, the closest earlier deal of the same client with the
same or a similar title, created within a window and still open at the deal's creation.

Equal titles are found with one sort by client, title and time; similar ones only between
the few distinct titles of a client, then mapped back to their deals, so a big client's
hundreds of deals never become millions of pairs.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from checks.hygiene._titles import Stems, concat_ranges, sorted_unique, stem_dice, title_signatures


def find_twins(deals: pd.DataFrame, keys: dict[str, np.ndarray], window: pd.Timedelta, threshold: float,
               neighbors: int, contact: np.ndarray | None = None,
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, int]:
    """Per deal row: the row of its twin (-1: none), their title similarity, days between their
    creation, and which of `keys` matched (its index); plus the number of pairs compared.

    The twin is the most similar, then the closest, earlier deal of the same party with a title
    similarity >= threshold, created at most `window` before and still open at the deal's
    creation. By contact, the companies must not differ; by company, with `contact` (codes),
    neither may the contacts. Equal titles (the same set of word stems) first: blocks of
    (party, title), one sort, each deal looking back from its predecessor. Then similar titles,
    for deals still without an equal one: pairs of distinct titles of one party
    (`similar_title_pairs`), each deal looking back through the deals of the other title.
    """
    n = len(deals)
    created = deals["created_at"].to_numpy()
    closed = deals["closed_at"].to_numpy()
    sig, stems = title_signatures(deals["title"])
    ids = pa.array(deals["deal_id"].array)
    # Creation order as a rank (ties by row): block * n + rank sorts by block, then time.
    rank = np.empty(n, dtype=np.int64)
    rank[np.argsort(created, kind="stable")] = np.arange(n)
    dated = ~np.isnat(created) & (sig >= 0)
    company = keys.get("company")
    best = np.full(n, -1, dtype=np.int64)
    best_sim, best_days, best_kind = np.zeros(n), np.full(n, np.inf), np.full(n, -1, dtype=np.int64)
    compared = 0

    def offer(rows: np.ndarray, twins: np.ndarray, sims: np.ndarray, kind: int) -> None:
        days = (created[rows] - created[twins]) / np.timedelta64(1, "D")
        better = (sims > best_sim[rows]) | ((sims == best_sim[rows]) & (days < best_days[rows]))
        rows = rows[better]
        best[rows], best_sim[rows], best_days[rows], best_kind[rows] = twins[better], sims[better], days[better], kind

    for kind, (name, party) in enumerate(keys.items()):
        rows = np.flatnonzero(dated & (party >= 0))
        if not len(rows):
            continue
        # By contact, only deals without a company can find a twin that their company did not,
        # and a contact name in two different companies is two people.
        free = None if name != "contact" or company is None else company[rows] < 0
        other = contact if name == "company" else company
        width = int(sig.max()) + 1
        block, blocks = pd.factorize(party[rows] * width + sig[rows])
        block = block.astype(np.int64)
        block_free = None if free is None else np.bincount(block, weights=free, minlength=len(blocks)) > 0
        line = Timeline.of(rows, block, rank, created, closed, other)
        if threshold <= 1:
            if block_free is None:
                later, earlier, _, count = closest_open_earlier(line, None, None, window, neighbors, ids)
            else:
                asks = block_free[block]
                later, earlier, _, count = closest_open_earlier(line, rows[asks], block[asks], window, neighbors, ids)
            compared += count
            offer(later, earlier, np.ones(len(later)), kind)
        if threshold >= 1:
            continue
        u, v, sim = similar_title_pairs(np.asarray(blocks) // width, np.asarray(blocks) % width, stems, threshold,
                                        neighbors, block_free)
        if not len(u):
            continue
        # Each pair both ways: the deals of block `src` look back through those of block `dst`.
        src, dst, pair_sim = np.r_[u, v], np.r_[v, u], np.r_[sim, sim]
        count = np.bincount(block, minlength=len(blocks))      # the timeline is sorted by block
        start = np.cumsum(count) - count
        pair = np.repeat(np.arange(len(src)), count[src])
        q_rows = line.rows[concat_ranges(start[src], count[src])]
        waiting = best_sim[q_rows] < 1        # a deal with an equal-titled twin has its best one
        pair, q_rows = pair[waiting], q_rows[waiting]
        later, earlier, asked, count = closest_open_earlier(line, q_rows, dst[pair], window, neighbors, ids)
        compared += count
        # A deal may have twins under several similar titles: the most similar, then closest.
        sims = pair_sim[pair[asked]]
        order = np.lexsort((-rank[earlier], -sims, later))
        later, earlier, sims = later[order], earlier[order], sims[order]
        first = np.ones(len(later), dtype=bool)
        first[1:] = later[1:] != later[:-1]
        offer(later[first], earlier[first], sims[first], kind)
    return best, best_sim, best_days, best_kind, compared


class Timeline(NamedTuple):
    """Deals sorted by block, then creation, with what a look-back compares."""
    rows: np.ndarray                # deal rows
    block: np.ndarray
    order: np.ndarray               # block * n + creation rank, ascending
    created: np.ndarray
    closed: np.ndarray
    other: np.ndarray | None        # another party key of each (codes, -1: none): must not differ
    rank: np.ndarray                # by deal row: creation rank
    created_all: np.ndarray         # by deal row
    other_all: np.ndarray | None    # by deal row

    @classmethod
    def of(cls, rows: np.ndarray, block: np.ndarray, rank: np.ndarray, created: np.ndarray, closed: np.ndarray,
           other: np.ndarray | None) -> Timeline:
        order = block * len(rank) + rank[rows]
        by = np.argsort(order)
        rows = rows[by]
        return cls(rows, block[by], order[by], created[rows], closed[rows],
                   None if other is None else other[rows], rank, created, other)


def closest_open_earlier(line: Timeline, q_rows: np.ndarray | None, q_block: np.ndarray | None,
                         window: pd.Timedelta, steps: int, ids: pa.Array,
                         ) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """For each query deal row: the closest deal of the timeline in block q_block, created
    earlier and at most `window` before it, and still open when the query deal was created.
    Returns the query rows that found one, their twins, the queries' positions among the
    queries, and the number of pairs compared. Without queries, each deal of the timeline
    looks back in its own block.

    Each query looks back from its place in the timeline, one vectorized step at a time and
    at most `steps` deals, until it finds an open one or leaves the block or the window. A deal
    with the same deal_id (a deal exported twice: HY02) is skipped, and so is one whose other
    party key differs from the query's.
    """
    none = np.empty(0, dtype=np.int64)
    alone = q_rows is None
    if alone:                        # each deal of the timeline looks back from its own place
        q_rows, q_block, q_created, q_other = line.rows, line.block, line.created, line.other
        pos = np.arange(len(q_rows))
    else:
        pos = np.searchsorted(line.order, q_block * len(line.rank) + line.rank[q_rows])
        q_created = line.created_all[q_rows]
        q_other = None if line.other is None else line.other_all[q_rows]
    if not len(q_rows) or not len(line.rows):
        return none, none, none, 0
    limit = window.to_timedelta64()
    active = np.flatnonzero(pos > 0)
    later, twins, asked, compared = [], [], [], 0
    for step in range(1, steps + 1):
        whole = alone and step == 1   # every deal and the one before it, as views
        if whole:
            mine, theirs, inside = slice(1, None), slice(None, -1), True
        else:
            theirs = pos[active] - step
            inside = theirs >= 0
            theirs[~inside] = 0
            mine = active
        when = q_created[mine]
        near = inside & (line.block[theirs] == q_block[mine]) & (when - line.created[theirs] <= limit)
        pair = near
        if line.other is not None:
            a, b = q_other[mine], line.other[theirs]
            pair = pair & ((a < 0) | (b < 0) | (a == b))
        compared += int(pair.sum())
        hit = pair & ~(line.closed[theirs] <= when)        # no closed_at: still open
        if hit.any():
            check = np.flatnonzero(hit)
            q_at, t_at = (check + 1, check) if whole else (active[check], theirs[check])
            differ = pc.not_equal(ids.take(pa.array(q_rows[q_at])), ids.take(pa.array(line.rows[t_at])))
            same_id = ~pc.fill_null(differ, True).to_numpy(zero_copy_only=False)   # missing ids may differ
            hit[check[same_id]] = False
            q_at, t_at = q_at[~same_id], t_at[~same_id]
            later.append(q_rows[q_at])
            twins.append(line.rows[t_at])
            asked.append(q_at)
        active = np.flatnonzero(near & ~hit) + 1 if whole else active[near & ~hit]
        if not len(active):
            break
    if not later:
        return none, none, none, compared
    return np.concatenate(later), np.concatenate(twins), np.concatenate(asked), compared


def similar_title_pairs(party: np.ndarray, sig: np.ndarray, stems: Stems, threshold: float, neighbors: int,
                        free: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pairs (u, v) of positions in the (party, sig) arrays - two distinct titles of one party -
    with a title similarity of at least `threshold`, and that similarity. With `free`, only
    pairs where u or v is free.

    Prefix filtering, never all pairs: with each party's word stems ordered rarest first
    (within the party), two stem sets with a Dice coefficient >= t (Jaccard >= t / (2 - t))
    share a stem among the first size - ceil(size * t / (2 - t)) + 1 of each. Only titles of a
    party sharing such a stem are compared, each with at most `neighbors` others of similar size.
    """
    empty = np.empty(0, dtype=np.int64)
    none = empty, empty, np.empty(0)
    if not len(party) or not len(stems.pos):
        return none
    size = np.bincount(stems.pos, minlength=int(sig.max()) + 1)
    keep = (np.bincount(party)[party] >= 2) & (size[sig] > 0)
    if free is not None:
        keep &= np.bincount(party, weights=free)[party] > 0
    titles = np.flatnonzero(keep)
    if not len(titles):
        return none
    start = np.searchsorted(stems.pos, np.arange(len(size)))
    count = size[sig[titles]]
    rows = np.repeat(titles, count)
    stem = stems.code[concat_ranges(start[sig[titles]], count)]
    block = party[rows] * stems.n_codes + stem
    # How many titles of the party have each stem; a title's stems rarest first.
    by = np.argsort(block)
    first = np.ones(len(by), dtype=bool)
    first[1:] = block[by][1:] != block[by][:-1]
    group = np.cumsum(first) - 1
    freq = np.empty(len(rows), dtype=np.int64)
    freq[by] = np.bincount(group)[group]
    by = np.lexsort((stem, freq, rows))
    rows, block = rows[by], block[by]
    jaccard = threshold / (2 - threshold) if threshold < 1 else 1.0
    sz = size[sig[rows]]
    prefix = np.clip(sz - np.ceil(sz * jaccard - 1e-9).astype(np.int64) + 1, 1, None)
    in_prefix = np.arange(len(rows)) - np.searchsorted(rows, rows) < prefix
    rows, block = rows[in_prefix], block[in_prefix]
    by = np.lexsort((rows, size[sig[rows]], block))
    rows, block = rows[by], block[by]
    if free is not None:
        first = np.ones(len(rows), dtype=bool)
        first[1:] = block[1:] != block[:-1]
        group = np.cumsum(first) - 1
        useful = (np.bincount(group, weights=free[rows]) > 0)[group]
        rows, block = rows[useful], block[useful]
    found_u, found_v = [], []
    for shift in range(1, min(neighbors, len(rows) - 1) + 1):
        same = block[:-shift] == block[shift:]
        if not same.any():
            break
        found_u.append(rows[:-shift][same])
        found_v.append(rows[shift:][same])
    if not found_u:
        return none
    u, v = np.concatenate(found_u), np.concatenate(found_v)
    if free is not None:
        u, v = u[free[u] | free[v]], v[free[u] | free[v]]
    pair = sorted_unique(np.minimum(u, v) * len(party) + np.maximum(u, v))
    u, v = pair // len(party), pair % len(party)
    similarity = stem_dice(sig[u], sig[v], stems)
    ok = similarity >= threshold
    return u[ok], v[ok], similarity[ok]


