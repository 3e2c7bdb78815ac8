"""Report writers, keyed by format. Each takes the AuditResult and a path; reports
render, they never compute audit logic.

Writers are imported on use: the workbook writer pulls in openpyxl, which
`crm-audit checks` should not pay for.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from audit.model.result import AuditResult


@dataclass(frozen=True)
class ReportOptions:
    lang: str = "en"
    mask_pii: bool = False
    deal_url: str | None = None
    max_rows: int | None = None  # detail rows per workbook sheet; None = the writer's default
    owner: str | None = None     # a manager's own workbook (--per-owner): his page and his rows only


# format -> (module, function); the function is write(result, path, options)
WRITERS = {
    "json": ("reports.json_report", "write"),
    "xlsx": ("reports.xlsx", "write"),
    "md": ("reports.markdown", "write"),
}


def load_writers(formats: Iterable[str]) -> None:
    """Import the writers of `formats` now (the workbook's pulls in openpyxl: about 0.1 s): called
    before the audit, whose end waits for the Great Expectations worker on a small export, rather
    than after it, when every import is on the way to the report."""
    for module in sorted({WRITERS[fmt][0] for fmt in formats if fmt in WRITERS}):
        importlib.import_module(module)


def write(fmt: str, result: AuditResult, path: str | Path, options: ReportOptions = ReportOptions()) -> None:
    module, func = WRITERS[fmt]
    getattr(importlib.import_module(module), func)(result, Path(path), options)
