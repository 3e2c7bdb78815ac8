"""When activities were exported but none of them names an exported deal (contacts-only
activity exports, or deals whose ids the export lacks), an activity check would judge every
deal as silent. It is skipped instead, with a reason that says what to export."""

from __future__ import annotations

from audit.deal_index import activity_positions
from audit.model import CrmData
from checks.base import Check, CheckResult, Status


def skip_if_unlinked(check: Check, crm: CrmData) -> CheckResult | None:
    """A skipped result when no activity links to a deal of the deals table, else None."""
    acts = crm.activities
    if acts is None or not len(acts) or (activity_positions(crm) >= 0).any():
        return None
    reason = (f"activities not linked to deals: none of the {len(acts)} activities names a deal_id "
              f"found in deals; export activities with their deal id to enable {check.code}")
    return CheckResult(code=check.code, name=check.name, family=check.family, severity=check.severity,
                       status=Status.SKIPPED, skipped_reason=reason, message="not run: " + reason)
