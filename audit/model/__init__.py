"""The bottom floor: canonical tables and `CrmData` (tables), result types (findings, result),
config, errors, fast text keys (keys) and the Russian language helpers (text).

Nothing here imports another floor. The canonical-table names are re-exported, so
`from audit.model import CrmData` reads as what it is.
"""

from audit.model.tables import (
    ACTIVITY_TYPES,
    CALL_DIRECTIONS,
    CONTACT_KINDS,
    DATETIME,
    DEAL_STATUSES,
    EXPORT_HINTS,
    EXPORT_HINTS_RU,
    LEAD_STATUSES,
    NO_PIPELINE,
    PARSE_ISSUE_COLUMNS,
    SCHEMA,
    STAGE_KINDS,
    TABLES,
    Column,
    CrmData,
    SourceFile,
    conform,
    empty_table,
    missing_values,
    take,
)

__all__ = ["ACTIVITY_TYPES", "CALL_DIRECTIONS", "CONTACT_KINDS", "DATETIME", "DEAL_STATUSES", "EXPORT_HINTS", "EXPORT_HINTS_RU", "LEAD_STATUSES",
           "NO_PIPELINE", "PARSE_ISSUE_COLUMNS", "SCHEMA", "STAGE_KINDS", "TABLES", "Column", "CrmData",
           "SourceFile", "conform", "empty_table", "missing_values", "take"]
