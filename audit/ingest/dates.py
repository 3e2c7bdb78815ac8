"""Dates and times in the layouts CRMs export them: dd.mm.yyyy, ISO 8601 (a zone keeps the
wall-clock time it states), US month-first with AM/PM, month names in English and Russian,
native Excel datetimes and serial numbers, unix times (API dumps: amoCRM's `created_at`/`closed_at`,
milliseconds in others) when the whole column is unix times. A column is read in the format that parses most of
its values (day-first or month-first decided by the column, not the value); what was present
but could not be read is flagged for HY08.
"""

from __future__ import annotations

import datetime as dt
import re

import numpy as np
import pandas as pd

from audit.ingest.values import arrow_text, by_unique, is_present
from audit.model import DATETIME

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


# A numeric date whose first or second number cannot be a month says the file's day order.
_NUMERIC_DATE = re.compile(r"^\s*(\d{1,2})[./-](\d{1,2})[./-]\d{2,4}(?:\D|$)")
_EVIDENCE_ROWS = 20_000


def file_day_order(columns: list[pd.Series]) -> bool | None:
    """True (day first) or False (month first) when some date of the file settles it and none
    says otherwise, else None. A report exported in one locale writes every date column alike,
    so 15/03/2024 in Close Date decides 05/01/2024 in Created Date (an en_GB Salesforce
    report); a column judged alone would read that one month first."""
    day_first = month_first = False
    for values in columns:
        if pd.api.types.is_datetime64_any_dtype(values.dtype):
            continue  # read as times already (a call log's ISO times, which settle nothing)
        # Cells that are not text (a workbook's datetimes, numbers) print as nothing numeric-dated.
        text = pd.Series(values.iloc[:_EVIDENCE_ROWS].dropna().astype("str").unique(), dtype=object)
        if text.empty:
            continue
        parts = text.str.extract(_NUMERIC_DATE.pattern)
        first, second = (pd.to_numeric(parts[i], errors="coerce") for i in (0, 1))
        day_first |= bool(((first > 12) & (second <= 12)).any())
        month_first |= bool(((second > 12) & (first <= 12)).any())
    return day_first if day_first != month_first else None


def parse_datetime(values: pd.Series, *, dayfirst: bool | None = None) -> tuple[pd.Series, pd.Series]:
    """Dates and times in any of DATE_FORMATS, native Excel datetimes, Excel serial numbers.

    `dayfirst` breaks the tie for 01/02/2024 when every value is ambiguous (True for
    Russian/European exports, False for US ones, None: prefer day-first unless a value
    proves month-first). A time with a zone keeps the wall-clock time it states
    (`2024-04-25T14:59:11+03:00` is 14:59:11): what the CRM's users saw, and the clock of the
    exports and call logs that carry no zone, so tables from one company line up.
    """
    unix = _unix_times(values)
    if unix is not None:
        return unix
    if pd.api.types.is_datetime64_any_dtype(values.dtype):
        out = values
        if isinstance(values.dtype, pd.DatetimeTZDtype):
            out = values.dt.tz_localize(None)
        return out.astype(DATETIME), pd.Series(False, index=values.index)
    arr = arrow_text(values)
    if arr is not None:
        import pyarrow.compute as pc
        text = pc.utf8_trim_whitespace(arr)
        # Blank cells are missing dates, not failures: left out before any format is tried (a
        # column of blanks otherwise went value by value through the general path).
        valid = pc.fill_null(pc.greater(pc.binary_length(text), 0), False).to_numpy(zero_copy_only=False)
        parsed = _parse_dates_arrow(values, text, valid, dayfirst)
        # Blanks and placeholders are judged only among what did not parse (a small part).
        unparsed = valid & parsed.isna().to_numpy()
        failed = pd.Series(False, index=values.index)
        if unparsed.any():
            failed[unparsed] = is_present(values[unparsed]).to_numpy()
        return parsed, failed
    present = is_present(values)
    parsed = by_unique(values.where(present), lambda u: _parse_dates_unique(u, dayfirst), DATETIME)
    failed = present & parsed.isna()
    return parsed, failed


# Unix times as API dumps write them (seconds or milliseconds; a float column written back to CSV
# adds ".0"); "0" is the API's "never" (amoCRM v2 gave closed_at 0 for an open lead).
_UNIX = re.compile(r"^(?:(?P<s>\d{9,10})|(?P<ms>\d{12,13}))(?:\.0+)?$")
_UNIX_SPAN = (pd.Timestamp("2000-01-01"), pd.Timestamp("2100-01-01"))


def _unix_times(values: pd.Series) -> tuple[pd.Series, pd.Series] | None:
    """A column whose every present value is a unix time in 2000-2099, read as UTC wall-clock
    times (the API's clock; UI exports show the account's local time); None for any other column,
    so ids and amounts in a mis-mapped column are never read as dates in 1970."""
    if pd.api.types.is_datetime64_any_dtype(values.dtype) or not len(values):
        return None
    # A sample decides first: every other date column (millions of rows) costs only this.
    sample = values.dropna().head(2000).astype("str").str.strip()
    sample = sample[sample.ne("") & sample.ne("0")]
    if sample.empty or not sample.str.match(_UNIX).all():
        return None
    if pd.api.types.is_numeric_dtype(values.dtype):
        text = values.astype("Float64").astype("str").str.replace(r"\.0$", "", regex=True)
    else:
        text = values.astype("str").str.strip()
    text = text.where(values.notna() & text.ne("") & text.ne("0") & text.ne("<NA>"))
    # Arrow's regex kernels on the whole column (str.extract ran Python per value: 2 s a 200,000).
    digits = text.dropna().astype("str").str.replace(r"\.0+$", "", regex=True)
    if not digits.str.fullmatch(r"\d{9,10}|\d{12,13}").all():
        return None
    seconds = digits.str.len().le(10)
    if seconds.any() and not seconds.all():
        return None  # seconds beside milliseconds: not one clock
    stamps = pd.to_datetime(digits.astype("int64"), unit="s" if seconds.all() else "ms")
    if not stamps.between(*_UNIX_SPAN).all():
        return None
    out = pd.Series(pd.NaT, index=values.index, dtype=DATETIME)
    out[stamps.index] = stamps.astype(DATETIME)
    return out, pd.Series(False, index=values.index)


_DIRECTIVES = {"%Y": r"\d{4}", "%y": r"\d{2}", "%m": r"\d{1,2}", "%d": r"(?P<d>\d{1,2})", "%H": r"\d{1,2}",
               "%I": r"\d{1,2}", "%M": r"\d{1,2}", "%S": r"\d{1,2}", "%p": r"[AaPp][Mm]", "%b": r"\w+"}


def _day_pattern(fmt: str) -> str:
    """A regex for text in strptime format `fmt` that captures its day of month as `d`."""
    parts = re.split(r"(%[A-Za-z])", fmt)
    return "^" + "".join(_DIRECTIVES.get(p, re.escape(p)) for p in parts) + "$"


def _parse_dates_arrow(values: pd.Series, text, present: np.ndarray, dayfirst: bool | None) -> pd.Series:
    """CSV columns (`text`: trimmed Arrow text, `present`: not blank): Arrow's strptime, format
    by format, on what is still unparsed (one C++ pass for a regular column); leftovers (month
    names, serials, ISO with zones) take the general path."""
    import pyarrow as pa
    import pyarrow.compute as pc
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
        parsed = _iso_cast(subset, fmt)
        if parsed is not None:  # every value read, and no impossible date among them
            out[idx] = parsed.to_numpy(zero_copy_only=False)
            todo[idx] = False
            break
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
        result[todo] = by_unique(rest, lambda u: _parse_dates_unique(u, dayfirst), DATETIME)
    return result.astype(DATETIME)


# ISO formats Arrow's own cast reads (its ISO 8601 parser: about three times strptime's speed, and
# it refuses impossible dates such as "2023-02-29", so no rolled-over date needs looking for).
_ISO_CAST_LENGTHS = {"%Y-%m-%d %H:%M:%S": 19, "%Y-%m-%d": 10}


def _iso_cast(text, fmt: str):
    """`text` (trimmed, no blanks) read by Arrow's cast when every value has exactly the length
    of the ISO format `fmt` and casts; None otherwise (the caller's strptime pass decides). Of
    that length the cast takes nothing strptime(fmt) would not, but for a 'T' between date and
    time, which the "%Y-%m-%dT%H:%M:%S" format reads to the same time."""
    import pyarrow as pa
    import pyarrow.compute as pc
    width = _ISO_CAST_LENGTHS.get(fmt)
    if width is None or not len(text):
        return None
    lengths = pc.min_max(pc.binary_length(text))
    if lengths["min"].as_py() != width or lengths["max"].as_py() != width:
        return None
    try:
        return pc.cast(text, pa.timestamp("us"))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None


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
