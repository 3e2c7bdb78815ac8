"""How a crm-audit report says what it is, so that it is never read back as an export.

A workbook written into the export folder was read on the next run (its "Stages and
pipelines" sheet taken for a pipelines table), and every later run failed. The workbook
carries a custom document property (Excel keeps it when the file is edited and saved); the
JSON report has `tool.name`. Readers skip files that carry either, and `inspect` says so.
"""

TOOL_NAME = "crm-audit"
WORKBOOK_PROPERTY = "crm-audit-report"       # custom document property; its value: tool version
SKIP_NOTE = "a crm-audit report, not an export: not read as input"
