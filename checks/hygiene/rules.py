"""The field-level hygiene rules of HY01-HY05, as data: one Great Expectations 1.x expectation each.

Each rule is written in GX's own JSON form (`type`, `kwargs`), so the suite the audit
validates and the suite `crm-audit gx-suite` exports are the same text. This module does
not import great_expectations (the adapter does, lazily); `crm-audit checks` stays fast.

Two kinds of rules:
- static rules read canonical columns only; they are exported and give the same verdict
  on any canonical frame;
- derived rules need a value inferred from the whole export (which stages record an
  outcome); the adapter adds that value as a column before validating, and they are not
  exported (a suite carries no data).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from audit.model.text import column_word

# A validation parameter, resolved at run time: the audit's reference time.
AS_OF = {"$PARAMETER": "as_of"}

# Derived column of the deals frame: the status its stage implies (see HY05).
STAGE_KIND = "stage_kind"

ID_COLUMNS = {"deals": "deal_id", "activities": "activity_id", "leads": "lead_id"}


def _when(column: str, operator: str, value: Any) -> dict:
    """A GX 1.x row condition in its JSON form."""
    return {"type": "comparison", "column": {"name": column}, "operator": operator, "parameter": value}


@dataclass(frozen=True)
class Rule:
    """One expectation: what it checks, which check reports it, and what a failure means."""

    key: str                      # stable name, also meta.crm_audit.rule of the expectation
    check: str                    # HY01..HY05
    table: str                    # canonical table validated
    type: str                     # GX expectation type
    kwargs: Mapping[str, Any]     # GX kwargs, JSON form
    reads: tuple[str, ...]        # canonical columns read (the rule is left out when one was not exported)
    problem: str                  # what is wrong with a failing record, for messages
    note: str                     # the rule in one sentence, for the exported suite
    derived: bool = False         # reads a column the adapter derives from the whole export
    meta: Mapping[str, Any] = field(default_factory=dict)

    def expectation(self) -> dict:
        """The expectation as GX 1.x JSON."""
        return {"type": self.type, "kwargs": dict(self.kwargs), "notes": self.note,
                "meta": {"crm_audit": {"check": self.check, "rule": self.key}}}


def _not_null(check: str, column: str, note: str, table: str = "deals", **extra: Any) -> Rule:
    return Rule(f"{column}-missing", check, table, "expect_column_values_to_not_be_null",
                {"column": column}, (column,), f"no {column_word(column)}", note, **extra)


RULES: tuple[Rule, ...] = (
    # HY01 required-fields: a deal nobody owns, in no stage, with no creation date or id
    # cannot be counted in any funnel or scorecard.
    _not_null("HY01", "deal_id", "Every deal has an id."),
    _not_null("HY01", "stage", "Every deal is in a stage."),
    _not_null("HY01", "owner", "Every deal has an owner."),
    _not_null("HY01", "created_at", "Every deal has a creation date."),
    Rule("won-amount-missing", "HY01", "deals", "expect_column_values_to_not_be_null",
         {"column": "amount", "row_condition": _when("status", "==", "won")}, ("amount", "status"),
         "won without an amount", "Every won deal has an amount."),
    # HY02 duplicate-ids: two records under one id get merged or double-counted downstream.
    *(Rule(f"{col}-duplicate", "HY02", table, "expect_column_values_to_be_unique", {"column": col}, (col,),
           f"{column_word(col)} repeated", f"No two {table} rows share a {col}.")
      for table, col in ID_COLUMNS.items()),
    # HY03 date-order.
    Rule("closed-before-created", "HY03", "deals", "expect_column_pair_values_a_to_be_greater_than_b",
         {"column_A": "closed_at", "column_B": "created_at", "or_equal": True,
          "ignore_row_if": "either_value_is_missing"}, ("closed_at", "created_at"),
         "closed before it was created", "A deal closes at or after its creation."),
    *(Rule(f"{col}-after-as-of", "HY03", "deals", "expect_column_values_to_be_between",
           {"column": col, "max_value": AS_OF}, (col,), f"{column_word(col)} after the audit date",
           f"No {col} lies after the audit date (parameter as_of).")
      for col in ("created_at", "closed_at", "last_activity_at")),
    # HY04 amount-range.
    Rule("amount-negative", "HY04", "deals", "expect_column_values_to_be_between",
         {"column": "amount", "min_value": 0}, ("amount",), "negative amount", "No amount is negative."),
    Rule("won-amount-not-positive", "HY04", "deals", "expect_column_values_to_be_between",
         {"column": "amount", "min_value": 0, "strict_min": True, "row_condition": _when("status", "==", "won")},
         ("amount", "status"), "won with a zero or negative amount", "Every won deal has an amount above zero."),
    # HY05 status-consistency.
    Rule("status-unknown", "HY05", "deals", "expect_column_values_to_be_in_set",
         {"column": "status", "value_set": ["open", "won", "lost"]}, ("status",),
         "status is not open, won or lost", "A deal's status is open, won or lost."),
    Rule("open-with-closed-at", "HY05", "deals", "expect_column_values_to_be_null",
         {"column": "closed_at", "row_condition": _when("status", "==", "open")}, ("closed_at", "status"),
         "open but has a close date", "An open deal has no close date."),
    Rule("closed-without-closed-at", "HY05", "deals", "expect_column_values_to_not_be_null",
         {"column": "closed_at", "row_condition": _when("status", "IN", ["won", "lost"])},
         ("closed_at", "status"), "closed without a close date", "A won or lost deal has a close date."),
    Rule("status-contradicts-stage", "HY05", "deals", "expect_column_pair_values_to_be_equal",
         {"column_A": "status", "column_B": STAGE_KIND, "ignore_row_if": "either_value_is_missing"},
         ("status", "stage"), "status contradicts its stage",
         "In a pipeline whose stages record the outcome, a deal's status is the one its stage implies.",
         derived=True),
)

# What a failing record of each rule has, in Russian: per-record messages and summary counts.
PROBLEM_RU: Mapping[str, str] = {
    "deal_id-missing": "нет ID сделки", "stage-missing": "нет этапа", "owner-missing": "нет ответственного",
    "created_at-missing": "нет даты создания", "won-amount-missing": "выиграна без суммы",
    "deal_id-duplicate": "повторяющийся ID сделки", "activity_id-duplicate": "повторяющийся ID активности",
    "lead_id-duplicate": "повторяющийся ID лида",
    "closed-before-created": "закрыта раньше, чем создана",
    "created_at-after-as-of": "дата создания позже даты аудита",
    "closed_at-after-as-of": "дата закрытия позже даты аудита",
    "last_activity_at-after-as-of": "дата последней активности позже даты аудита",
    "amount-negative": "отрицательная сумма", "won-amount-not-positive": "выиграна с нулевой или отрицательной суммой",
    "status-unknown": "неизвестный статус", "open-with-closed-at": "открыта, но с датой закрытия",
    "closed-without-closed-at": "закрыта без даты закрытия", "status-contradicts-stage": "статус противоречит этапу",
}

BY_KEY: Mapping[str, Rule] = {r.key: r for r in RULES}


def rules_for(check: str) -> tuple[Rule, ...]:
    return tuple(r for r in RULES if r.check == check)
