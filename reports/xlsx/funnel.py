"""The Funnel sheet: per pipeline, stages down and managers across (those who worked that
pipeline, the busiest first), the team's conversion beside them, and a chart of the team's
conversion by stage under each block; each pipeline prints on its own page.

Cells resting on fewer deals than FN01's `min_deals` (as run) are grey and left out of the
colour scale: FN01 does not judge them, and a reader should not either. Managers whom a
check about managers flagged (ST02 never loses, OF03 logs little, OF05 misses a channel, FN01
converts far below the team) carry its code in their header, so a manager who never loses does
not pass for the best one because his column is green.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.styles import PatternFill
from openpyxl.worksheet.pagebreak import Break

from audit.model.result import AuditResult
from reports import i18n
from reports.common import is_number
from reports.i18n import t
from reports.xlsx.charts import cache_series
from reports.xlsx.sheet import BookContext, Sheet
from reports.xlsx.styles import Font, FMT_INT, FMT_PCT, SEVERITY_COLORS, scale, show_axes
from reports.xlsx.tables import row_ranges

JUDGE = "FN01"                  # the check that judges these conversions
MAX_FUNNEL_OWNERS = 1_000
CHART_ROWS = 14                 # rows kept free under a block for its chart


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
    s = Sheet(wb, t("sheet.funnel", lang), [30, 11] + [name_width] * widest + [14], lang=ctx.lang)
    s.freeze("B2")
    s.print_setup(ctx)
    min_deals = min_sample(r)
    caption = t("funnel.caption", lang)
    if min_deals is not None:
        caption += " " + t("funnel.small", lang, n=min_deals)
    s.caption(caption)
    flagged = _flagged_owners(r)
    if flagged:
        s.caption(t("funnel.marked", lang))
    if not usable:
        s.caption(t("funnel.none", lang))
        return
    for i, (pipeline, block) in enumerate(funnel.groupby("pipeline", sort=True, dropna=False)):
        if i:
            s.ws.row_breaks.append(Break(id=s.row))  # each pipeline on its own page
        _pipeline(s, pipeline, block, min_deals, lang, flagged)


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


def _pipeline_title(pipeline: Any, lang: str) -> str:
    """'Pipeline: Опт'; a name that already says it is a pipeline ('Воронка Петрова') stays alone."""
    name = str(i18n.sentinel(pipeline, lang))
    word = t("col.pipeline", lang).lower()
    return name if name.lower().startswith((word, "pipeline", "воронка")) else t("funnel.pipeline", lang, name=name)


def _flagged_owners(result: AuditResult) -> dict[tuple[str, str | None], list[str]]:
    """(owner, pipeline or None for all) -> codes of the checks about managers that flagged him."""
    f = result.findings
    if not len(f):
        return {}
    own = f[f["entity_type"].eq("owner")]
    out: dict[tuple[str, str | None], list[str]] = {}
    for code, owner, pipeline in zip(own["code"], own["entity_id"], own["pipeline"]):
        key = (str(owner), None if pipeline is None or pipeline != pipeline else str(pipeline))
        if code not in out.setdefault(key, []):
            out[key].append(str(code))
    return out


def _pipeline(s: Sheet, pipeline: Any, block: pd.DataFrame, min_deals: float | None, lang: str,
              flagged: dict[tuple[str, str | None], list[str]]) -> None:
    """One pipeline's block: a row per stage, the team then each manager's conversion, and a
    chart of the team's conversion beneath."""
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
    s.section(_pipeline_title(pipeline, lang))
    marks = [flagged.get((str(o), None), []) + flagged.get((str(o), str(pipeline)), []) for o in owners]
    hit = SEVERITY_COLORS["high"][0]
    names = [s.cell(i18n.sentinel(str(o), lang) + (" · " + ", ".join(m) if m else ""), "ca_header")
             for o, m in zip(owners, marks)]
    for cell, m in zip(names, marks):
        if m:
            cell.fill = PatternFill("solid", fgColor=hit)
    s.append([s.cell(t("col.stage", lang), "ca_header"), s.cell(t("team", lang), "ca_header"), *names,
              s.cell(t("col.team_entered", lang), "ca_header")], height=32)
    header_row = s.row
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
    _chart(s, header_row, list(stages), team["_conversion"].tolist(), lang)


def _chart(s: Sheet, header_row: int, stages: list, conversion: list, lang: str) -> None:
    """The team's conversion by stage, as bars top-down in stage order, under the block."""
    if not stages:
        return
    first, last = header_row + 1, header_row + len(stages)
    s.blank()
    s.caption(t("funnel.chart", lang))
    chart = BarChart()
    chart.type = "bar"
    chart.style = 10
    chart.gapWidth = 40
    chart.legend = None
    chart.add_data(Reference(s.ws, min_col=2, min_row=first, max_row=last), titles_from_data=False)
    chart.set_categories(Reference(s.ws, min_col=1, min_row=first, max_row=last))
    cache_series(chart.series[0], conversion, [str(x) for x in stages])
    chart.series[0].graphicalProperties.solidFill = "2E75B6"
    chart.x_axis.scaling.orientation = "maxMin"   # the first stage on top, as in the table
    chart.y_axis.scaling.min = 0
    chart.y_axis.scaling.max = 1
    chart.y_axis.number_format = "0%"
    show_axes(chart)
    chart.width = 18
    chart.height = max(5.0, 0.8 * len(stages) + 1.5)
    s.ws.add_chart(chart, f"A{s.row + 1}")
    s.blank(max(CHART_ROWS, int(chart.height / 0.53) + 2))  # a row is about 0.53 cm
