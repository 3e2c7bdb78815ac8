import datetime as dt

import numpy as np
import pandas as pd
import pytest

from audit.ingest.values import (
    parse_activity_type,
    parse_amount,
    parse_bool,
)
from audit.ingest.dates import parse_datetime


@pytest.mark.parametrize("raw, expected", [
    pytest.param("01.02.2024 10:00:00", "2024-02-01 10:00:00", id="ru-datetime-seconds"),
    pytest.param("15.03.2024", "2024-03-15", id="ru-date"),
    pytest.param("2024-05-06T10:00:00Z", "2024-05-06 10:00:00", id="iso-utc"),
    # A zone keeps the wall-clock time it states: Bitrix24's REST gives the portal's local time
    # with its offset, the time its users saw and the clock of a PBX log without a zone.
    pytest.param("2024-05-06T13:00:00+03:00", "2024-05-06 13:00:00", id="iso-offset-wall-clock"),
    pytest.param("2024-05-06T13:00:00.250-0500", "2024-05-06 13:00:00.250", id="iso-offset-no-colon"),
    pytest.param("15 Apr, 2021 00:02:00", "2021-04-15 00:02:00", id="zoho"),
    pytest.param("15 апреля 2021 г.", "2021-04-15", id="ru-month-name"),
    pytest.param("45291", "2023-12-31", id="excel-serial-as-text"),
])
def test_single_dates(raw, expected):
    parsed, failed = parse_datetime(pd.Series([raw]))
    assert parsed.iloc[0] == pd.Timestamp(expected) and not failed.iloc[0]


def test_zones_keep_each_row_s_wall_clock():
    # Offsets change within one export (DST, several portals): each row keeps its own time.
    parsed, failed = parse_datetime(pd.Series(["2024-03-30T23:30:00+01:00", "2024-03-31T23:30:00+02:00",
                                               "2024-04-01"]))
    assert list(parsed) == [pd.Timestamp("2024-03-30 23:30"), pd.Timestamp("2024-03-31 23:30"),
                            pd.Timestamp("2024-04-01")]
    assert not failed.any()
    aware = pd.Series(pd.to_datetime(["2024-05-06 13:00"]).tz_localize("Europe/Moscow"))
    assert parse_datetime(aware)[0].iloc[0] == pd.Timestamp("2024-05-06 13:00")


def test_us_dates_and_am_pm():
    parsed, failed = parse_datetime(pd.Series(["02/24/26 02:18 PM", "12/31/25 09:00 AM"]))
    assert list(parsed) == [pd.Timestamp("2026-02-24 14:18"), pd.Timestamp("2025-12-31 09:00")]
    assert not failed.any()


def test_ambiguous_slash_dates_follow_the_column_and_the_hint():
    # 13/01 proves day-first for the whole column, so 02/01 is January 2nd.
    parsed, _ = parse_datetime(pd.Series(["13/01/2026", "02/01/2026"]))
    assert parsed.iloc[1] == pd.Timestamp("2026-01-02")
    ambiguous = pd.Series(["02/01/2026"])
    assert parse_datetime(ambiguous, dayfirst=True)[0].iloc[0] == pd.Timestamp("2026-01-02")
    assert parse_datetime(ambiguous, dayfirst=False)[0].iloc[0] == pd.Timestamp("2026-02-01")


def test_unparseable_dates_are_flagged_and_placeholders_are_not():
    values = pd.Series(["31.02.2026", "не закрыта", "", None, "-", "когда-нибудь"])
    parsed, failed = parse_datetime(values)
    assert parsed.isna().all()
    assert failed.tolist() == [True, False, False, False, False, True]


def test_native_excel_values():
    values = pd.Series([dt.datetime(2026, 1, 2, 3, 4), 45900, None], dtype=object)
    parsed, failed = parse_datetime(values)
    assert parsed.iloc[0] == pd.Timestamp("2026-01-02 03:04")
    assert parsed.iloc[1] == pd.Timestamp("2025-08-31")
    assert not failed.any()


@pytest.mark.parametrize("raw, amount, currency", [
    pytest.param("1 234 567,89", 1234567.89, None, id="ru-spaces-comma"),
    pytest.param("1\u00a0234\u00a0567,89", 1234567.89, None, id="nbsp"),
    pytest.param("$22,700.00", 22700.0, "USD", id="usd-thousands"),
    pytest.param("225000.00", 225000.0, None, id="plain"),
    pytest.param("150 000 руб.", 150000.0, "RUB", id="rub-suffix"),
    pytest.param("1.234,50 €", 1234.5, "EUR", id="eu-dots"),
    pytest.param("(1,200.00)", -1200.0, None, id="negative-parentheses"),
    pytest.param("-500", -500.0, None, id="negative"),
    pytest.param("$342.09K", 342090.0, "USD", id="k-suffix"),
])
def test_amounts(raw, amount, currency):
    parsed, failed, cur = parse_amount(pd.Series([raw]))
    assert parsed.iloc[0] == pytest.approx(amount) and not failed.iloc[0]
    assert cur.iloc[0] == currency


def test_comma_decimal_is_decided_per_column():
    parsed, _, _ = parse_amount(pd.Series(["98 500,50", "1,5"]))
    assert parsed.tolist() == [98500.5, 1.5]
    parsed, _, _ = parse_amount(pd.Series(["1,234", "12,345,678"]))
    assert parsed.tolist() == [1234.0, 12345678.0]


def test_bad_amounts_are_flagged():
    parsed, failed, _ = parse_amount(pd.Series(["сто тысяч", "", None, "12"]))
    assert np.isnan(parsed.iloc[0]) and failed.tolist() == [True, False, False, False]


def test_booleans():
    parsed, failed = parse_bool(pd.Series(["Да", "нет", "TRUE", "0", "maybe", None]))
    assert parsed.tolist()[:4] == [True, False, True, False]
    assert failed.tolist() == [False, False, False, False, True, False]


@pytest.mark.parametrize("raw, kind", [
    ("Исходящий звонок", "call"), ("Call", "call"), ("Входящее письмо", "email"), ("Email", "email"),
    ("Встреча", "meeting"), ("Meeting", "meeting"), ("Задача", "task"), ("Task", "task"),
    ("Примечание", "note"), ("Note", "note"), ("WhatsApp", "message"), ("Что-то ещё", "other"),
])
def test_activity_types(raw, kind):
    assert parse_activity_type(pd.Series([raw]))[0].iloc[0] == kind


@pytest.mark.parametrize("raw, expected, failed_at", [
    pytest.param(["2024-02-29 10:00:00", "2025-12-31 23:59:59", None], ["2024-02-29 10:00:00", "2025-12-31 23:59:59", None],
                 [], id="iso-seconds-read-by-the-cast"),
    pytest.param(["2024-02-29", "2025-01-31"], ["2024-02-29", "2025-01-31"], [], id="iso-dates-read-by-the-cast"),
    # One impossible date: the cast refuses the column, strptime reads the rest and flags that one
    # (Arrow's strptime alone would roll 2023-02-29 over to March 1st).
    pytest.param(["2024-01-05 10:00:00", "2023-02-29 10:00:00", "2024-01-06 11:00:00"],
                 ["2024-01-05 10:00:00", None, "2024-01-06 11:00:00"], [1], id="impossible-date-flagged"),
    pytest.param(["2024-01-05 10:00:00", "2024-01-05T11:00:00", "2024-01-06 12:00"],
                 ["2024-01-05 10:00:00", "2024-01-05 11:00:00", "2024-01-06 12:00:00"], [], id="mixed-iso-shapes"),
    pytest.param(["2024-01-05 10:00:00", "2024-05-06T13:00:00+03:00"], ["2024-01-05 10:00:00", "2024-05-06 13:00:00"],
                 [], id="a-zone-keeps-its-wall-clock"),
])
def test_arrow_backed_iso_columns(raw, expected, failed_at):
    parsed, failed = parse_datetime(pd.Series(raw, dtype="str"))
    assert [None if pd.isna(v) else v for v in parsed] == [None if e is None else pd.Timestamp(e) for e in expected]
    assert np.flatnonzero(failed.to_numpy()).tolist() == failed_at


def test_blank_arrow_cells_are_missing_not_failed():
    parsed, failed = parse_datetime(pd.Series(["", "  ", None, "2024-01-05 10:00:00", "-", "когда-то"], dtype="str"))
    assert parsed.isna().tolist() == [True, True, True, False, True, True]
    assert failed.tolist() == [False, False, False, False, False, True]
    parsed, failed = parse_datetime(pd.Series(["", " "] * 3, dtype="str"))
    assert parsed.isna().all() and not failed.any()


def test_unix_times_read_when_the_whole_column_is_unix_times():
    from audit.ingest.dates import parse_datetime
    seconds = pd.Series(["1632916243", "1633000000.0", "0", "", None], dtype="str")
    parsed, failed = parse_datetime(seconds, dayfirst=True)
    assert parsed.iloc[0] == pd.Timestamp("2021-09-29 11:50:43")
    assert parsed.iloc[1] == pd.Timestamp("2021-09-30 11:06:40")
    assert parsed.iloc[2:].isna().all() and not failed.any()  # 0 is the API's "never"
    millis, _ = parse_datetime(pd.Series(["1632916243000"], dtype="str"))
    assert millis.iloc[0] == pd.Timestamp("2021-09-29 11:50:43")


def test_numbers_that_are_not_all_unix_times_are_not_read_as_1970_dates():
    from audit.ingest.dates import parse_datetime
    # A small id among them, or dates outside 2000-2099: not a unix-time column; nothing is read in 1970.
    for values in (["12", "1632916243"], ["1632916243", "x"], ["946684799"]):
        parsed, failed = parse_datetime(pd.Series(values, dtype="str"))
        assert parsed.isna().all() and failed.all(), values
    parsed, failed = parse_datetime(pd.Series(["03.02.2026"], dtype="str"), dayfirst=True)
    assert parsed.iloc[0] == pd.Timestamp("2026-02-03") and not failed.any()


def test_an_open_deals_close_date_placeholder_is_no_date_in_russian_or_english():
    from audit.ingest.dates import parse_datetime
    parsed, failed = parse_datetime(pd.Series(["не закрыта", "Not closed", "20.03.2026 16:40:00"], dtype="str"),
                                    dayfirst=True)
    assert parsed.iloc[:2].isna().all() and not failed.any()
    assert parsed.iloc[2] == pd.Timestamp("2026-03-20 16:40")
