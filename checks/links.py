"""When activities were exported but none of them names an exported deal (contacts-only
activity exports, or deals whose ids the export lacks), an activity check would judge every
deal as silent. It is skipped instead, with a reason that says what to export."""

from __future__ import annotations

from audit.derived.deal_index import activity_positions
from audit.model import CrmData
from audit.model import text as ru
from checks.base import Check, CheckResult, Status


def skip_if_unlinked(check: Check, crm: CrmData) -> CheckResult | None:
    """A skipped result when no activity links to a deal of the deals table, else None."""
    acts = crm.activities
    if acts is None or not len(acts) or (activity_positions(crm) >= 0).any():
        return None
    reason = (f"activities not linked to deals: none of the {len(acts)} activities names a deal_id "
              f"found in deals; export activities with their deal id to enable {check.code}")
    reason_ru = (f"активности не привязаны к сделкам: ни одна из {len(acts)} "
                 f"{ru.plural(len(acts), 'активности', 'активностей', 'активностей')} не ссылается на deal_id из "
                 f"сделок; выгрузите активности с id сделки, чтобы включить {check.code}")
    return CheckResult(code=check.code, name=check.name, family=check.family, severity=check.severity,
                       status=Status.SKIPPED, skipped_reason=reason, message="not run: " + reason,
                       skipped_reason_ru=ru.sentence(reason_ru), message_ru="Не выполнена — " + reason_ru)
