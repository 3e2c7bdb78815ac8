"""HY: field-level data quality. HY01-HY05 run as one Great Expectations suite
(checks/hygiene/gx_adapter.py, the only module that imports GX); HY06-HY08 are pandas.

`CHECKS` loads on first use (PEP 562), so that the Great Expectations worker process, which
imports `checks.hygiene.gx_worker`, does not import the checks themselves.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from checks.base import Check

    CHECKS: tuple[type[Check], ...]


def _checks() -> tuple:
    from checks.hygiene.HY01 import RequiredFields
    from checks.hygiene.HY02 import DuplicateIds
    from checks.hygiene.HY03 import DateOrder
    from checks.hygiene.HY04 import AmountRange
    from checks.hygiene.HY05 import StatusConsistency
    from checks.hygiene.HY06 import OrphanRecords
    from checks.hygiene.HY07 import DuplicateDeals
    from checks.hygiene.HY08 import UnparseableValues

    return (RequiredFields, DuplicateIds, DateOrder, AmountRange, StatusConsistency, OrphanRecords,
            DuplicateDeals, UnparseableValues)


def __getattr__(name: str) -> Any:
    if name == "CHECKS":
        globals()["CHECKS"] = _checks()
        return globals()["CHECKS"]
    raise AttributeError(f"module 'checks.hygiene' has no attribute {name!r}")
