"""What a CRM profile is: per table it can read, the headers that identify it, the
header -> canonical column mapping, a `finish` step for what only that CRM knows
(won/lost from system stages, IsWon flags, events that are both history and contacts),
and an `assemble` step for what needs several files (ids resolved through lookup tables).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

import numpy as np
import pandas as pd


def norm_header(text: str) -> str:
    """Header comparison key: case, ё/е, quotes, BOM and spacing do not matter."""
    text = str(text).replace("\ufeff", "").replace("ё", "е").replace("Ё", "Е")
    text = re.sub(r"\s+", " ", text.strip().strip('"').strip("'")).casefold()
    return text


@dataclass(frozen=True)
class FinishContext:
    """What a profile's finish step may use besides its own table, and what it hands on.

    Stage names are normalized (`norm_header`): `declared_*` come from `[status]` in
    crm-audit.toml and win over everything; `system_*` are the profile's own final stages.
    """

    declared_won: frozenset[str] = frozenset()
    declared_lost: frozenset[str] = frozenset()
    system_won: frozenset[str] = frozenset()
    system_lost: frozenset[str] = frozenset()
    # What the step noticed about the export (ids it could not resolve, rows it set aside):
    # `warn` collects them for `input.warnings`; the file name is filled in by the caller.
    warnings: list = field(default_factory=list)
    # Tables that are not canonical but resolve ids in others (Salesforce Account, Bitrix24
    # crm.status.list): `lookup` sets them aside for the profile's assemble step.
    lookups: dict = field(default_factory=dict)
    notes: list = field(default_factory=list)  # what was assumed, for the file's line in inspect
    calls: Any = None  # [calls] of crm-audit.toml (audit.model.config.CallsSettings), for call logs

    def warn(self, warning) -> None:
        self.warnings.append(warning)

    def note(self, text: str) -> None:
        self.notes.append(text)

    def lookup(self, name: str, frame: pd.DataFrame) -> None:
        """Set `frame` aside under `name` (several calls add rows); the caller tags it with the
        file it came from (column `_file`)."""
        self.lookups[name] = frame if name not in self.lookups else pd.concat([self.lookups[name], frame],
                                                                             ignore_index=True)


# finish(frame, ctx) -> {canonical table: frame}. Frames keep the `_row` column.
Finish = Callable[[pd.DataFrame, FinishContext], dict[str, pd.DataFrame]]


@dataclass
class Assembly:
    """Every file read: the canonical tables (concatenated over files, helpers dropped) and the
    lookup tables finish steps set aside. A profile's assemble step edits `tables` in place."""

    tables: dict[str, pd.DataFrame]
    lookups: Mapping[str, pd.DataFrame]
    warnings: list = field(default_factory=list)

    def warn(self, warning) -> None:
        self.warnings.append(warning)


Assemble = Callable[[Assembly], None]


@dataclass(frozen=True)
class TableSpec:
    """One kind of file a CRM exports.

    `key` lists groups of headers; the file is recognised when each group has at least one
    header present (a group is a tuple of alternatives, or a single header). `exclude`
    headers rule it out (a Pipedrive activities export also carries "Deal - ID").
    `columns` maps export headers to canonical columns; several headers may feed the same
    column (first present wins). Columns named "_something" are helpers for `finish`,
    parsed as `helper_kinds` says (text by default; "raw" text is left uncleaned for a finish
    step that cleans each distinct value itself). Headers matching `helper_patterns`
    (regex -> kind) are kept as helpers under their own name prefixed with "_".
    `table` is "lookup" for a file that only resolves ids in others (its finish step hands
    it to `FinishContext.lookup` and returns no canonical table).
    """

    table: str
    columns: Mapping[str, str]
    key: tuple[str | tuple[str, ...], ...]
    label: str = ""
    exclude: tuple[str, ...] = ()
    dayfirst: bool | None = None
    finish: Finish | None = None
    helper_kinds: Mapping[str, str] = field(default_factory=dict)
    helper_patterns: tuple[tuple[str, str], ...] = ()

    def normalized_columns(self) -> dict[str, str]:
        return {norm_header(h): c for h, c in self.columns.items()}

    def key_groups(self) -> list[set[str]]:
        return [{norm_header(h) for h in ((g,) if isinstance(g, str) else g)} for g in self.key]


@dataclass(frozen=True)
class Profile:
    name: str                                # amocrm, bitrix24, ... as in --crm
    label: str                               # "amoCRM / Kommo"
    tables: tuple[TableSpec, ...]
    won_stages: tuple[str, ...] = ()         # the CRM's own final stages (FinishContext.system_*)
    lost_stages: tuple[str, ...] = ()
    dayfirst: bool | None = None
    # The CRM keeps a won or lost deal in its last open stage and records the outcome in its
    # status only (Pipedrive): every stage of its deals export is an open stage.
    stages_all_open: bool = False
    assemble: Assemble | None = None         # cross-file step, run once after every file is read


def stage_status(stages: pd.Series, won: frozenset[str], lost: frozenset[str]) -> pd.Series:
    """won/lost for stages named in the sets (normalized), else None."""
    codes, uniques = pd.factorize(stages, use_na_sentinel=True)
    keys = [norm_header(u) for u in uniques]
    labels = np.array(["won" if k in won else "lost" if k in lost else None for k in keys] + [None],
                      dtype=object)
    return pd.Series(labels[codes], index=stages.index, dtype=object)  # code -1 -> the trailing None


def truthy(values: pd.Series) -> pd.Series:
    """Flag columns as exported: true/yes/1/да/Y (any case) are True, anything else False."""
    return values.astype("str").str.strip().str.lower().isin(["true", "yes", "y", "1", "1.0", "да"])


def relabel(table: str, column: str, rules: list[tuple[str, str]]) -> Finish:
    """A finish step that maps one column's CRM labels onto canonical values (lead statuses:
    "Некачественный лид" -> disqualified). Labels no rule knows stay for the generic rules."""
    from audit.ingest.values import map_labels

    def finish(frame: pd.DataFrame, ctx: FinishContext) -> dict[str, pd.DataFrame]:
        mapped, _ = map_labels(frame[column], rules)
        return {table: frame.assign(**{column: mapped.where(mapped.notna(), frame[column])})}
    return finish


def users_finish(frame: pd.DataFrame, ctx: FinishContext) -> dict[str, pd.DataFrame]:
    """Users: the display name from first and last name when the export has no full name."""
    if "owner" in frame.columns and frame["owner"].notna().any():
        return {"users": frame}
    parts = [frame[c].fillna("").astype("str") if c in frame.columns else pd.Series("", index=frame.index)
             for c in ("_first", "_last")]
    name = (parts[0] + " " + parts[1]).str.strip()
    return {"users": frame.assign(owner=name.where(name.ne(""), None))}


def expected_close_for_open(frame: pd.DataFrame) -> pd.DataFrame:
    """CRMs whose one close-date field is the real close of a closed deal and the planned one of
    an open deal (Salesforce CloseDate, HubSpot Close Date, Zoho Closing Date): split it."""
    if "closed_at" in frame.columns:
        is_open = frame["status"].eq("open")
        frame["expected_close_at"] = frame["closed_at"].where(is_open)
        frame["closed_at"] = frame["closed_at"].where(~is_open)
    return frame
