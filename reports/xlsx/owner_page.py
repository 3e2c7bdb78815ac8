"""The first sheet of a manager's own workbook (`--per-owner`): his trust score beside the
team's, his figures against the team's, what the audit found in his deals, and his conversion
at each stage against the team's. The second sheet is his to-do list (the Findings sheet of his
rows only), so a consultant can e-mail him the file as it is."""

from __future__ import annotations

from typing import Any

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment

from audit.model import text
from reports import i18n
from reports.common import as_of_text
from reports.i18n import t
from reports.xlsx.sheet import BookContext, Sheet
from reports.xlsx.styles import (Font, FMT_1, FMT_AMOUNT, FMT_INT, FMT_PCT, HEADER_FILL, INK, MUTED, TOP, WRAP, band,
                                 score_font)

WIDTHS = [34, 14, 14, 14, 50]
FIGURES = (("deals", FMT_INT), ("open", FMT_INT), ("won", FMT_INT), ("lost", FMT_INT), ("win_rate", FMT_PCT),
           ("won_amount", FMT_AMOUNT), ("open_amount", FMT_AMOUNT), ("activities_per_deal", FMT_1),
           ("median_cycle_days", FMT_1), ("findings", FMT_INT))


def add(wb: Workbook, ctx: BookContext) -> None:
    r, lang, owner = ctx.result, ctx.lang, ctx.owner
    s = Sheet(wb, t("sheet.owner", lang), WIDTHS, lang=lang)
    s.ws.sheet_view.showGridLines = False
    s.print_setup(ctx, one_page=True)
    s.append([s.cell(t("summary.owner_title", lang, owner=i18n.sentinel(owner, lang)), "ca_title")], height=30)
    s.caption(t("print.as_of", lang, as_of=as_of_text(r.as_of, lang)) + f" · CRM: {r.crm or '?'}")
    score = (r.scores.by_owner or {}).get(owner)
    s.append([s.cell(t("owner.score", lang), font=Font(bold=True, size=14, color=INK)),
              s.cell(score, fmt=FMT_1, font=score_font(score, 20), fill=(band(score) or (None,))[0],
                     align=Alignment(horizontal="center")),
              s.cell(t("owner.team_score", lang, score=text.num(r.scores.overall, lang, 1))
                     if r.scores.overall is not None else None, font=Font(color=MUTED))], height=30)
    s.blank()
    _figures(s, ctx)
    _checks(s, ctx)
    _funnel(s, ctx)
    s.paragraph(t("owner.next", lang, sheet=t("sheet.findings", lang)), 1, 5, sum(WIDTHS),
                font=Font(bold=True, color=INK))


def _figures(s: Sheet, ctx: BookContext) -> None:
    r, lang = ctx.result, ctx.lang
    owners = r.owners if r.owners is not None else pd.DataFrame()
    mine = owners[owners["owner"].astype(object).fillna("(no owner)").eq(ctx.owner)] if "owner" in owners else owners
    if not len(mine):
        return
    me, team = mine.iloc[0].to_dict(), dict(r.team or {})
    s.section(t("owner.figures", lang))
    s.header(["", t("owner.me", lang), t("team", lang)])
    for name, fmt in FIGURES:
        if name not in me:
            continue
        s.append([s.cell(i18n.column(name, lang)), s.cell(_plain(me.get(name)), fmt=fmt, font=Font(bold=True)),
                  s.cell(_plain(team.get(name)), fmt=fmt, fill=HEADER_FILL)])
    s.blank()


def _checks(s: Sheet, ctx: BookContext) -> None:
    """The checks that found something of his, with how many rows of his list each gave."""
    lang = ctx.lang
    rows = ctx.todo.rows if ctx.todo is not None else pd.DataFrame()
    s.section(t("owner.checks", lang))
    if not len(rows):
        s.append([s.cell(t("owner.nothing", lang), font=Font(color="006100", bold=True))])
        s.blank()
        return
    s.header([t("col.check", lang), t("col.severity", lang), t("owner.rows", lang), "", t("col.todo", lang)])
    counts = rows.groupby("code", sort=False).agg(check=("check", "first"), severity=("severity", "first"),
                                                  n=("code", "size"), todo=("todo", "first"))
    for _code, row in counts.iterrows():
        s.append([s.cell(row["check"], align=WRAP), s.cell(row["severity"], align=TOP),
                  s.cell(int(row["n"]), fmt=FMT_INT, align=TOP), None, s.cell(row["todo"], align=WRAP)])
    s.blank()


def _funnel(s: Sheet, ctx: BookContext) -> None:
    """Per pipeline he worked: the team's conversion at each stage, his, and his deals there."""
    r, lang = ctx.result, ctx.lang
    funnel = r.funnel if r.funnel is not None else pd.DataFrame()
    if funnel.empty or not {"pipeline", "stage", "owner", "conversion"} <= set(funnel.columns):
        return
    owner = funnel["owner"].astype(object).fillna("")
    mine = funnel[owner.eq(ctx.owner)]
    if mine.empty:
        return
    team = funnel[owner.eq("")].set_index(["pipeline", "stage"])
    s.section(t("owner.funnel", lang))
    for pipeline, block in mine.groupby("pipeline", sort=True, dropna=False):
        # "Me" before "Team", as in the figures above it.
        s.header([t("funnel.pipeline", lang, name=i18n.sentinel(pipeline, lang)), t("owner.me", lang),
                  t("team", lang), t("col.entered", lang)])
        order = block.sort_values("order", kind="stable") if "order" in block else block
        for stage, conversion, entered in zip(order["stage"], order["conversion"], order.get("entered", [None] * len(order))):
            team_conv = team["conversion"].get((pipeline, stage)) if len(team) else None
            s.append([s.cell(stage), s.cell(_plain(conversion), fmt=FMT_PCT, font=Font(bold=True)),
                      s.cell(_plain(team_conv), fmt=FMT_PCT), s.cell(_plain(entered), fmt=FMT_INT)])
        s.blank()


def _plain(value: Any) -> Any:
    if value is None or value is pd.NA:
        return None
    if isinstance(value, float) and value != value:
        return None
    return value.item() if hasattr(value, "item") else value
