"""Phone numbers in one form, E.164 ("+79161234567"), and masked for the reports.

Call logs and CRM contacts write the same number a dozen ways ("8 (916) 123-45-67",
"+7 916 1234567", "79161234567", "916-123-45-67 доб. 12"); the phone system and the CRM
can only be compared once both are E.164. Google's libphonenumber (the `phonenumbers`
package) is the reference, but it parses about 50,000 numbers a second: a call log of a
million rows has a few hundred thousand distinct numbers. So the common national forms of
the home region are rewritten vectorized (the rules come from the package's own metadata
for the region: country code, national prefix, national number lengths), and only the
rest goes through `phonenumbers.parse` one by one. A test holds the fast path to the
package's answers.

Lives on the model floor: ingestion normalizes with it, checks and reports mask with it.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pandas as pd
import pyarrow as pa

from audit.model.keys import per_distinct, text_series

DEFAULT_REGION = "RU"
# What follows the number proper: an extension ("доб. 12", "ext 7", "x12", "#12", "вн. 3").
EXTENSION = r"(?i)\s*(?:,|;|#|доб\.?|добавочный|вн\.?|ext\.?|extension|x)\s*\d{1,6}\s*$"
MIN_DIGITS = 8       # shorter runs are extensions or short service numbers, not a client's phone
MAX_DIGITS = 15      # E.164's longest


@lru_cache(maxsize=32)
def region_rules(region: str) -> tuple[str, str | None, tuple[int, ...]]:
    """(country code, national prefix, national number lengths) of a region, from the metadata
    of `phonenumbers`. Raises ValueError for a region the package does not know."""
    meta = _metadata(region)
    lengths = tuple(meta.general_desc.possible_length or ())
    return str(meta.country_code), meta.national_prefix or None, lengths


@lru_cache(maxsize=32)
def international_prefix(region: str) -> str | None:
    """The regex of the digits dialled before a foreign country code from the region ("00" in
    Germany, "810" in Russia - the old "8 10" -, "011" in the US), from the package's metadata."""
    return _metadata(region).international_prefix or None


def _metadata(region: str):
    import phonenumbers
    meta = phonenumbers.PhoneMetadata.metadata_for_region(region.upper())
    if meta is None:
        raise ValueError(f"unknown phone region {region!r} (use an ISO 3166 code such as RU, KZ, US, DE)")
    return meta


def known_region(region: str) -> bool:
    try:
        region_rules(region)
    except ValueError:
        return False
    return True


def normalize_phones(values: pd.Series, region: str = DEFAULT_REGION) -> pd.Series:
    """E.164 text of each value, missing where the value is no possible phone number (empty,
    an internal extension, letters). Vectorized over the distinct values."""
    if len(values) == 0:
        return pd.Series([], index=values.index, dtype="str")
    return text_series(normalize_phone_text(values, region), values.index)


def normalize_phone_text(values, region: str = DEFAULT_REGION) -> pa.Array:
    """`normalize_phones` as an Arrow array, for callers that keep text in Arrow."""
    region = region.upper()
    if isinstance(values, pd.Series) and not isinstance(values.dtype, pd.StringDtype):
        values = values.astype("str")  # numbers from a workbook, Python objects from a test
    return per_distinct(values, lambda distinct: _normalize_unique(distinct, region))


def _normalize_unique(arr: pa.Array, region: str) -> pa.Array:
    """E.164 of each distinct value (Arrow in, Arrow out; null where no phone)."""
    import pyarrow.compute as pc

    arr = pc.utf8_trim_whitespace(arr)
    bare, digits, wordy = _digits(arr)
    plus = pc.starts_with(bare, "+").fill_null(False).to_numpy(zero_copy_only=False)
    length = pc.utf8_length(digits).fill_null(0).to_numpy(zero_copy_only=False).astype(np.int64)
    cc, prefix, lengths = region_rules(region)
    plausible = ~wordy & (length >= MIN_DIGITS) & (length <= MAX_DIGITS)

    def starts(value: str) -> np.ndarray:
        return pc.starts_with(digits, value).fill_null(False).to_numpy(zero_copy_only=False)

    def national_length(cut: int) -> np.ndarray:
        return np.isin(length - cut, lengths)

    # The international prefix (0049 30 ... from Germany, 8 10 49 ... from Russia) is no national
    # trunk prefix and no part of the number: such values are left to `phonenumbers`, which strips it
    # (read as the trunk prefix "0", "0049 30 1234567" became +49 049 ...).
    idd = np.zeros(len(arr), dtype=bool)
    if (idd_pattern := international_prefix(region)) is not None:
        idd = ~plus & pc.match_substring_regex(digits, f"^(?:{idd_pattern})").fill_null(False).to_numpy(
            zero_copy_only=False)
    plausible_national = plausible & ~idd
    with_cc = starts(cc) & national_length(len(cc))
    # +CC NNN... (+7 916 ...) and CC NNN... without the plus (79161234567): the digits as they are.
    as_is = plausible_national & with_cc
    # The national prefix, then the national number (8 916 ... in Russia, 0 30 ... in Germany).
    national = np.zeros(len(arr), dtype=bool)
    if prefix:
        national = plausible_national & ~plus & ~as_is & starts(prefix) & national_length(len(prefix))
    # The national number alone (916 123-45-67), when it cannot be read any other way.
    alone = plausible_national & ~plus & ~as_is & ~national & national_length(0) & ~starts(cc)
    if prefix:
        alone &= ~starts(prefix)
    # The fast forms, as Arrow text: "+" and the digits, the country code instead of the prefix.
    national_number = pc.utf8_slice_codeunits(digits, len(prefix)) if prefix else digits
    body = pc.if_else(pa.array(national), national_number, digits)
    code = pc.if_else(pa.array(as_is), pa.scalar("", pa.large_string()), pa.scalar(cc, pa.large_string()))
    text = pa.large_string()
    joined = pc.binary_join_element_wise(pa.scalar("+", text), code, body, pa.scalar("", text))
    fast = as_is | national | alone
    out = pc.if_else(pa.array(fast), joined, pa.nulls(len(arr), pa.large_string()))
    slow = np.flatnonzero(plausible & ~fast)
    if len(slow):
        raw = bare.take(pa.array(slow)).to_pylist()
        parsed = pa.array([_parse_one(text, region) for text in raw], type=pa.large_string())
        mask = np.zeros(len(arr), dtype=bool)
        mask[slow] = True
        out = pc.replace_with_mask(out, pa.array(mask), parsed)
    return out


def _digits(arr: pa.Array) -> tuple[pa.Array, pa.Array, np.ndarray]:
    """(the value without an extension, its digits, whether it holds letters) of each value.
    The regexes run only on the values that are not digits alone: a PBX writes most numbers as
    bare digits ("79161234567"), which have no extension and are their own digits."""
    import pyarrow.compute as pc
    plain = pc.ascii_is_decimal(arr).fill_null(False).to_numpy(zero_copy_only=False)
    rest = np.flatnonzero(~plain)
    wordy = np.zeros(len(arr), dtype=bool)
    if not len(rest):
        return arr, arr, wordy
    other = arr.take(pa.array(rest))
    bare = pc.replace_substring_regex(other, EXTENSION, "")
    digits = pc.replace_substring_regex(bare, r"[^0-9]", "")
    # Letters beyond an extension mean a name, an e-mail or a SIP address: not a phone number.
    wordy[rest] = pc.match_substring_regex(bare, r"[^0-9+\s().\-/]").fill_null(True).to_numpy(zero_copy_only=False)
    if len(rest) == len(arr):
        return bare, digits, wordy
    mask = pa.array(~plain)
    return pc.replace_with_mask(arr, mask, bare), pc.replace_with_mask(arr, mask, digits), wordy


def _parse_one(text: str, region: str) -> str | None:
    import phonenumbers
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def reference_e164(text: str, region: str = DEFAULT_REGION) -> str | None:
    """What `phonenumbers` alone makes of one value (the fast path is tested against it)."""
    import re
    bare = re.sub(EXTENSION, "", text.strip())
    digits = re.sub(r"[^0-9]", "", bare)
    if re.search(r"[^0-9+\s().\-/]", bare) or not MIN_DIGITS <= len(digits) <= MAX_DIGITS:
        return None
    return _parse_one(bare, region.upper())


def mask_numbers(numbers: pd.Series) -> pd.Series:
    """'+79161234567' -> '+7 *** ***-**-67': the country code and the last two digits stay, so a
    manager can tell the numbers of his list apart without the report holding them."""
    text = numbers.astype("str")
    cc = text.str.extract(r"^\+(1|7|\d{2})", expand=False)
    # Country codes 1 and 7 are one digit; every other is read as two (enough to tell regions).
    last = text.str[-2:]
    masked = "+" + cc.fillna("") + " *** ***-**-" + last
    return masked.where(text.notna() & text.str.startswith("+"), None).astype("str")
