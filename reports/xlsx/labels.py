"""The workbook's words for values the audit writes in English: missing owners and
pipelines, stage kinds and verdicts. The labels themselves live in `reports.i18n`,
shared with the console and Markdown summaries."""

from __future__ import annotations

import re
from typing import Any

import pandas as pd

from reports import i18n
from reports.i18n import t


def sentinels(lang: str) -> dict[str, str]:
    """'(no owner)' -> its label in `lang`, for `Series.replace`."""
    return {raw: t(key, lang) for raw, key in i18n.SENTINELS.items()}


def verdict_text(value: Any, lang: str) -> Any:
    """'vague, hub' (or a list of verdicts) in the report language; other values as they are."""
    if isinstance(value, (list, tuple, set)):
        parts = [str(v) for v in value]
    elif isinstance(value, str):
        parts = [p.strip() for p in re.split(r"[,;]", value) if p.strip()]
    else:
        return value
    return ", ".join(i18n.maybe(f"verdict.{p}", lang, p) for p in parts)


def localize_values(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    """A stage or pipeline table with sentinels, kinds and verdicts in the report language
    and lists joined into text."""
    out = frame.copy()
    for c in ("pipeline", "owner", "main_owner", "twin"):
        if c in out:
            out[c] = out[c].astype(object).replace(sentinels(lang))
    if "kind" in out:
        out["kind"] = out["kind"].map(lambda v: i18n.maybe(f"kind.{v}", lang, v) if isinstance(v, str) else v)
    for c in ("verdict", "verdicts"):
        if c in out:
            out[c] = out[c].map(lambda v: verdict_text(v, lang))
    for c in out.columns:
        values = out[c]
        if values.dtype == object and values.map(lambda v: isinstance(v, (list, tuple, set))).any():
            out[c] = values.map(lambda v: ", ".join(map(str, v)) if isinstance(v, (list, tuple, set)) else v)
    return out
