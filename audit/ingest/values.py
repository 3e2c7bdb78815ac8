"""Parse export values into canonical types, vectorized, remembering what failed.

Every parser takes a Series of raw values (text from CSV, or native values from a
workbook) and returns the parsed Series plus a boolean mask of values that were present
but could not be parsed. The caller records those for HY08; nothing is dropped silently.
Parsing runs on the unique values (exports repeat dates and labels heavily), then maps
back with factorize codes. Dates and times: audit.ingest.dates.
"""

from __future__ import annotations

import re
from typing import Callable

import numpy as np
import pandas as pd


# Placeholders that mean "no value" (amoCRM writes "не закрыта" for an open deal's close date; "not
# closed" is that placeholder in English, assumed for Kommo's English export, not yet seen in a file).
NULL_TOKENS = frozenset({
    "", "-", "—", "–", "n/a", "na", "#n/a", "null", "none", "nan", "nat", "(blank)", "(пусто)",
    "не закрыта", "not closed", "не указано", "не указан", "не задано", "нет данных", "not set", "—/—",
})


def arrow_text(values: pd.Series):
    """The Arrow string array behind a Series read from CSV, or None (workbook objects)."""
    import pyarrow as pa
    arr = getattr(values.array, "_pa_array", None)
    if arr is not None and (pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type)):
        return arr
    return None


def is_present(values: pd.Series) -> pd.Series:
    """Values that are really there (not NaN, not blank, not a null placeholder)."""
    arr = arrow_text(values)
    if arr is not None:
        import pyarrow as pa
        import pyarrow.compute as pc
        lowered = pc.utf8_lower(pc.utf8_trim_whitespace(arr))
        token = pc.is_in(lowered, value_set=pa.array(sorted(NULL_TOKENS)))
        present = pc.and_(pc.is_valid(arr), pc.invert(token)).fill_null(False)
        return pd.Series(present.to_numpy(zero_copy_only=False), index=values.index)
    if values.dtype == object or pd.api.types.is_string_dtype(values.dtype):
        text = values.astype(object).where(values.notna(), None)
        stripped = pd.Series(text, dtype="str").str.strip().str.lower()
        return values.notna() & ~stripped.isin(NULL_TOKENS)
    return values.notna()


def clean_text(values: pd.Series) -> pd.Series:
    """Text as canonical text: trimmed, blank -> missing; workbook numbers that are ids
    ("12345.0") become "12345"."""
    arr = arrow_text(values)
    if arr is not None:
        import pyarrow.compute as pc
        # Most exports are clean: then the column is kept as it is (the trimmed copy is dropped).
        trimmed = pc.utf8_trim_whitespace(arr)
        padded = not pc.all(pc.equal(pc.binary_length(trimmed), pc.binary_length(arr))).as_py()
        trimmed = trimmed if padded else arr
        blank = pc.equal(pc.binary_length(trimmed), 0)
        if not padded and not pc.any(blank).as_py():
            return values if str(values.dtype) == "str" else values.astype("str")
        cleaned = pc.if_else(blank, None, trimmed)
        return pd.Series(pd.arrays.ArrowStringArray(cleaned) if hasattr(pd.arrays, "ArrowStringArray")
                         else cleaned.to_pandas(), index=values.index).astype("str")
    if values.dtype == object:
        num = values.map(lambda v: isinstance(v, float) and v.is_integer())
        if num.any():
            values = values.where(~num, values[num].map(lambda v: str(int(v))))
    text = values.astype("str").str.strip()
    return text.where(values.notna() & text.ne("") & text.ne("nan"), None)


def by_unique(values: pd.Series, parse_unique: Callable[[pd.Series], pd.Series],
               dtype: str) -> pd.Series:
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    parsed = parse_unique(pd.Series(uniques, dtype=object))
    out = parsed.to_numpy()
    taken = np.where(codes >= 0, codes, 0)
    result = out[taken] if len(out) else np.full(len(codes), np.nan)
    series = pd.Series(result, index=values.index)
    series[codes < 0] = None
    return series.astype(dtype)


# -- amounts ---------------------------------------------------------------------------------------

CURRENCY_SIGNS = {
    "$": "USD", "us$": "USD", "usd": "USD", "€": "EUR", "eur": "EUR", "£": "GBP", "gbp": "GBP",
    "₽": "RUB", "руб": "RUB", "руб.": "RUB", "р.": "RUB", "р": "RUB", "rub": "RUB", "rur": "RUB",
    "₸": "KZT", "тг": "KZT", "тенге": "KZT", "kzt": "KZT", "₴": "UAH", "грн": "UAH", "uah": "UAH",
    "byn": "BYN", "бел. руб.": "BYN", "¥": "CNY", "cny": "CNY", "chf": "CHF",
}
_CURRENCY_RE = re.compile(
    r"(us\$|\$|€|£|₽|₸|₴|¥|бел\.\s*руб\.?|руб\.?|rub|rur|usd|eur|gbp|kzt|uah|byn|cny|chf|грн|тенге|тг|р\.?(?=\s|$))",
    re.IGNORECASE)
_SPACES_RE = re.compile(r"[\s\u00a0\u202f\u2009'’`]")


def parse_amount(values: pd.Series) -> tuple[pd.Series, pd.Series, pd.Series]:
    """'1 234 567,89', '$22,700.00', '225000.00', '(1,200)', '12.5K' -> float.

    Returns (amount, failed mask, currency code or None per value). The decimal
    separator is decided per column: a comma followed by one, two or more than three
    digits anywhere in the column makes commas decimal.
    """
    # dtype given: pandas would look through a million Nones for strings to infer (12 ms a column).
    none = pd.Series(np.full(len(values), None, dtype=object), index=values.index, dtype=object)
    if pd.api.types.is_numeric_dtype(values.dtype) and not pd.api.types.is_bool_dtype(values.dtype):
        return values.astype(float), pd.Series(False, index=values.index), none
    arr = arrow_text(values)
    if arr is not None:
        # Plain numbers ("225000.00"), the usual case of a big API dump: one Arrow cast.
        import pyarrow as pa
        import pyarrow.compute as pc
        numbers = _cast_numbers(arr)  # a clean column (no blank, no padding) casts as it is
        if numbers is None:
            trimmed = pc.utf8_trim_whitespace(arr)
            numbers = _cast_numbers(pc.if_else(pc.equal(pc.utf8_length(trimmed), 0), None, trimmed))
        if numbers is not None:
            return pd.Series(numbers, index=values.index), pd.Series(False, index=values.index), none
    present = is_present(values)
    codes, uniques = pd.factorize(values.where(present), use_na_sentinel=True)
    u = pd.Series(uniques, dtype=object)
    is_num = u.map(lambda v: isinstance(v, (int, float, np.number)) and not isinstance(v, bool))
    text = u.astype(str).str.strip().str.lower()
    currency = text.str.extract(_CURRENCY_RE, expand=False).str.lower().str.replace(r"\s+", " ", regex=True)
    currency = currency.map(lambda c: CURRENCY_SIGNS.get(c, CURRENCY_SIGNS.get(str(c).rstrip("."))) if isinstance(c, str) else None)
    cleaned = text.str.replace(_CURRENCY_RE, "", regex=True).str.replace(_SPACES_RE, "", regex=True)
    negative = cleaned.str.match(r"^\(.*\)$") | cleaned.str.endswith("-")
    cleaned = cleaned.str.strip("()").str.rstrip("-")
    multiplier = np.where(cleaned.str.endswith(("k", "к", "тыс", "тыс.")), 1e3,
                          np.where(cleaned.str.endswith(("m", "млн", "млн.")), 1e6, 1.0))
    cleaned = cleaned.str.replace(r"(k|к|тыс\.?|m|млн\.?)$", "", regex=True)
    only_comma = cleaned.str.contains(",", regex=False) & ~cleaned.str.contains(".", regex=False)
    # "1234,5" or "1 234,56" anywhere in the column: commas are decimal; "1,234" alone is thousands.
    comma_decimal = bool((only_comma & cleaned.str.contains(r",(?:\d{1,2}|\d{4,})$", regex=True)).any())
    both = cleaned.str.contains(",", regex=False) & cleaned.str.contains(".", regex=False)
    last_comma = cleaned.str.rfind(",") > cleaned.str.rfind(".")
    # Both separators: the rightmost is the decimal point.
    normalized = np.where(
        both & last_comma, cleaned.str.replace(".", "", regex=False).str.replace(",", ".", regex=False),
        np.where(both, cleaned.str.replace(",", "", regex=False),
                 cleaned.str.replace(",", "." if comma_decimal else "", regex=False)))
    normalized = pd.Series(normalized, index=u.index)
    # '1.234.567' is thousands separated by dots (European).
    dotted = normalized.str.fullmatch(r"-?\d{1,3}(\.\d{3}){2,}")
    normalized = normalized.where(~dotted, normalized.str.replace(".", "", regex=False))
    number = pd.to_numeric(normalized.where(~is_num), errors="coerce")
    number = number.where(~is_num, pd.to_numeric(u.where(is_num), errors="coerce"))
    number = number * multiplier * np.where(negative, -1, 1)
    taken = np.where(codes >= 0, codes, 0)
    amount = pd.Series(number.to_numpy()[taken] if len(number) else np.nan, index=values.index, dtype=float)
    amount[codes < 0] = np.nan
    cur = pd.Series(currency.to_numpy()[taken] if len(currency) else None, index=values.index, dtype=object)
    cur[codes < 0] = None
    failed = present & amount.isna()
    return amount, failed, cur


def _cast_numbers(arr) -> np.ndarray | None:
    """Arrow's cast of text to float64, or None when some value is not a plain number."""
    import pyarrow as pa
    import pyarrow.compute as pc
    try:
        return pc.cast(arr, pa.float64()).to_numpy(zero_copy_only=False)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None


# -- booleans and labels ---------------------------------------------------------------------------

TRUE_TOKENS = frozenset({"да", "yes", "y", "true", "1", "истина", "✓", "x", "+", "t", "1.0", "д"})
FALSE_TOKENS = frozenset({"нет", "no", "n", "false", "0", "ложь", "f", "0.0", "н"})


def parse_bool(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    present = is_present(values)
    text = values.astype(object).where(present, None).map(
        lambda v: str(v).strip().lower() if v is not None else None)
    out = pd.Series(pd.NA, index=values.index, dtype="boolean")
    out[text.isin(TRUE_TOKENS)] = True
    out[text.isin(FALSE_TOKENS)] = False
    return out, present & out.isna()


def map_labels(values: pd.Series, rules: list[tuple[str, str]], *, default: str | None = None,
               exact: dict[str, str] | None = None) -> tuple[pd.Series, pd.Series]:
    """Map free labels to canonical values: exact lowercase matches first, then regex rules
    (pattern, value) in order; `default` for unmatched values (None leaves them unparsed)."""
    present = is_present(values)

    def one(unique: pd.Series) -> pd.Series:
        text = unique.astype(str).str.strip().str.lower().str.replace("ё", "е", regex=False)
        out = pd.Series(None, index=unique.index, dtype=object)
        if exact:
            out = text.map(exact).astype(object)
        for pattern, value in rules:
            pattern = re.sub(r"(?<!\\)\((?!\?)", "(?:", pattern)  # groups are for reading, not capture
            todo = out.isna()
            if not todo.any():
                break
            hit = text[todo].str.contains(pattern, regex=True, case=False)
            out[hit[hit].index] = value
        if default is not None:
            out = out.fillna(default)
        return out

    mapped = by_unique(values.where(present), one, "object")
    mapped = mapped.where(mapped.notna(), None)
    return mapped, present & mapped.isna()


ACTIVITY_TYPE_RULES = [
    (r"звон|call|phone|тел", "call"),
    (r"e-?mail|mail|письм|почт|email", "email"),
    (r"встреч|meeting|event|demo|демо|визит|appointment|презентац", "meeting"),
    (r"сообщ|message|chat|чат|sms|смс|whatsapp|telegram|viber|мессендж|linkedin|messenger|vk|inmail",
     "message"),
    (r"задач|task|to-?do|дело|напомин|deadline|follow", "task"),
    (r"примеч|note|коммент|comment", "note"),
]


def parse_activity_type(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    return map_labels(values, ACTIVITY_TYPE_RULES, default="other")
