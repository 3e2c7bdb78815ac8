"""HY07 duplicate-deals."""

from __future__ import annotations

import numpy as np
import pandas as pd

from audit.model import CrmData
from checks import text as ru
from checks.base import Check, CheckResult, Family, RunContext, Severity

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
    """Deals that look like a second copy of another: same company or contact, similar title, close dates."""

    code = "HY07"
    name = "duplicate-deals"
    title_ru = "Вероятные дубли сделок"
    family = Family.HYGIENE
    severity = Severity.LOW
    needs = {"deals": ("title", "created_at")}
    # min_similarity: Dice coefficient of the titles' word stems (1 = same words; "Поставка насосов"
    # vs "Поставка насосов (повтор)" = 0.8). neighbors: later deals of the same client each deal is
    # compared with (blocking bound).
    params = {"window_days": 30, "min_similarity": 0.8, "neighbors": 20}
    rationale = ("The same request entered twice (by two managers, or again after a lost import) inflates "
                 "the pipeline and, once one copy is closed as lost, fakes a loss; the funnel counts the "
                 "client twice.")
    rationale_ru = ("Одна и та же заявка, заведённая дважды (двумя менеджерами или повторно после "
                    "импорта), раздувает воронку, а когда одну копию закрывают как проигранную — "
                    "создаёт мнимый проигрыш; клиент считается дважды.")
    fix = ("Turn on duplicate control for deals (by company, contact and phone) in the CRM; merge the "
           "listed pairs.")
    fix_ru = ("Включите в CRM контроль дублей сделок (по компании, контакту и телефону); объедините "
              "перечисленные пары.")

    def run(self, crm: CrmData, ctx: RunContext) -> CheckResult:
        deals = crm.deals
        window = pd.Timedelta(days=float(ctx["window_days"]))
        threshold = float(ctx["min_similarity"])
        neighbors = int(ctx["neighbors"])
        keys = {name: party_codes(deals[name]) for name in ("company", "contact")
                if name in crm.provided.get("deals", ())}
        if not keys:
            return self.result(metric=0.0, threshold=threshold,
                               message="not checked: the deals export has neither company nor contact",
                               message_ru="не проверено: в выгрузке сделок нет ни компании, ни контакта")
        created = deals["created_at"].to_numpy()
        pairs = pd.concat([candidate_pairs(key, created, window, neighbors).assign(matched_on=name)
                           for name, key in keys.items()], ignore_index=True)
        ids = deals["deal_id"].to_numpy(dtype=object)
        pairs = pairs[ids[pairs["a"]] != ids[pairs["b"]]].drop_duplicates(["a", "b"])
        if "company" in keys:
            # A contact name shared by two different companies ("Иван Петров") is two people.
            company = keys["company"]
            ca, cb = company[pairs["a"].to_numpy()], company[pairs["b"].to_numpy()]
            pairs = pairs[~((ca >= 0) & (cb >= 0) & (ca != cb))]
        # Titles are normalized only for deals that are in some candidate pair.
        involved = _sorted_unique(np.concatenate([pairs["a"].to_numpy(), pairs["b"].to_numpy()]).astype(np.int64))
        titles = normalize_titles(deals["title"].iloc[involved])
        pairs = pairs.assign(similarity=title_similarity(pairs["a"].to_numpy(), pairs["b"].to_numpy(), titles))
        pairs = pairs[pairs["similarity"].notna()]
        dup = pairs[pairs["similarity"] >= threshold]
        compared = len(pairs)
        if dup.empty:
            return self.result(metric=0.0, threshold=threshold,
                               message=f"no likely duplicates among {compared} close pairs of deals",
                               message_ru=f"среди близких пар сделок ({compared}) вероятных дублей нет")
        dup = dup.assign(days=(created[dup["b"]] - created[dup["a"]]) / np.timedelta64(1, "D"))
        # One finding per later deal: its most similar, then closest, earlier twin.
        dup = dup.sort_values(["b", "similarity", "days"], ascending=[True, False, True]).drop_duplicates("b")
        later = deals.iloc[dup["b"].to_numpy()]
        twin = deals.iloc[dup["a"].to_numpy()]
        idx = later.index
        twin_id = pd.Series(twin["deal_id"].to_numpy(), index=idx, dtype=object)
        twin_title = pd.Series(twin["title"].to_numpy(), index=idx, dtype=object)
        days = pd.Series(dup["days"].to_numpy(), index=idx).round(1)
        matched = pd.Series(dup["matched_on"].to_numpy(), index=idx, dtype=object)
        party = pd.Series(np.where(matched == "company", later["company"].to_numpy(dtype=object),
                                   later["contact"].to_numpy(dtype=object) if "contact" in keys else None),
                          index=idx, dtype=object)
        message = ("likely duplicate of deal " + twin_id + " '" + twin_title + "' (same " + matched + " '"
                   + party.astype(str) + "', created " + days.astype(str) + " days later)")
        same_ru = matched.map({"company": "та же компания", "contact": "тот же контакт"}).fillna(matched)
        message_ru = ("Вероятный дубль сделки " + twin_id + " " + ru.quoted(twin_title) + " (" + same_ru + " "
                      + ru.quoted(party) + ", создана на " + days.astype(str) + " дня позже)")
        findings = self.findings(later, entity_type="deal", message=message, message_ru=message_ru, evidence={
            "twin_id": twin_id, "twin_title": twin_title, "similarity": pd.Series(dup["similarity"].to_numpy(),
                                                                                 index=idx).round(3),
            "days_apart": days, "matched_on": matched, "party": party})
        return self.result(
            findings=findings, metric=round(len(dup) / len(deals), 4), threshold=threshold,
            message=f"{len(dup)} deals look like copies of an earlier deal ({compared} close pairs compared)",
            message_ru=f"сделок, похожих на копию более ранней: {len(dup)} (сравнено близких пар: {compared})",
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


def candidate_pairs(key: np.ndarray, created: np.ndarray, window: pd.Timedelta, neighbors: int) -> pd.DataFrame:
    """Pairs (a earlier, b later) of row positions with the same key created within `window`.

    Blocking, never all pairs: rows are sorted by key and time, and each is compared with at
    most `neighbors` following rows of its block, one vectorized shift at a time; the loop
    stops at the first shift that finds no pair (later shifts cannot, the rows being sorted).
    """
    ok = np.flatnonzero((key >= 0) & ~np.isnat(created))
    # One int64 sort key, block then second of creation (one argsort is several times
    # cheaper than a lexsort over two columns).
    seconds = created[ok].astype("datetime64[s]").astype(np.int64)
    seconds = seconds - (seconds.min() if len(seconds) else 0)
    order = ok[np.argsort((key[ok].astype(np.int64) << 32) | seconds, kind="stable")]
    k, at = key[order], created[order]
    limit = window.to_timedelta64()
    found_a, found_b = [], []
    for shift in range(1, min(neighbors, len(order) - 1) + 1):
        same = (k[:-shift] == k[shift:]) & ((at[shift:] - at[:-shift]) <= limit)
        if not same.any():
            break
        found_a.append(order[:-shift][same])
        found_b.append(order[shift:][same])
    if not found_a:
        return pd.DataFrame({"a": np.empty(0, dtype=np.int64), "b": np.empty(0, dtype=np.int64)})
    return pd.DataFrame({"a": np.concatenate(found_a), "b": np.concatenate(found_b)})


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
    "Заказ 1042": two orders) score 0.

    Vectorized: titles split into (deal, stem) codes with pyarrow, pairs expanded over the
    stems of their first deal and looked up in the sorted (deal, stem) keys of the second.
    """
    out = np.full(len(a), np.nan)
    if not len(a) or titles.empty:
        return out
    tok_pos, tok_code, code_is_number, n_codes = _stems(titles)
    keys = tok_pos * n_codes + tok_code                      # sorted: by deal, then stem
    size = np.bincount(tok_pos, minlength=int(max(a.max(), b.max(), tok_pos.max())) + 1)
    numbers = np.bincount(tok_pos, weights=code_is_number[tok_code], minlength=len(size)).astype(np.int64)
    start = np.searchsorted(tok_pos, np.arange(len(size)))
    size_a, size_b = size[a], size[b]
    # One row per (pair, stem of a's title): does b's title have that stem?
    pair = np.repeat(np.arange(len(a)), size_a)
    offset = np.arange(len(pair)) - np.repeat(np.cumsum(size_a) - size_a, size_a)
    code = tok_code[start[a][pair] + offset]
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


def _stems(titles: pd.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """(deal position, stem code) of every distinct word stem of every title, sorted; whether
    each code is a number (kept whole); the number of codes."""
    import pyarrow as pa
    import pyarrow.compute as pc
    words = pc.split_pattern(pa.array(titles.to_numpy(dtype=object), type=pa.string()), " ")
    flat = pc.list_flatten(words)
    parent = pc.list_parent_indices(words).to_numpy()
    is_number = pc.match_substring_regex(flat, "[0-9]")
    stems = pc.if_else(is_number, flat, pc.utf8_slice_codeunits(flat, 0, STEM))
    codes, uniques = pd.factorize(stems.to_numpy(zero_copy_only=False))
    n_codes = max(len(uniques), 1)
    code_is_number = pd.Series(uniques, dtype=object).str.contains("[0-9]", regex=True).to_numpy(dtype=bool)
    pos = titles.index.to_numpy(dtype=np.int64)[parent]
    keys = _sorted_unique(pos * n_codes + codes)
    return keys // n_codes, keys % n_codes, code_is_number, n_codes


def _sorted_unique(values: np.ndarray) -> np.ndarray:
    """np.unique for int64 by sorting (numpy's hash-based unique is slower on millions of ints)."""
    values = np.sort(values)
    keep = np.ones(len(values), dtype=bool)
    keep[1:] = values[1:] != values[:-1]
    return values[keep]
