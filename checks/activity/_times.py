"""Timestamps as text for messages and evidence: numpy's formatter is about three times
faster than Series.dt.strftime, which matters when a check reports 100,000s of records."""

from __future__ import annotations

import numpy as np
import pandas as pd

from audit.model import text as ru


def iso(values: pd.Series, unit: str = "s") -> pd.Series:
    """'2026-10-03T14:05:00' (unit 's') or '2026-10-03T14:05' (unit 'm'); missing where missing.

    Text dtype ("str"), not object: the findings builder turns it into Python strings in one pass."""
    arr = values.to_numpy(dtype="datetime64[us]")
    text = np.datetime_as_string(arr, unit=unit).astype(object)
    text[np.isnat(arr)] = None
    return pd.Series(text, index=values.index, dtype="str")


def readable(values: pd.Series, unit: str = "m", lang: str = "en") -> pd.Series:
    """'2026-10-03 14:05' (unit 'm') or '2026-10-03' (unit 'D'); in Russian '03.10.2026 14:05';
    missing where missing."""
    if lang == "ru":
        text = ru.dates(values, "ru", with_time=unit != "D")
        return text.where(text.ne(""), None).astype("str")
    text = iso(values, unit)
    return text.str.replace("T", " ", regex=False) if unit != "D" else text
