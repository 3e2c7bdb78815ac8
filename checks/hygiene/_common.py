"""Shared plumbing of the GX-backed hygiene checks (HY01-HY05): fetch the shared validation,
turn failing row positions into per-record messages, vectorized."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

from audit.model import CrmData
from audit.model import text as ru
from checks.base import Check, CheckResult, RunContext
from checks.hygiene import gx_adapter
from checks.hygiene.gx_adapter import Outcome, Validation
from checks.hygiene.rules import BY_KEY

ROW_COLUMN = "_row"  # source line number, when ingestion carries it


class GxCheck(Check):
    """A hygiene check whose rules run in the shared Great Expectations validation."""

    @classmethod
    def warm_up(cls) -> None:
        gx_adapter.preload()

    @classmethod
    def begin(cls, crm: CrmData, ctx: RunContext) -> None:
        if len(crm.deals):  # no deals: every GX check skips (`no_deals`) and nothing is sent
            gx_adapter.begin(ctx.derived, ctx.as_of)

    def no_deals(self, crm: CrmData) -> CheckResult | None:
        """Skipped when the deals table has no row: there is no field to judge (and no frame for GX)."""
        if len(crm.deals):
            return None
        return self.skip("the deals export has no rows: no field to judge",
                         "в выгрузке сделок нет ни одной строки: проверять нечего")

    def deal_result(self, crm: CrmData, validation: Validation, hits: Mapping[str, np.ndarray],
                    order: Mapping[str, str] | Iterable[str], flagged: pd.DataFrame, *, message, message_ru,
                    evidence: dict, total: int, summary: str, summary_ru: str) -> CheckResult:
        """The common end of HY01-HY05: one finding per flagged deal (with its source row), and a
        summary followed by the failing records per rule and the rules GX could not check.
        `order` names the rules (their problems, in words, label the counts); `total` is the
        number of deals the rules could judge."""
        rows = source_rows(crm.deals)
        if rows is not None:
            evidence = {**evidence, "row": rows}
        labels = {k: BY_KEY[k].problem for k in order}
        counts = ", ".join(f"{labels[k]}: {ru.num(len(hits[k]))}" for k in labels if k in hits)
        return self.result(
            findings=self.findings(flagged, entity_type="deal", message=message, message_ru=message_ru,
                                   evidence=evidence),
            metric=share(len(flagged), total), threshold=0.0,
            message=summary + (f" ({counts})" if counts else "") + not_checked(validation, self.code),
            message_ru=summary_ru + counts_ru(hits, labels) + not_checked_ru(validation, self.code),
            judged=total,
        )


def shared_validation(ctx: RunContext) -> Validation:
    return gx_adapter.validate(ctx.derived, ctx.as_of)


def failing(outcomes: Iterable[Outcome]) -> dict[str, np.ndarray]:
    """Rule key -> row positions of its failing records (rules with none left out)."""
    return {o.rule.key: o.positions for o in outcomes if o.unexpected}


def union(positions: Iterable[np.ndarray]) -> np.ndarray:
    parts = [p for p in positions if len(p)]
    return np.unique(np.concatenate(parts)) if parts else np.empty(0, dtype=np.int64)


def combine_texts(parts: Iterable[pd.Series], sep: str = "; ", sentences: bool = False) -> pd.Series:
    """Per-position texts of several rules joined into one message per position.

    Positions with a single text keep it as is; only records failing several rules are
    grouped (usually few), so a million single failures cost no Python join. With `sentences`
    (texts that start with a capital, the Russian ones), the texts after the first start
    with a small letter.
    """
    parts = [p for p in parts if len(p)]
    if not parts:
        return pd.Series(dtype=object)
    texts = pd.concat(parts).astype(object)
    dup = texts.index.duplicated(keep=False)
    if not dup.any():
        return texts.sort_index()
    multi = texts[dup].groupby(level=0, sort=False).agg(
        (lambda xs: sep.join([xs.iloc[0], *(x[:1].lower() + x[1:] for x in xs.iloc[1:])])) if sentences else sep.join)
    return pd.concat([texts[~dup], multi]).sort_index()


def rules_by_position(hits: Mapping[str, np.ndarray], order: Iterable[str],
                      labels: Mapping[str, str] | None = None) -> pd.Series:
    """Per failing position, the list of rules it failed (their labels when given), vectorized
    with a bit mask: one list per combination of rules, not one per record."""
    keys = [k for k in order if k in hits]
    if not keys:
        return pd.Series(dtype=object)
    size = int(max(p.max() for p in hits.values() if len(p))) + 1
    mask = np.zeros(size, dtype=np.int64)
    for bit, key in enumerate(keys):
        mask[hits[key]] |= 1 << bit
    pos = np.flatnonzero(mask)
    combos = mask[pos]
    labels = labels or {}
    names = {int(c): [labels.get(k, k) for b, k in enumerate(keys) if c >> b & 1] for c in np.unique(combos)}
    return pd.Series([names[int(c)] for c in combos], index=pos, dtype=object)


def source_rows(frame: pd.DataFrame) -> pd.Series | None:
    """The source line numbers of a table, when ingestion kept them."""
    return frame[ROW_COLUMN] if ROW_COLUMN in frame.columns else None


def fmt_time(values: pd.Series, lang: str = "en") -> pd.Series:
    """Timestamps as short text for messages: the date, plus the time when it is not midnight
    ('2026-10-03 14:05' / '03.10.2026 14:05')."""
    midnight = values.dt.normalize().eq(values)
    return ru.dates(values, lang, with_time=True).where(~midnight, ru.dates(values, lang)).astype(object)


def fmt_amount(values: pd.Series, lang: str = "en") -> pd.Series:
    return ru.nums(values, lang, 2).astype(object)


def not_checked(validation: Validation, code: str) -> str:
    """'; not checked: no owner (the deals export has no owner column)' for the summary message, or ''."""
    from checks.hygiene.rules import rules_for
    skipped = [f"{r.problem} ({ru.reason(validation.not_run[r.key], 'en')})"
               for r in rules_for(code) if r.key in validation.not_run]
    return f"; not checked: {', '.join(skipped)}" if skipped else ""


def not_checked_ru(validation: Validation, code: str) -> str:
    """`not_checked` in Russian."""
    from checks.hygiene.rules import PROBLEM_RU, rules_for
    skipped = [f"{PROBLEM_RU.get(r.key, r.key)} ({ru.reason(validation.not_run[r.key])})"
               for r in rules_for(code) if r.key in validation.not_run]
    return f"; не проверено: {', '.join(skipped)}" if skipped else ""


def counts_ru(hits: Mapping[str, np.ndarray], order: Iterable[str]) -> str:
    """' (нет этапа: 3, нет даты создания: 1)': failing records per rule, or ''."""
    from checks.hygiene.rules import PROBLEM_RU
    parts = [f"{PROBLEM_RU.get(k, k)}: {ru.num(len(hits[k]), 'ru')}" for k in order if k in hits]
    return f" ({', '.join(parts)})" if parts else ""


def share(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else 0.0
