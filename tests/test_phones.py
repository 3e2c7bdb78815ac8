"""audit.model.phones: the vectorized E.164 path gives the answers of `phonenumbers` itself, for
each distinct value once, and keeps missing values missing."""

import pandas as pd
import phonenumbers
import pytest

from audit.model.phones import normalize_phones, reference_e164

RU_FORMS = ["8 (916) 123-45-67", "+7 916 1234567", "79161234567", "916-123-45-67 доб. 12", "8-495-123-45-67 ext 7",
            "+7 (495) 123 45 67 x12", "89161234567#3", "(916) 123 45 67", "8 800 555 35 35", "7 916 123 45 67",
            "+49 30 1234567", "+1 650 253 0000", "+44 20 7946 0958", "101", "", "ivan@example.com", "sip:101@pbx"]


@pytest.mark.parametrize("region,values", [("RU", RU_FORMS), ("DE", ["030 1234567", "+49 (30) 123-4567", "101"])])
def test_fast_path_agrees_with_phonenumbers(region, values):
    got = normalize_phones(pd.Series(values, dtype="str"), region)
    assert [None if pd.isna(v) else v for v in got] == [reference_e164(v, region) for v in values]


def test_repeated_and_missing_values_keep_their_rows():
    values = pd.Series(["8 916 123-45-67", None, "+79161234567", "101", "8 916 123-45-67"], dtype="str",
                       index=[10, 11, 12, 13, 14])
    got = normalize_phones(values)
    assert got.index.tolist() == [10, 11, 12, 13, 14] and str(got.dtype) == "str"
    assert got.tolist()[0] == got.tolist()[2] == got.tolist()[4] == "+79161234567"
    assert got.isna().tolist() == [False, True, False, True, False]


def test_objects_and_numbers_from_a_workbook():
    got = normalize_phones(pd.Series([79161234567, "8 916 123 45 67", float("nan")], dtype=object))
    assert got.tolist()[:2] == ["+79161234567", "+79161234567"] and pd.isna(got.iloc[2])


@pytest.mark.parametrize("region,value,e164", [
    ("DE", "0049 30 1234567", "+49301234567"),        # "00" is Germany's international prefix, not the trunk "0"
    ("DE", "0049301234567", "+49301234567"),
    ("DE", "00 7 916 123 45 67", "+79161234567"),
    ("RU", "8 10 49 30 1234567", "+49301234567"),     # the old Russian "8 10" international prefix
    ("RU", "810 44 20 7946 0958", "+442079460958"),
    ("US", "011 49 30 1234567", "+49301234567"),
    ("US", "011 7 916 123 4567", "+79161234567"),
])
def test_the_international_prefix_is_no_trunk_prefix(region, value, e164):
    assert normalize_phones(pd.Series([value], dtype="str"), region).tolist() == [e164]
    assert reference_e164(value, region) == e164


def _idd_forms(region: str) -> list[str]:
    """A foreign and a home number dialled with the region's international prefix, and the national
    forms beside them (the example number of the package's metadata)."""
    meta = phonenumbers.PhoneMetadata.metadata_for_region(region)
    idd = (meta.preferred_international_prefix or meta.international_prefix or "").replace("~", " ")
    national = str(phonenumbers.example_number(region).national_number)
    forms = [national, f"+{meta.country_code} {national}"]
    if meta.national_prefix:
        forms.append(f"{meta.national_prefix} {national}")
    if idd and idd.replace(" ", "").isdigit():
        forms += [f"{idd} 49 30 1234567", f"{idd}44 20 7946 0958", f"{idd} {meta.country_code} {national}"]
    return forms


@pytest.mark.parametrize("region", sorted(r for r in phonenumbers.SUPPORTED_REGIONS
                                          if phonenumbers.example_number(r) is not None))
def test_every_regions_international_prefix_agrees_with_phonenumbers(region):
    values = _idd_forms(region)
    got = normalize_phones(pd.Series(values, dtype="str"), region)
    assert [None if pd.isna(v) else v for v in got] == [reference_e164(v, region) for v in values]
