"""What OF07-OF09 share: their inputs, the skips when the call log or the contacts' phones
cannot be compared, and how a call's number appears in a report (masked unless asked)."""

from __future__ import annotations

import pandas as pd

from audit.derived.calls import has_phones
from audit.model.phones import mask_numbers
from checks.base import Check, CheckResult, Derived, RunContext

CALL_NEEDS = {"deals": ("created_at",), "calls": ("started_at", "their_number"), "contact_points": ("value",)}


def skip(check: Check, reason: str, reason_ru: str, judged: int = 0) -> CheckResult:
    """Skipped with the reason: the check could not compare the phone log with the CRM."""
    return check.skip(reason, reason_ru, judged=judged)


def skip_if_incomparable(check: Check, d: Derived) -> CheckResult | None:
    """A skip when the exported contacts hold no phone, or the log has no call with a client."""
    if not has_phones(d.crm):
        return skip(check, "the exported contacts hold no phone number: export deals with their contacts' phones "
                           f"to enable {check.code}",
                    "в выгруженных контактах нет ни одного телефона: выгрузите сделки с телефонами контактов, "
                    f"чтобы включить {check.code}")
    if d.client_calls.frame.empty:
        return skip(check, "the call log holds no call with an outside number (only internal calls, or no number "
                           "could be read)",
                    "в журнале звонков нет ни одного звонка с внешним номером (только внутренние или номера не "
                    "прочитаны)")
    return None


def shown_numbers(numbers: pd.Series, ctx: RunContext) -> pd.Series:
    """Numbers as a report may show them: masked ("+7 *** ***-**-67") unless the run was asked
    to show them (--show-numbers, and never with --mask-pii)."""
    return numbers.astype("str") if ctx.show_numbers else mask_numbers(numbers)


def minutes(seconds: pd.Series | float) -> pd.Series | float:
    return (seconds / 60).round(1) if isinstance(seconds, pd.Series) else round(float(seconds) / 60, 1)
