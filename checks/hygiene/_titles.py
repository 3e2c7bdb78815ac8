"""Client names and deal titles as HY07 compares them: normalized text, blocking keys per
client, and the Dice similarity of titles' word stems, computed per distinct title."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

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


def concat_ranges(starts: np.ndarray, counts: np.ndarray) -> np.ndarray:
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
    return stem_dice(a, b, _stems(titles))


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


def stem_dice(a: np.ndarray, b: np.ndarray, stems: Stems) -> np.ndarray:
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
    code = tok_code[concat_ranges(start[a], size_a)]
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
    keys = sorted_unique(pos * n_codes + codes)
    return Stems(keys // n_codes, keys % n_codes, np.asarray(code_is_number, dtype=bool), n_codes)


def sorted_unique(values: np.ndarray) -> np.ndarray:
    """np.unique for int64 by sorting (numpy's hash-based unique is slower on millions of ints)."""
    values = np.sort(values)
    keep = np.ones(len(values), dtype=bool)
    keep[1:] = values[1:] != values[:-1]
    return values[keep]
