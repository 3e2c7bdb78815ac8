"""The audit's reference time from text: `--as-of` or `[input] as_of`.

An empty value, year 1 or year 3000 made the checks overflow (pandas counts nanoseconds
from 1970, up to 2262), and `-1` was read as a date of year -1 that failed only when a
report path was rendered. A reference time is a date of this era: 1900-2200.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from audit.model.errors import AuditError

EARLIEST = pd.Timestamp("1900-01-01")
LATEST = pd.Timestamp("2200-12-31 23:59:59")


def parse_as_of(value: object, *, where: str = "--as-of") -> pd.Timestamp:
    """A naive timestamp (zones converted to UTC), or an AuditError naming `where`."""
    if isinstance(value, (dt.datetime, dt.date)):
        text = value.isoformat()
    elif isinstance(value, str):
        text = value.strip()
    else:
        raise AuditError(f"{where} {value!r} is not a date (use YYYY-MM-DD)")
    if not text:
        raise AuditError(f"{where} is empty (use YYYY-MM-DD, or leave it out to audit as of the "
                         f"latest date in the data)")
    # A plain number is a year or an epoch to pandas; neither is what anyone types for a date.
    if text.lstrip("+-").replace(".", "", 1).isdigit():
        raise AuditError(f"{where} {text!r} is not a date (use YYYY-MM-DD)")
    try:
        ts = pd.Timestamp(text)
    except (ValueError, TypeError, OverflowError):
        raise AuditError(f"{where} {text!r} is not a date (use YYYY-MM-DD)") from None
    if ts is pd.NaT:
        raise AuditError(f"{where} {text!r} is not a date (use YYYY-MM-DD)")
    if ts.tzinfo is not None:
        ts = ts.tz_convert("UTC").tz_localize(None)
    if not EARLIEST <= ts <= LATEST:
        raise AuditError(f"{where} {text!r} is outside 1900-2200")
    return ts
