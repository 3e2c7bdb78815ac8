"""After every file is read: one set of canonical tables.

Frames of the same table are concatenated across files; each profile that read a file then
runs its assemble step (ids resolved through the lookup tables its files set aside, close
times from stage history); user ids become names through the users table, history rows get
their from_stage, and stage order declared in crm-audit.toml becomes the pipelines table.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from audit.ingest.contacts import finish_calls, finish_points, known_managers
from audit.ingest.profiles import Assembly, Profile
from audit.model.config import Config
from audit.model.warnings import InputWarning


def assemble(parts: dict[str, list[pd.DataFrame]], lookups: dict[str, list[pd.DataFrame]],
             profiles: Iterable[Profile], cfg: Config) -> tuple[dict[str, pd.DataFrame], list[InputWarning]]:
    """Canonical tables (only those some file provided) and the warnings the assemble steps raised."""
    tables = {name: concat(frames) for name, frames in parts.items() if frames}
    assembly = Assembly(tables=tables, lookups={name: concat(frames) for name, frames in lookups.items()})
    for profile in profiles:
        if profile.assemble is not None:
            profile.assemble(assembly)
    tables = _resolve_users(assembly.tables)
    if "contact_points" in tables:
        tables["contact_points"] = finish_points(tables["contact_points"], cfg)
    if "calls" in tables:
        tables["calls"] = finish_calls(tables["calls"], cfg, known_managers(tables))
    if "stage_history" in tables:
        tables["stage_history"] = _fill_from_stage(tables["stage_history"])
    if cfg.pipelines and "pipelines" not in tables:
        tables["pipelines"] = _declared_pipelines(cfg)
    return tables, assembly.warnings


def concat(frames: Sequence[pd.DataFrame]) -> pd.DataFrame:
    return frames[0] if len(frames) == 1 else pd.concat(frames, ignore_index=True)


def _resolve_users(tables: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """Exports that carry user ids (Salesforce OwnerId) get names from the users table."""
    users = tables.get("users")
    if users is None or "user_id" not in users.columns:
        return tables
    names = users.dropna(subset=["user_id", "owner"]).drop_duplicates("user_id").set_index("user_id")["owner"]
    if names.empty:
        return tables
    for name, cols in {"deals": ("owner", "created_by"), "activities": ("owner",), "leads": ("owner",),
                       "stage_history": ("changed_by",)}.items():
        table = tables.get(name)
        if table is None:
            continue
        for col in cols:
            if col in table.columns and table[col].isin(names.index).any():
                # Labels encoded at parse time are filled as text (a categorical refuses a new value).
                given = table[col].astype("str") if isinstance(table[col].dtype, pd.CategoricalDtype) else table[col]
                table[col] = given.map(names).fillna(given)
    return tables


def _fill_from_stage(history: pd.DataFrame) -> pd.DataFrame:
    """Exports that store only the stage moved to get from_stage from the deal's previous row
    (previous in time; the table keeps its file order)."""
    if "from_stage" in history.columns and history["from_stage"].notna().all():
        return history
    # Order by integer codes, not id strings (many times faster), and move one column only.
    import pyarrow as pa
    import pyarrow.compute  # noqa: F401 (pa.compute)
    deal_codes, _ = pd.factorize(history["deal_id"])
    times = history["changed_at"].to_numpy(dtype="datetime64[us]").astype("int64")
    order = np.lexsort((times, deal_codes))
    sorted_codes = deal_codes[order]
    same_deal = np.r_[False, sorted_codes[1:] == sorted_codes[:-1]]
    stages = pa.array(history["to_stage"].astype(object).where(history["to_stage"].notna(), None).tolist()
                      if getattr(history["to_stage"].array, "_pa_array", None) is None
                      else history["to_stage"].array._pa_array.combine_chunks())
    shifted = pa.concat_arrays([pa.nulls(1, stages.type), stages.take(order[:-1])]) if len(order) else stages
    previous_sorted = pa.compute.if_else(pa.array(same_deal), shifted, pa.nulls(len(order), stages.type))
    inverse = np.empty_like(order)
    inverse[order] = np.arange(len(order))
    previous = pd.Series(pd.array(previous_sorted.take(inverse), dtype="str"), index=history.index)
    history = history.copy()
    if "from_stage" in history.columns:
        history["from_stage"] = history["from_stage"].fillna(previous)
    else:
        history["from_stage"] = previous
    return history


def _declared_pipelines(cfg: Config) -> pd.DataFrame:
    rows = [{"pipeline": name, "stage": stage, "order": i + 1, "kind": "open"}
            for name, stages in cfg.pipelines.items() for i, stage in enumerate(stages)]
    return pd.DataFrame(rows, columns=["pipeline", "stage", "order", "kind"])
