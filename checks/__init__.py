"""The check catalogue. Every check is listed here once, by family; a test guards that
each module under checks/<family>/ is registered and each code is unique.

The catalogue loads on first use of `ALL_CHECKS` or `BY_CODE` (PEP 562), not on import of
the package: the Great Expectations worker process imports one module of it
(`checks.hygiene.gx_worker`) and must not pay for importing every check first.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from checks.base import Check

    ALL_CHECKS: tuple[type[Check], ...]
    BY_CODE: dict[str, type[Check]]


def _catalogue() -> dict[str, Any]:
    from checks.activity import CHECKS as ACTIVITY
    from checks.funnel import CHECKS as FUNNEL
    from checks.hygiene import CHECKS as HYGIENE
    from checks.stages import CHECKS as STAGES
    from checks.sterile import CHECKS as STERILE

    all_checks = (*STERILE, *STAGES, *ACTIVITY, *FUNNEL, *HYGIENE)
    return {"ALL_CHECKS": all_checks, "BY_CODE": {c.code: c for c in all_checks}}


def __getattr__(name: str) -> Any:
    if name in ("ALL_CHECKS", "BY_CODE"):
        globals().update(_catalogue())
        return globals()[name]
    raise AttributeError(f"module 'checks' has no attribute {name!r}")
