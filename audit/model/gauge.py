"""How to read a check's metric against its threshold, the same way for every check.

Every check states once (`Check.gauge`) what its `metric` measures, in what unit, and on which
side of its `threshold` it fails: "lost share of closed deals: 64%, fails below 20%". The
reports and the JSON say it from the result alone, with no knowledge of the check. The threshold
is the check's main bound; a check may ask more before it fails (an effect size beside a
q-value), and a check judging several scopes (ST01: overall and per pipeline) reports the
overall metric while failing on any of them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum

from audit.model import text


class Fails(StrEnum):
    """The side of the threshold on which the check fails."""

    ABOVE = "above"
    BELOW = "below"


class Unit(StrEnum):
    SHARE = "share"        # a part of a whole, 0 to 1
    COUNT = "count"        # how many
    Z_SCORE = "z-score"    # robust z: distance from the team's median in spreads
    Q_VALUE = "q-value"    # a p-value adjusted for many tests (false discovery rate)


@dataclass(frozen=True)
class Gauge:
    measure: str        # what the metric is, in English: "lost share of closed deals"
    measure_ru: str     # the same in Russian, as a label before the value: "доля проигранных среди закрытых"
    unit: Unit
    fails: Fails

    def reading(self, metric: float | None, threshold: float | None, lang: str = "en") -> str | None:
        """'lost share of closed deals: 64%, fails below 20%' (Russian: 'доля проигранных среди
        закрытых: 64 %; не пройдена, если ниже 20 %'); None without a metric or a threshold.
        The measure comes first, as a label, so a count needs no plural ("bursts ...: 1")."""
        if not _is_number(metric) or not _is_number(threshold):
            return None
        value, bound = self.number(metric, lang), self.number(threshold, lang)
        if lang == "ru":
            side = "выше" if self.fails is Fails.ABOVE else "ниже"
            return f"{self.measure_ru}: {value}; не пройдена, если {side} {bound}"
        return f"{self.measure}: {value}, fails {self.fails.value} {bound}"

    def number(self, value: float, lang: str = "en") -> str:
        """The value as the unit reads, written as the messages write numbers (audit.model.text):
        counts whole and grouped, shares as percentages (two decimals under 1 %), z-scores to two
        decimals, q-values to two significant digits and never in e-notation; a decimal comma in
        Russian."""
        if self.unit is Unit.Q_VALUE and 0 <= value < 0.0001:
            # A q-value of 0 is one too small for a float, not a certainty.
            return "<0,0001" if lang == "ru" else "<0.0001"
        if value == 0:
            return "0"
        if self.unit is Unit.COUNT:
            return text.num(value, lang)
        if self.unit is Unit.SHARE:
            return text.pct(value, lang, 2 if abs(value) < 0.01 else None)
        if self.unit is Unit.Q_VALUE:
            shown = f"{value:.2g}"
            return shown.replace(".", ",") if lang == "ru" else shown
        return text.num(value, lang, 2)

    def as_json(self) -> dict[str, str]:
        return {"measure": self.measure, "unit": self.unit.value, "direction": self.fails.value}


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
