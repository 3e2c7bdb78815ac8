"""The Funnel sheet: per pipeline, stages down and managers across (those who worked that
pipeline, the busiest first), the team's conversion beside them.

Cells resting on fewer deals than FN01's `min_deals` (as run) are grey and left out of the
colour scale: FN01 does not judge them, and a reader should not either.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Font

from audit.model.result import AuditResult
from reports import i18n
from reports.common import is_number
from reports.i18n import t
from reports.xlsx.sheet import BookContext, Sheet
from reports.xlsx.styles import FMT_INT, FMT_PCT, scale
from reports.xlsx.tables import row_ranges

JUDGE = "FN01"                  # the check that judges these conversions
MAX_FUNNEL_OWNERS = 1_000


def min_sample(result: AuditResult) -> int | float | None:
    """FN01's minimum sample as it ran (config included); None when FN01 did not run."""
    info = result.catalogue.get(JUDGE)
    value = dict(info.params).get("min_deals") if info is not None else None
    return value if is_number(value) else None


def add(wb: Workbook, ctx: BookContext) -> None:
    r, lang = ctx.result, ctx.lang
    funnel = r.funnel if r.funnel is not None else pd.DataFrame()
    usable = not funnel.empty and {"pipeline", "stage", "conversion"} <= set(funnel.columns)
    widest, name_width = 0, 11
    if usable:
        funnel = _numeric(funnel)
        per_pipeline = funnel[~funnel["_team"]].groupby("pipeline", dropna=False)["_owner"].nunique()
        widest = int(min(per_pipeline.max() if len(per_pipeline) else 0, MAX_FUNNEL_OWNERS))
        names = funnel["_owner"].dropna().astype(str)
        name_width = max(11, min(18, int(names.str.len().max()) + 2)) if len(names) else 11
    s = Sheet(wb, t("sheet.funnel", lang), [30, 11] + [name_width] * widest + [14])
    s.freeze("B2")
    min_deals = min_sample(r)
    caption = t("funnel.caption", lang)
    if min_deals is not None:
        caption += " " + t("funnel.small", lang, n=min_deals)
    s.caption(caption)
    if not usable:
        s.caption(t("funnel.none", lang))
        return
    for pipeline, block in funnel.groupby("pipeline", sort=True, dropna=False):
        _pipeline(s, pipeline, block, min_deals, lang)


def _numeric(funnel: pd.DataFrame) -> pd.DataFrame:
    """The funnel with helper columns: team rows marked, owner, entered, conversion and
    order as numbers (missing columns read as empty)."""
    funnel = funnel.copy()
    owner = funnel["owner"] if "owner" in funnel else pd.Series(None, index=funnel.index, dtype=object)
    funnel["_team"] = owner.isna() | owner.astype(str).str.strip().eq("")
    funnel["_owner"] = owner.astype(object).where(~funnel["_team"], None)
    entered = funnel["entered"] if "entered" in funnel else pd.Series(np.nan, index=funnel.index)
    funnel["_entered"] = pd.to_numeric(entered, errors="coerce")
    funnel["_conversion"] = pd.to_numeric(funnel["conversion"], errors="coerce")
    order = funnel["order"] if "order" in funnel else pd.Series(np.nan, index=funnel.index)
    funnel["_order"] = pd.to_numeric(order, errors="coerce")
    return funnel


def _pipeline(s: Sheet, pipeline: Any, block: pd.DataFrame, min_deals: float | None, lang: str) -> None:
    """One pipeline's block: a row per stage, the team then each manager's conversion."""
    grey = Font(color="A6A6A6", italic=True)
    bold = Font(bold=True)
    people = block[~block["_team"]]
    owners = (people.groupby("_owner")["_entered"].sum().sort_values(ascending=False, kind="stable")
              .index[:MAX_FUNNEL_OWNERS].tolist())
    stages = block.groupby("stage", dropna=False)["_order"].min().sort_values(kind="stable").index
    team = block[block["_team"]].drop_duplicates("stage").set_index("stage").reindex(stages)
    people = people.drop_duplicates(["stage", "_owner"])
    conversion = people.pivot(index="stage", columns="_owner", values="_conversion").reindex(
        index=stages, columns=owners)
    entered = people.pivot(index="stage", columns="_owner", values="_entered").reindex(
        index=stages, columns=owners)
    conv_rows = conversion.to_numpy(dtype=float).tolist()
    small_rows = (entered.to_numpy(dtype=float) < (min_deals if min_deals is not None else -np.inf)).tolist()
    s.blank()
    s.section(t("funnel.pipeline", lang, name=i18n.sentinel(pipeline, lang)))
    s.header([t("col.stage", lang), t("team", lang), *[i18n.sentinel(str(o), lang) for o in owners],
              t("col.team_entered", lang)])
    for stage, team_conv, team_n, convs, smalls in zip(stages, team["_conversion"], team["_entered"],
                                                      conv_rows, small_rows):
        row: list[Any] = [s.cell(stage, "ca_label"), s.cell(team_conv, fmt=FMT_PCT, font=bold)]
        row += [None if c != c else s.cell(c, fmt=FMT_PCT, font=grey if small else None)
                for c, small in zip(convs, smalls)]
        row.append(s.cell(team_n, fmt=FMT_INT))
        s.append(row)
        # Each stage row on its own scale: a manager is judged against the team at that
        # stage, not against the natural drop from early to late stages. Cells resting on
        # too few deals stay out of the scale (grey text, no colour): they are noise.
        judged = [True] + [c == c and not small for c, small in zip(convs, smalls)]
        ref = row_ranges(judged, first_col=2, row=s.row)
        if ref:
            scale(s, ref)
