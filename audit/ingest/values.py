"""Parse export values into canonical types, vectorized, remembering what failed.

Every parser takes a Series of raw values (text from CSV, or native values from a
workbook) and returns the parsed Series plus a boolean mask of values that were present
but could not be parsed. The caller records those for HY08; nothing is dropped silently.
Parsing runs on the unique values (exports repeat dates and labels heavily), then maps
back with factorize codes.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Callable

import numpy as np
import pandas as pd

from audit.model import DATETIME

# Placeholders that mean "no value" (amoCRM writes "не закрыта" for an open deal's close date).
NULL_TOKENS = frozenset({
    "", "-", "—", "–", "n/a", "na", "#n/a", "null", "none", "nan", "nat", "(blank)", "(пусто)",
    "не закрыта", "не указано", "не указан", "не задано", "нет данных", "not set", "—/—",
})

# Date formats tried per column, best-first by how many values each parses.
DATE_FORMATS = (
    "%d.%m.%Y %H:%M:%S", "%d.%m.%Y %H:%M", "%d.%m.%Y", "%d.%m.%y %H:%M", "%d.%m.%y",
    "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d", "%Y-%m-%dT%H:%M:%S", "ISO8601",
    "%m/%d/%Y %I:%M %p", "%m/%d/%Y %I:%M:%S %p", "%m/%d/%Y %H:%M:%S", "%m/%d/%Y %H:%M", "%m/%d/%Y",
    "%m/%d/%y %I:%M %p", "%m/%d/%y %H:%M", "%m/%d/%y",
    "%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M", "%d/%m/%Y", "%d/%m/%y %H:%M", "%d/%m/%y",
    "%d %b, %Y %H:%M:%S", "%d %b, %Y %H:%M", "%d %b, %Y", "%b %d, %Y %I:%M %p", "%b %d, %Y",
    "%d %b %Y %H:%M", "%d %b %Y", "%d-%b-%Y", "%d-%b-%y", "%Y/%m/%d %H:%M:%S", "%Y/%m/%d", "%Y.%m.%d",
    "%d-%m-%Y %H:%M", "%d-%m-%Y",
)
US_FIRST = ("%m/", )  # formats that read 01/02 as January 2nd

RU_MONTHS = {
    "январ": "Jan", "феврал": "Feb", "март": "Mar", "апрел": "Apr", "ма": "May", "июн": "Jun",
    "июл": "Jul", "август": "Aug", "сентябр": "Sep", "октябр": "Oct", "ноябр": "Nov", "декабр": "Dec",
}
_RU_MONTH_RE = re.compile(
    r"(?<![а-я])(январ[а-я]*|феврал[а-я]*|март[а-я]*|апрел[а-я]*|ма[йя]|июн[а-я]*|июл[а-я]*|"
    r"август[а-я]*|сентябр[а-я]*|октябр[а-я]*|ноябр[а-я]*|декабр[а-я]*)\.?", re.IGNORECASE)

EXCEL_EPOCH = pd.Timestamp("1899-12-30")


def _arrow(values: pd.Series):
    """The Arrow string array behind a Series read from CSV, or None (workbook objects)."""
    import pyarrow as pa
    arr = getattr(values.array, "_pa_array", None)
    if arr is not None and (pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type)):
        return arr
    return None


def _present(values: pd.Series) -> pd.Series:
    """Values that are really there (not NaN, not blank, not a null placeholder)."""
    arr = _arrow(values)
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
    arr = _arrow(values)
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


def _by_unique(values: pd.Series, parse_unique: Callable[[pd.Series], pd.Series],
               dtype: str) -> pd.Series:
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    parsed = parse_unique(pd.Series(uniques, dtype=object))
    out = parsed.to_numpy()
    taken = np.where(codes >= 0, codes, 0)
    result = out[taken] if len(out) else np.full(len(codes), np.nan)
    series = pd.Series(result, index=values.index)
    series[codes < 0] = None
    return series.astype(dtype)


# -- dates -----------------------------------------------------------------------------------------

def parse_datetime(values: pd.Series, *, dayfirst: bool | None = None) -> tuple[pd.Series, pd.Series]:
    """Dates and times in any of DATE_FORMATS, native Excel datetimes, Excel serial numbers.

    `dayfirst` breaks the tie for 01/02/2024 when every value is ambiguous (True for
    Russian/European exports, False for US ones, None: prefer day-first unless a value
    proves month-first). A time with a zone keeps the wall-clock time it states
    (`2024-04-25T14:59:11+03:00` is 14:59:11): what the CRM's users saw, and the clock of the
    exports and call logs that carry no zone, so tables from one company line up.
    """
    if pd.api.types.is_datetime64_any_dtype(values.dtype):
        out = values
        if isinstance(values.dtype, pd.DatetimeTZDtype):
            out = values.dt.tz_localize(None)
        return out.astype(DATETIME), pd.Series(False, index=values.index)
    arr = _arrow(values)
    if arr is not None:
        import pyarrow.compute as pc
        valid = pc.is_valid(arr).to_numpy(zero_copy_only=False)
        parsed = _parse_dates_arrow(values, arr, valid, dayfirst)
        # Blanks and placeholders are judged only among what did not parse (a small part).
        unparsed = valid & parsed.isna().to_numpy()
        failed = pd.Series(False, index=values.index)
        if unparsed.any():
            failed[unparsed] = _present(values[unparsed]).to_numpy()
        return parsed, failed
    present = _present(values)
    parsed = _by_unique(values.where(present), lambda u: _parse_dates_unique(u, dayfirst), DATETIME)
    failed = present & parsed.isna()
    return parsed, failed


_DIRECTIVES = {"%Y": r"\d{4}", "%y": r"\d{2}", "%m": r"\d{1,2}", "%d": r"(?P<d>\d{1,2})", "%H": r"\d{1,2}",
               "%I": r"\d{1,2}", "%M": r"\d{1,2}", "%S": r"\d{1,2}", "%p": r"[AaPp][Mm]", "%b": r"\w+"}


def _day_pattern(fmt: str) -> str:
    """A regex for text in strptime format `fmt` that captures its day of month as `d`."""
    parts = re.split(r"(%[A-Za-z])", fmt)
    return "^" + "".join(_DIRECTIVES.get(p, re.escape(p)) for p in parts) + "$"


def _parse_dates_arrow(values: pd.Series, arr, present: np.ndarray, dayfirst: bool | None) -> pd.Series:
    """CSV columns: Arrow's strptime, format by format, on what is still unparsed (one C++ pass
    for a regular column); leftovers (month names, serials, ISO with zones) take the general path."""
    import pyarrow as pa
    import pyarrow.compute as pc
    text = pc.utf8_trim_whitespace(arr)
    head = [v for v in text.take(np.flatnonzero(present)[:5000]).to_pylist() if v]
    sample = pd.Series(head[:2000], dtype=object).astype(str)
    out = np.full(len(values), np.datetime64("NaT"), dtype="datetime64[us]")
    todo = present.copy()
    for fmt in _rank_formats(sample, dayfirst):
        if fmt == "ISO8601" or "%b" in fmt:
            continue  # zones and month names: the general path below
        idx = np.flatnonzero(todo)
        if not len(idx):
            break
        subset = text if len(idx) == len(values) else text.take(idx)
        parsed = pc.strptime(subset, format=fmt, unit="us", error_is_null=True)
        got = parsed.to_numpy(zero_copy_only=False).copy()
        ok = ~np.isnat(got)
        # Arrow's strptime rolls "31.02" over to March 3rd; such dates land on days 1-3, so
        # those (a tenth of a column) are re-read by pandas, which rejects impossible dates.
        early = pc.less_equal(pc.day(parsed), 3).fill_null(False).to_numpy(zero_copy_only=False)
        if early.any():
            # A rolled-over date shows a different day of month than its text: read the day
            # back from the text (RE2) and drop the impossible ones.
            pos = np.flatnonzero(early)
            written = pc.struct_field(pc.extract_regex(subset.take(pos), _day_pattern(fmt)), "d")
            rolled = pc.not_equal(pc.cast(written, pa.int64()), pc.day(parsed.take(pos))).fill_null(True)
            bad = pos[rolled.to_numpy(zero_copy_only=False)]
            got[bad] = np.datetime64("NaT")
            ok[bad] = False
        out[idx[ok]] = got[ok]
        todo[idx[ok]] = False
    result = pd.Series(out, index=values.index)
    if todo.any():
        rest = values[todo]
        result[todo] = _by_unique(rest, lambda u: _parse_dates_unique(u, dayfirst), DATETIME)
    return result.astype(DATETIME)


def _parse_dates_unique(uniques: pd.Series, dayfirst: bool | None) -> pd.Series:
    out = pd.Series(pd.NaT, index=uniques.index, dtype=DATETIME)
    if uniques.empty:
        return out
    # Native values from workbooks: datetimes and serial numbers.
    is_dt = uniques.map(lambda v: isinstance(v, (dt.datetime, dt.date, pd.Timestamp)))  # workbook cells
    if is_dt.any():
        out[is_dt] = pd.to_datetime(uniques[is_dt].map(pd.Timestamp), errors="coerce").astype(DATETIME)
    is_num = uniques.map(lambda v: isinstance(v, (int, float, np.number)) and not isinstance(v, bool))
    text = uniques[~is_dt & ~is_num].astype(str).str.strip()
    # Excel serials that arrive as text ("45291" or "45291.5") in a column of numbers.
    serial_text = text[text.str.fullmatch(r"\d{5}(\.\d+)?")]
    numbers = pd.concat([pd.to_numeric(uniques[is_num], errors="coerce"),
                         pd.to_numeric(serial_text, errors="coerce")])
    if len(numbers):
        ok = numbers.between(20000, 80000)  # 1954..2119: serials, not years or ids
        out[numbers.index[ok]] = (EXCEL_EPOCH + pd.to_timedelta(numbers[ok], unit="D")).astype(DATETIME)
        text = text.drop(index=serial_text.index)
    if text.empty:
        return out
    text = _english_months(text)
    remaining = text
    for fmt in _rank_formats(text, dayfirst):
        if remaining.empty:
            break
        got = _try_format(remaining, fmt)
        hit = got.notna()
        if hit.any():
            out[remaining.index[hit]] = got[hit]
            remaining = remaining[~hit]
    return out


def _english_months(text: pd.Series) -> pd.Series:
    """'15 апреля 2021' -> '15 Apr 2021' so strptime's %b can read it."""
    has_ru = text.str.contains(r"[а-яА-Я]", regex=True)
    if not has_ru.any():
        return text

    def repl(m: re.Match) -> str:
        word = m.group(1).lower()
        for stem, eng in RU_MONTHS.items():
            if word.startswith(stem):
                return eng
        return m.group(0)

    fixed = text[has_ru].str.replace(_RU_MONTH_RE, repl, regex=True).str.replace(r"\s*г\.?$", "", regex=True)
    return text.where(~has_ru, fixed)


def _try_format(text: pd.Series, fmt: str) -> pd.Series:
    if fmt == "ISO8601":
        iso = text[text.str.match(r"^\d{4}-\d{2}-\d{2}")]
        out = pd.Series(pd.NaT, index=text.index, dtype=DATETIME)
        if iso.empty:
            return out
        # The zone is dropped, not applied (see parse_datetime): rows with different offsets
        # (a DST change, several portals) each keep their own wall-clock time.
        wall = iso.str.replace(r"(?:Z|[+-]\d{2}(?::?\d{2})?)$", "", regex=True)
        out[iso.index] = pd.to_datetime(wall, format="ISO8601", errors="coerce").astype(DATETIME)
        return out
    return pd.to_datetime(text, format=fmt, errors="coerce").astype(DATETIME)


def _literals(fmt: str) -> frozenset[str]:
    """The characters a value must contain to be read in strptime format `fmt` (its separators,
    lower case: strptime matches letters case-insensitively; a space matches any whitespace)."""
    if fmt == "ISO8601":
        return frozenset()
    return frozenset(re.sub(r"%[A-Za-z]|\s", "", fmt).lower())


_FORMAT_LITERALS = {fmt: _literals(fmt) for fmt in DATE_FORMATS}


def _rank_formats(text: pd.Series, dayfirst: bool | None) -> list[str]:
    sample = text.sample(min(len(text), 500), random_state=0) if len(text) > 500 else text
    # A format whose separators no sampled value holds reads none of them: it is not tried (each
    # try is a pandas call of about a millisecond, and a column has a few plausible formats of 37).
    shapes = {frozenset(str(v).lower()) for v in sample.tolist()}
    scores = []
    for i, fmt in enumerate(DATE_FORMATS):
        if not any(_FORMAT_LITERALS[fmt] <= chars for chars in shapes):
            continue
        hits = int(_try_format(sample, fmt).notna().sum())
        if hits:
            month_first = fmt.startswith(US_FIRST)
            # Equal counts: the profile's convention decides (day-first unless told otherwise).
            prefer = 0 if (dayfirst is False) == month_first else 1
            scores.append((-hits, prefer, i, fmt))
    return [fmt for *_rest, fmt in sorted(scores)]


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
    none = pd.Series(np.full(len(values), None, dtype=object), index=values.index)
    if pd.api.types.is_numeric_dtype(values.dtype) and not pd.api.types.is_bool_dtype(values.dtype):
        return values.astype(float), pd.Series(False, index=values.index), none
    arr = _arrow(values)
    if arr is not None:
        # Plain numbers ("225000.00"), the usual case of a big API dump: one Arrow cast.
        import pyarrow as pa
        import pyarrow.compute as pc
        trimmed = pc.utf8_trim_whitespace(arr)
        blank_as_null = pc.if_else(pc.equal(pc.utf8_length(trimmed), 0), None, trimmed)
        try:
            numbers = pc.cast(blank_as_null, pa.float64()).to_numpy(zero_copy_only=False)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            pass
        else:
            return pd.Series(numbers, index=values.index), pd.Series(False, index=values.index), none
    present = _present(values)
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


# -- booleans and labels ---------------------------------------------------------------------------

TRUE_TOKENS = frozenset({"да", "yes", "y", "true", "1", "истина", "✓", "x", "+", "t", "1.0", "д"})
FALSE_TOKENS = frozenset({"нет", "no", "n", "false", "0", "ложь", "f", "0.0", "н"})


def parse_bool(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    present = _present(values)
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
    present = _present(values)

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

    mapped = _by_unique(values.where(present), one, "object")
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
