"""The Stages and pipelines sheet: every stage with its verdicts and the deals there now,
then every pipeline with its owners and near-duplicates; bad verdicts highlighted."""

from __future__ import annotations

from typing import Mapping

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.formatting.rule import DataBarRule
from openpyxl.styles import Alignment
from openpyxl.utils import get_column_letter

from reports import i18n
from reports.i18n import t
from reports.xlsx.labels import localize_values, verdict_text
from reports.xlsx.sheet import BookContext, Sheet, missing
from reports.xlsx.styles import Font, FMT_1, FMT_AMOUNT, FMT_INT, FMT_PCT, SEVERITY_COLORS, band_rules, scale
from reports.xlsx.tables import column_ref, header_width, width

STAGE_ORDER = ["pipeline", "stage", "order", "kind", "verdict", "verdicts", "result_named", "vague", "hub",
               "dead", "deals_now", "open_now", "amount_now", "parked_now", "rotting_now", "stays",
               "median_dwell_days", "entered_from", "back_share", "declared"]
STAGE_FORMATS = {"order": "0", "deals_now": FMT_INT, "open_now": FMT_INT, "amount_now": FMT_AMOUNT,
                 "parked_now": FMT_INT, "rotting_now": FMT_INT, "stays": FMT_INT,
                 "median_dwell_days": FMT_1, "entered_from": FMT_INT, "back_share": FMT_PCT}
PIPELINE_ORDER = ["pipeline", "score", "deals", "open", "won", "lost", "owners", "owners_count", "main_owner",
                  "main_owner_share", "owner_names", "personal", "twin", "similarity", "stages", "declared"]
PIPELINE_FORMATS = {"deals": FMT_INT, "open": FMT_INT, "won": FMT_INT, "lost": FMT_INT, "owners_count": FMT_INT,
                    "stages": FMT_INT, "similarity": FMT_PCT, "main_owner_share": FMT_PCT, "score": FMT_1}
# Verdicts (and pipeline flags) a reader should see at once: highlighted in their cells.
BAD_VERDICTS = ("vague", "hub", "dead", "parked", "personal")


def _ordered(frame: pd.DataFrame, order: list[str]) -> list[str]:
    """The columns to show: those named in `order` first, then the rest but helpers (`_x`)."""
    cols = [c for c in order if c in frame.columns]
    return cols + [c for c in frame.columns if c not in cols and not str(c).startswith("_")]


def add(wb: Workbook, ctx: BookContext) -> None:
    r, lang = ctx.result, ctx.lang
    stages = r.stages if r.stages is not None else pd.DataFrame()
    pipelines = r.pipelines.copy() if r.pipelines is not None else pd.DataFrame()
    if len(pipelines) and "pipeline" in pipelines and r.scores.by_pipeline:
        pipelines["score"] = pipelines["pipeline"].map(dict(r.scores.by_pipeline)).astype(float)
    stage_cols, pipe_cols = _ordered(stages, STAGE_ORDER), _ordered(pipelines, PIPELINE_ORDER)
    s = Sheet(wb, t("sheet.stages", lang), _widths(((stages, stage_cols), (pipelines, pipe_cols)), lang),
              lang=ctx.lang)
    s.print_setup(ctx)
    s.caption(t("stages.caption", lang))
    s.blank()
    s.section(t("stages.stages", lang))
    if stages.empty or not stage_cols:
        s.caption(t("stages.none", lang))
    else:
        _stage_table(s, stages[stage_cols], lang)
    s.blank()
    s.section(t("stages.pipelines", lang))
    if pipelines.empty or not pipe_cols:
        s.caption(t("stages.none", lang))
        return
    _pipeline_table(s, pipelines[pipe_cols], lang)


def _widths(tables, lang: str) -> list[int]:
    """One column grid for both tables: each column as wide as the wider of the two needs."""
    n_cols = max(len(tables[0][1]), len(tables[1][1]), 2)
    widths = []
    for i in range(n_cols):
        parts = []
        for frame, cols in tables:
            if i < len(cols):
                # Names get room; long lists (owner names, verdicts) wrap within 28.
                hi = 40 if cols[i] in ("stage", "pipeline") else 28
                parts.append(max(width(frame[cols[i]].map(lambda v: verdict_text(v, lang)), hi=hi),
                                 header_width(i18n.column(cols[i], lang))))
        widths.append(max(parts) if parts else 12)
    return widths


def _stage_table(s: Sheet, shown: pd.DataFrame, lang: str) -> None:
    stage_cols = list(shown.columns)
    sort_cols = [c for c in ("pipeline", "order", "stage") if c in shown]
    if sort_cols:
        shown = shown.sort_values(sort_cols, kind="stable", na_position="last")
    s.header([i18n.column(c, lang) for c in stage_cols])
    first = s.row + 1
    _rows(s, localize_values(shown, lang), shown, stage_cols, lang, STAGE_FORMATS)
    last = s.row
    letter = {c: get_column_letter(i) for i, c in enumerate(stage_cols, 1)}
    for c in ("deals_now", "open_now", "amount_now"):
        if c in letter:
            s.ws.conditional_formatting.add(column_ref(letter, c, first, last), DataBarRule(
                start_type="num", start_value=0, end_type="max", color="9DC3E6", showValue=True))
    if "median_dwell_days" in letter:
        scale(s, column_ref(letter, "median_dwell_days", first, last), two_color=True)


def _pipeline_table(s: Sheet, shown: pd.DataFrame, lang: str) -> None:
    pipe_cols = list(shown.columns)
    s.header([i18n.column(c, lang) for c in pipe_cols])
    if "deals" in shown:
        shown = shown.sort_values("deals", ascending=False, kind="stable")
    first = s.row + 1
    _rows(s, localize_values(shown, lang), shown, pipe_cols, lang, PIPELINE_FORMATS)
    last = s.row
    if "score" in pipe_cols:
        col = get_column_letter(pipe_cols.index("score") + 1)
        band_rules(s, f"{col}{first}:{col}{last}")


def _rows(s: Sheet, localized: pd.DataFrame, raw: pd.DataFrame, cols: list[str], lang: str,
          formats: Mapping[str, str]) -> None:
    """Stage (or pipeline) rows; a stage judged vague, a hub or dead, a personal pipeline,
    is highlighted in its verdict cells."""
    yes, no = t("yes", lang), t("no", lang)
    bad_fill = SEVERITY_COLORS["high"][0]
    key_col = "stage" if "stage" in cols else "pipeline"  # the name a reader looks for, in bold
    bold = Font(bold=True)
    top = Alignment(vertical="top")
    center = Alignment(horizontal="center", vertical="top")
    wrap = Alignment(wrap_text=True, vertical="top")
    for loc_values, raw_values in zip(localized.itertuples(index=False, name=None),
                                      raw.itertuples(index=False, name=None)):
        row = []
        for name, value, raw_value in zip(cols, loc_values, raw_values):
            fill = None
            if isinstance(value, (bool, np.bool_)):
                if value and name in BAD_VERDICTS:
                    fill = bad_fill
                value = yes if value else no
            elif name in ("verdict", "verdicts") and isinstance(raw_value, str) and any(
                    b in raw_value for b in BAD_VERDICTS):
                fill = bad_fill
            fmt = formats.get(name)
            if fmt is None and isinstance(value, (float, np.floating)) and not missing(value):
                fmt = FMT_1
            long_text = isinstance(value, str) and len(value) > s.widths[len(row)] if len(row) < len(s.widths) else False
            row.append(s.cell(value, fmt=fmt, fill=fill, font=bold if name == key_col else None,
                              align=center if name == "order" else wrap if long_text else top))
        s.append(row)
