"""What a check's setting may hold: declared next to each check's defaults (`param_rules`),
read by the config validation before any data is read.

A cron job's typo must stop the run, not change a verdict: a negative threshold made SG03
flag every open deal, `types = "call"` turned OF05 off, NaN compared false everywhere. So
every setting has a kind and a range, and a value outside them is a one-line config error.

    params = {"min_closed": 15, "fdr": 0.05}
    param_rules = {"min_closed": COUNT, "fdr": SHARE}
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from audit.model.tables import ACTIVITY_TYPES


@dataclass(frozen=True)
class Rule:
    """One setting's kind and range. `problem(value)` says what is wrong, or None."""

    what: str                          # "a share between 0 and 1", for the message
    low: float | None = None           # inclusive bounds of a number
    high: float | None = None
    integer: bool = False              # counts are whole numbers
    flag: bool = False                 # true / false only
    words: tuple[str, ...] | None = None  # a list of strings; these values only when not empty
    any_words: bool = False            # a list of any strings

    def problem(self, value: Any) -> str | None:
        if self.flag:
            return None if isinstance(value, bool) else f"must be true or false, not {_shown(value)}"
        if self.words is not None or self.any_words:
            return self._list_problem(value)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return f"must be {self.what}, not {_shown(value)}"
        if not math.isfinite(value):
            return f"must be {self.what}, not {value}"
        if self.integer and not isinstance(value, int):
            return f"must be a whole number ({self.what}), not {value!r}"
        if (self.low is not None and value < self.low) or (self.high is not None and value > self.high):
            return f"must be {self.what}, not {value!r}"
        return None

    def _list_problem(self, value: Any) -> str | None:
        if isinstance(value, str):
            return f"must be a list, e.g. [{_shown(value)}], not the string {_shown(value)}"
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            return f"must be {self.what}, not {_shown(value)}"
        if not value:
            return f"must name at least one value ({self.what})"
        if self.words:
            wrong = [v for v in value if v not in self.words]
            if wrong:
                return f"has {_shown(wrong[0])}: use {', '.join(self.words)}"
        return None


def _shown(value: Any) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, str):
        return f'"{value}"'
    return repr(value)


SHARE = Rule("a share between 0 and 1", low=0.0, high=1.0)
COUNT = Rule("a count of at least 1", low=1, high=1_000_000_000, integer=True)
DAYS = Rule("a number of days between 0 and 36500", low=0.0, high=36_500.0)
HOURS = Rule("a number of hours between 0 and 876000", low=0.0, high=876_000.0)
MINUTES = Rule("a number of minutes above 0 and up to 525600", low=1e-9, high=525_600.0)
FLAG = Rule("true or false", flag=True)
ACTIVITY_TYPE_LIST = Rule(f"a list of activity types ({', '.join(ACTIVITY_TYPES)})", words=ACTIVITY_TYPES)


def count(low: int = 1) -> Rule:
    """A whole number of at least `low` (comparing owners needs two of them, a skip two stages)."""
    return Rule(f"a whole number of at least {low}", low=low, high=1_000_000_000, integer=True)


def number(low: float | None = None, high: float | None = None) -> Rule:
    """A finite number within the bounds (a z-score threshold, a factor)."""
    if low is not None and high is not None:
        what = f"a number between {low:g} and {high:g}"
    elif low is not None:
        what = f"a number of at least {low:g}"
    elif high is not None:
        what = f"a number of at most {high:g}"
    else:
        what = "a finite number"
    return Rule(what, low=low, high=high)
