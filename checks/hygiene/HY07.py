"""HY07 duplicate-deals."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from audit.model import CrmData
from audit.model import text as ru
from checks.base import Check, CheckResult, Family, RunContext, Severity
from audit.model.params import COUNT, DAYS, FLAG, SHARE

# Letters and digits kept by normalization (Latin and Cyrillic; the same class works in RE2 and re).
_NOT_ALNUM = r"[^0-9a-zа-я]+"
# Legal forms say nothing about which company it is: «ООО "Ромашка"» and «Ромашка, ООО» are one client.
LEGAL_FORMS = ("ооо", "оао", "зао", "пао", "ао", "нао", "ип", "чп", "тоо", "нко", "гк", "фгуп", "муп", "гуп",
               "llc", "inc", "ltd", "gmbh", "corp", "co", "company", "limited", "plc", "ag", "sa", "srl", "bv",
               "oy", "ab", "llp", "lp", "pte")
_LEGAL = " (?:" + "|".join(LEGAL_FORMS) + ") "
# Placeholder names a CRM fills in when nobody knows the client: never a block.
PLACEHOLDERS = frozenset({"", "нет", "не указано", "не указан", "неизвестно", "без названия", "n a", "na", "none",
                          "null", "unknown", "test", "тест", "физлицо", "физ лицо", "частное лицо", "частник",
                          "клиент", "client", "customer", "private person", "individual"})


class DuplicateDeals(Check):
    """Deals that look like a second copy of another: same client, similar title, created while the other was open.

    For each deal, the closest earlier deal of the same client (company, else contact) with the
    same or a similar title, created at most `window_days` before it and still open when it was
    created (no closed_at, or closed after). Equal titles are found with one sort by client,
    title and time; similar ones only between the few distinct titles of a client, then mapped
    back to their deals, so a big client's hundreds of deals never become millions of pairs.
    """

    code = "HY07"
    name = "duplicate-deals"
    title_ru = "Вероятные дубли сделок"
    family = Family.HYGIENE
    severity = Severity.LOW
    needs = {"deals": ("title", "created_at")}
    # min_similarity: Dice coefficient of the titles' word stems (1 = same words; "Поставка насосов"
    # vs "Поставка насосов (повтор)" = 0.8). window_days: the later deal was created at most this
    # long after the earlier one. same_contact: when both deals of a company name a contact, it must
    # be the same person (two people of one client asking for the same thing are two requests).
    # neighbors: a bound for pathological exports - how many earlier deals of its client and title
    # a deal looks back through, and how many other titles of its client a title is compared with.
    params = {"window_days": 30, "min_similarity": 0.8, "same_contact": True, "neighbors": 20}
    param_rules = {"window_days": DAYS, "min_similarity": SHARE, "same_contact": FLAG, "neighbors": COUNT}
    rationale = ("The same request entered twice (by two managers, or again after a lost import) inflates "
                 "the pipeline and, once one copy is closed as lost, fakes a loss; the funnel counts the "
                 "client twice. A copy is made while the original is still open: a client ordering the same "
                 "thing again after the earlier deal was closed is repeat business, so only a deal created "
                 "while a similar deal of the same client was open (and at most window_days after it) counts; "
                 "two different contacts of one company asking for the same thing are two requests.")
    rationale_ru = ("Одна и та же заявка, заведённая дважды (двумя менеджерами или повторно после "
                    "импорта), раздувает воронку, а когда одну копию закрывают как проигранную — "
                    "создаёт мнимый проигрыш; клиент считается дважды. Копию заводят, пока исходная "
                    "сделка ещё открыта: повторный заказ того же после закрытия прежней сделки — это "
                    "повторные продажи, а не дубль, поэтому учитывается только сделка, созданная, пока "
                    "похожая сделка того же клиента была открыта (и не позже window_days после неё); "
                    "два разных контактных лица одной компании с одинаковой просьбой — две заявки.")
    fix = ("Turn on duplicate control for deals (by company, contact and phone) in the CRM; merge the "
           "listed pairs.")
    fix_ru = ("Включите в CRM контроль дублей сделок (по компании, контакту и телефону); объедините "
              "перечисленные пары.")

    def run(self, crm: CrmData, ctx: RunContext) -> CheckResult:
        deals = crm.deals
        window = pd.Timedelta(days=float(ctx["window_days"]))
        threshold = float(ctx["min_similarity"])
        neighbors = int(ctx["neighbors"])
        provided = crm.provided.get("deals", ())
        company = party_codes(deals["company"]) if "company" in provided else None
        contact = party_codes(deals["contact"]) if "contact" in provided else None
        keys = {} if company is None else {"company": company}
        if contact is not None and (company is None or (company < 0).any()):
            keys["contact"] = contact      # a client by contact: only for deals without a company
        if not keys:
            return self.result(metric=0.0, threshold=threshold,
                               message="not checked: the deals export has neither company nor contact",
                               message_ru="не проверено: в выгрузке сделок нет ни компании, ни контакта")
        twin_row, similarity, days, kind, compared = find_twins(
            deals, keys, window, threshold, max(neighbors, 1), contact if bool(ctx["same_contact"]) else None)
        flagged = np.flatnonzero(twin_row >= 0)
        if not len(flagged):
            return self.result(metric=0.0, threshold=threshold,
                               message=f"no likely duplicates among {compared} close pairs of deals",
                               message_ru=f"среди близких пар сделок ({compared}) вероятных дублей нет")
        later = deals.iloc[flagged]
        twin = deals.iloc[twin_row[flagged]]
        idx = later.index
        twin_id = pd.Series(twin["deal_id"].to_numpy(), index=idx, dtype=object)
        twin_title = pd.Series(twin["title"].to_numpy(), index=idx, dtype=object)
        days = pd.Series(days[flagged], index=idx).round(1)
        matched = pd.Series(np.array(list(keys), dtype=object)[kind[flagged]], index=idx, dtype=object)
        party = pd.Series(np.where(matched == "company", later["company"].to_numpy(dtype=object),
                                   later["contact"].to_numpy(dtype=object) if "contact" in keys else None),
                          index=idx, dtype=object)
        message = ("likely duplicate of deal " + twin_id + " '" + twin_title + "' (same " + matched + " '"
                   + party.astype(str) + "', created " + days.astype(str) + " days later)")
        same_ru = matched.map({"company": "та же компания", "contact": "тот же контакт"}).fillna(matched)
        message_ru = ("Вероятный дубль сделки " + twin_id + " " + ru.quoted(twin_title) + " (" + same_ru + " "
                      + ru.quoted(party) + ", создана на " + days.astype(str) + " дня позже)")
        findings = self.findings(later, entity_type="deal", message=message, message_ru=message_ru, evidence={
            "twin_id": twin_id, "twin_title": twin_title, "similarity": pd.Series(similarity[flagged],
                                                                                 index=idx).round(3),
            "days_apart": days, "matched_on": matched, "party": party})
        return self.result(
            findings=findings, metric=round(len(flagged) / len(deals), 4), threshold=threshold,
            message=f"{len(flagged)} deals look like copies of an earlier deal ({compared} close pairs compared)",
            message_ru=f"сделок, похожих на копию более ранней: {len(flagged)} (сравнено близких пар: {compared})",
        )


def normalize_text(values: pd.Series) -> pd.Series:
    """Lower case, ё as е, punctuation as spaces, single spaces; missing or empty stays missing."""
    text = values.astype("str").str.lower().str.replace("ё", "е", regex=False)
    # Runs of anything else become one space, so words are single-spaced.
    text = text.str.replace(_NOT_ALNUM, " ", regex=True).str.strip()
    return text.where(text.notna() & text.ne(""))


def normalize_party(values: pd.Series) -> pd.Series:
    """A company or contact name as a blocking key: normalized, legal forms and placeholders dropped."""
    text = normalize_text(values)
    padded = " " + text + " "
    for _ in range(2):  # adjacent forms ("ооо ип") share a space: a second pass catches the next one
        padded = padded.str.replace(_LEGAL, " ", regex=True)
    key = padded.str.strip()  # removing " form " leaves single spaces
    return key.where(key.notna() & ~key.isin(PLACEHOLDERS))


def party_codes(values: pd.Series) -> np.ndarray:
    """Integer blocking key per row (-1: none). Names repeat, so each distinct one is normalized once."""
    codes, uniques = pd.factorize(values)
    if not len(uniques):
        return np.full(len(values), -1, dtype=np.int64)
    norm_codes, _ = pd.factorize(normalize_party(pd.Series(uniques, dtype="str")))
    return np.where(codes >= 0, norm_codes[np.maximum(codes, 0)], -1).astype(np.int64)


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
        q_rows = line.rows[_ranges(start[src], count[src])]
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
    stem = stems.code[_ranges(start[sig[titles]], count)]
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
    pair = _sorted_unique(np.minimum(u, v) * len(party) + np.maximum(u, v))
    u, v = pair // len(party), pair % len(party)
    similarity = _dice(sig[u], sig[v], stems)
    ok = similarity >= threshold
    return u[ok], v[ok], similarity[ok]


def _ranges(starts: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Concatenated ranges starts[i], ..., starts[i] + counts[i] - 1."""
    total = int(counts.sum())
    if not total:
        return np.empty(0, dtype=np.int64)
    ends = np.cumsum(counts)
    return np.repeat(starts - (ends - counts), counts) + np.arange(total)


# Letters of a word that identify it: Russian endings vary with case and number
# (поставка / поставки / поставку, насосов / насоса), so words are compared by their first five.
STEM = 5


def normalize_titles(titles: pd.Series) -> pd.Series:
    """Normalized titles by row position; each distinct title is normalized once."""
    codes, uniques = pd.factorize(titles)
    if not len(uniques):
        return pd.Series(dtype=object)
    norm = normalize_text(pd.Series(uniques, dtype="str")).to_numpy(dtype=object)
    values = np.where(codes >= 0, norm[np.maximum(codes, 0)], None)
    return pd.Series(values, index=titles.index, dtype=object).dropna()


def title_similarity(a: np.ndarray, b: np.ndarray, titles: pd.Series) -> np.ndarray:
    """Dice coefficient of the word-stem sets of the titles of deals a[i] and b[i] (row positions),
    NaN when either has no title. Titles that differ in a number on both sides ("Заказ 1041" /
    "Заказ 1042": two orders) score 0."""
    if not len(a) or titles.empty:
        return np.full(len(a), np.nan)
    return _dice(a, b, _stems(titles))


class Stems(NamedTuple):
    """The distinct word stems of titles: (pos, code) sorted, one row per stem of a title."""
    pos: np.ndarray          # the title's position
    code: np.ndarray         # the stem's code
    is_number: np.ndarray    # by code: the stem is a number (kept whole)
    n_codes: int


def title_signatures(titles: pd.Series) -> tuple[np.ndarray, Stems]:
    """Per row (by position): a code of its title's set of word stems, -1 without words; and
    the stems of each code. Titles with the same stems ("Поставка насосов", "насосов: поставки")
    share a code, so similarity is computed once per pair of codes, never per pair of deals."""
    codes, uniques = pd.factorize(titles)
    norm = normalize_text(pd.Series(uniques, dtype="str")).dropna() if len(uniques) else pd.Series(dtype="str")
    none = np.full(len(titles), -1, dtype=np.int64)
    if norm.empty:
        return none, Stems(np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64), np.zeros(0, dtype=bool), 1)
    stems = _stems(norm)
    # A title's stem codes joined as text: one key per stem set.
    offsets = np.searchsorted(stems.pos, np.arange(len(uniques) + 1))
    joined = pc.binary_join(pa.LargeListArray.from_arrays(pa.array(offsets), pc.cast(pa.array(stems.code),
                                                                                        pa.string())), " ")
    worded = pa.array(offsets[1:] > offsets[:-1])
    sig_of = pc.dictionary_encode(pc.if_else(worded, joined, pa.scalar(None, pa.string()))).indices
    sig_of = pc.fill_null(sig_of, -1).to_numpy().astype(np.int64)
    sig = np.where(codes >= 0, sig_of[np.maximum(codes, 0)], -1)
    # The stems of each code, from its first title.
    first = np.zeros(len(uniques), dtype=bool)
    first[np.unique(sig_of, return_index=True)[1]] = True
    mine = first[stems.pos] & (sig_of[stems.pos] >= 0)
    by_sig = Stems(sig_of[stems.pos[mine]], stems.code[mine], stems.is_number, stems.n_codes)
    order = np.lexsort((by_sig.code, by_sig.pos))
    return sig, by_sig._replace(pos=by_sig.pos[order], code=by_sig.code[order])


def _dice(a: np.ndarray, b: np.ndarray, stems: Stems) -> np.ndarray:
    """Dice coefficient of the stem sets of titles a[i] and b[i] (positions in `stems`), NaN when
    either has none, 0 when they differ in a number on both sides.

    Vectorized: pairs expanded over the stems of their first title and looked up in the sorted
    (title, stem) keys of the second.
    """
    out = np.full(len(a), np.nan)
    if not len(a) or not len(stems.pos):
        return out
    tok_pos, tok_code, code_is_number, n_codes = stems
    keys = tok_pos * n_codes + tok_code                      # sorted: by title, then stem
    size = np.bincount(tok_pos, minlength=int(max(a.max(), b.max(), tok_pos.max())) + 1)
    numbers = np.bincount(tok_pos, weights=code_is_number[tok_code], minlength=len(size)).astype(np.int64)
    start = np.searchsorted(tok_pos, np.arange(len(size)))
    size_a, size_b = size[a], size[b]
    # One row per (pair, stem of a's title): does b's title have that stem?
    pair = np.repeat(np.arange(len(a)), size_a)
    code = tok_code[_ranges(start[a], size_a)]
    wanted = b[pair] * n_codes + code
    at = np.minimum(np.searchsorted(keys, wanted), len(keys) - 1)
    hit = keys[at] == wanted
    common = np.bincount(pair, weights=hit, minlength=len(a))
    common_numbers = np.bincount(pair, weights=hit & code_is_number[code], minlength=len(a))
    titled = (size_a > 0) & (size_b > 0)
    dice = np.divide(2 * common, size_a + size_b, out=np.zeros(len(a)), where=titled)
    other_numbers = (numbers[a] - common_numbers > 0) & (numbers[b] - common_numbers > 0)
    out[titled] = np.where(other_numbers, 0.0, dice)[titled]
    return out


def _stems(titles: pd.Series) -> Stems:
    """The distinct word stems of every (normalized, non-missing) title, by its index label."""
    text = pa.array(titles.to_numpy(dtype=object), type=pa.large_string())
    words = pc.split_pattern(text, " ")
    flat = pc.list_flatten(words)
    parent = pc.list_parent_indices(words).to_numpy()
    is_number = pc.match_substring_regex(flat, "[0-9]")
    stems = pc.dictionary_encode(pc.if_else(is_number, flat, pc.utf8_slice_codeunits(flat, 0, STEM)))
    codes = stems.indices.to_numpy().astype(np.int64)
    n_codes = max(len(stems.dictionary), 1)
    code_is_number = pc.match_substring_regex(stems.dictionary, "[0-9]").to_numpy(zero_copy_only=False)
    pos = titles.index.to_numpy(dtype=np.int64)[parent]
    keys = _sorted_unique(pos * n_codes + codes)
    return Stems(keys // n_codes, keys % n_codes, np.asarray(code_is_number, dtype=bool), n_codes)


def _sorted_unique(values: np.ndarray) -> np.ndarray:
    """np.unique for int64 by sorting (numpy's hash-based unique is slower on millions of ints)."""
    values = np.sort(values)
    keep = np.ones(len(values), dtype=bool)
    keep[1:] = values[1:] != values[:-1]
    return values[keep]
