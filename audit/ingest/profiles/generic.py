"""Generic: files whose headers are the canonical column names (an API dump, a team's own
export, or a spreadsheet mapped with [columns.*] in crm-audit.toml)."""

from __future__ import annotations

from audit.ingest.profiles.base import Profile, TableSpec
from audit.model import SCHEMA

# Identifying headers per table: its required columns, plus one that tells deals from history.
_KEYS = {
    "deals": ("deal_id", "stage", ("created_at", "status", "owner", "amount")),
    "stage_history": ("deal_id", "to_stage", "changed_at"),
    "activities": ("deal_id", "type", "at"),
    "leads": ("lead_id", ("status", "created_at", "owner")),
    "users": ("owner", ("user_id", "team", "active")),
    "pipelines": ("pipeline", "stage", ("order", "kind")),
}
_EXCLUDE = {"deals": ("to_stage", "changed_at"), "users": ("deal_id", "lead_id", "stage")}

PROFILE = Profile(
    name="generic",
    label="canonical columns",
    tables=tuple(
        TableSpec(table=name, label=name, columns={c.name: c.name for c in SCHEMA[name]},
                  key=_KEYS[name], exclude=_EXCLUDE.get(name, ()))
        for name in SCHEMA
    ),
)
