"""Generic: files whose headers are the canonical column names (an API dump, a team's own
export, or a spreadsheet mapped with [columns.*] in crm-audit.toml)."""

from __future__ import annotations

import pandas as pd

from audit.ingest.profiles.base import FinishContext, Profile, TableSpec
from audit.ingest.profiles.status import deal_status
from audit.model import SCHEMA

# Identifying headers per table: its required columns, plus one that tells deals from history.
_KEYS = {
    "deals": ("deal_id", "stage", ("created_at", "status", "owner", "amount")),
    "stage_history": ("deal_id", "to_stage", "changed_at"),
    "activities": ("deal_id", "type", "at"),
    "leads": ("lead_id", ("status", "created_at", "owner")),
    "users": ("owner", ("user_id", "team", "active")),
    "pipelines": ("pipeline", "stage", ("order", "kind")),
    "calls": ("started_at", "their_number", ("direction", "duration_s", "our_party", "answered", "owner")),
    "contact_points": (("deal_id", "lead_id"), "kind", "value"),
}
_EXCLUDE = {"deals": ("to_stage", "changed_at"), "users": ("deal_id", "lead_id", "stage")}


def _deals_finish(frame: pd.DataFrame, ctx: FinishContext) -> dict[str, pd.DataFrame]:
    """No status column: won and lost from the stage names ([status] in crm-audit.toml first).
    An exported status column is mapped onto open/won/lost later, label by label."""
    if "status" in frame.columns and frame["status"].notna().any():
        return {"deals": frame}
    return {"deals": frame.assign(status=deal_status(frame["stage"], ctx))}


PROFILE = Profile(
    name="generic",
    label="canonical columns",
    tables=tuple(
        TableSpec(table=name, label=name, columns={c.name: c.name for c in SCHEMA[name]},
                  key=_KEYS[name], exclude=_EXCLUDE.get(name, ()),
                  finish=_deals_finish if name == "deals" else None)
        for name in SCHEMA
    ),
)
