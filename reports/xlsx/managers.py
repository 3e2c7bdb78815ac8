"""The Managers sheet: the owner scorecard with the team's row beneath, scores in the absolute
bands, the won amount and the open pipeline, the checks that hit each manager by code (so the
one who never loses is marked by ST02, not shown clean), and a chart of deals by outcome."""

from __future__ import annotations

import pandas as pd
from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.formatting.rule import CellIsRule, DataBarRule
from openpyxl.styles import Alignment
from openpyxl.utils import get_column_letter

from reports import i18n
from reports.i18n import t
from reports.xlsx.charts import cache_series
from reports.xlsx.labels import sentinels
from reports.xlsx.sheet import BookContext, Sheet
from reports.xlsx.styles import (FMT_1, FMT_AMOUNT, FMT_INT, FMT_PCT, FMT_SIGNED_1, HEADER_FILL, Font, band_rules,
                                 scale, show_axes)
from reports.xlsx.tables import column_ref, header_width, table_rows, width

CHART_MANAGERS = 25
OWNER_ORDER = ["owner", "score", "score_delta", "checks", "deals", "open", "won", "lost", "win_rate", "won_amount",
               "open_amount", "activities", "activities_per_deal", "median_cycle_days", "talk_in_crm_share",
               "numbers_outside_crm", "findings"]
# Columns of the phone log: shown only when the run had one.
CALL_COLUMNS = ("talk_in_crm_share", "numbers_outside_crm")
OWNER_FORMATS = {"deals": FMT_INT, "open": FMT_INT, "won": FMT_INT, "lost": FMT_INT, "win_rate": FMT_PCT,
                 "won_amount": FMT_AMOUNT, "open_amount": FMT_AMOUNT,
                 "activities": FMT_INT, "activities_per_deal": FMT_1, "median_cycle_days": FMT_1,
                 "findings": FMT_INT, "score": FMT_1, "score_delta": FMT_SIGNED_1, "talk_in_crm_share": FMT_PCT,
                 "numbers_outside_crm": FMT_INT}
OUTCOME_COLORS = {"won": "70AD47", "lost": "C00000", "open": "A5A5A5"}
HIDDEN = ("impossible_deals",)   # counted by HY03/HY04; the checks column names them


def add(wb: Workbook, ctx: BookContext) -> None:
    lang = ctx.lang
    owners = _owner_table(ctx)
    cols = [c for c in OWNER_ORDER if c in owners.columns]
    cols += [c for c in owners.columns if c not in cols and c not in HIDDEN]
    widths = [max(18, width(owners["owner"]) if "owner" in owners else 18)]
    widths += [46 if c == "checks" else max(14, header_width(i18n.column(c, lang))) if c.endswith("_amount")
               else header_width(i18n.column(c, lang)) for c in cols[1:]]
    s = Sheet(wb, t("sheet.managers", lang), widths or [20], lang=ctx.lang)
    s.freeze("B3")
    s.print_setup(ctx, repeat_rows="2:2")
    s.caption(t("managers.caption", lang))
    if owners.empty or not cols:
        s.caption(t("managers.none", lang))
        return
    s.header([i18n.column(c, lang) for c in cols])
    first = s.row + 1
    table_rows(s, owners[cols], OWNER_FORMATS, lang, wrap=("checks",))
    last = s.row
    s.ws.auto_filter.ref = f"A2:{get_column_letter(len(cols))}{last}"
    _team_row(s, ctx, cols)
    letter = {c: get_column_letter(i) for i, c in enumerate(cols, 1)}
    _colours(s, cols, letter, first, last)
    if any(c in letter for c in OUTCOME_COLORS):
        _outcome_chart(s, ctx, owners, cols, first)


def _owner_table(ctx: BookContext) -> pd.DataFrame:
    """The scorecard with each manager's trust score and its change, the biggest book first."""
    r = ctx.result
    owners = r.owners.copy() if r.owners is not None else pd.DataFrame()
    if not len(owners) or "owner" not in owners:
        return owners
    owners["owner"] = owners["owner"].astype(object).where(owners["owner"].notna(), "(no owner)")
    owners = owners.drop(columns=[c for c in CALL_COLUMNS if c in owners and owners[c].isna().all()])
    by_owner = dict(r.scores.by_owner or {})
    if by_owner:
        owners["score"] = owners["owner"].map(by_owner).astype(float)
    prev_owners = (r.previous or {}).get("owners") or {}
    if prev_owners and "score" in owners:
        owners["score_delta"] = (owners["score"] - owners["owner"].map(prev_owners).astype(float)).round(1)
    if "checks" in owners:
        owners["checks"] = owners["checks"].map(_codes)
    if "deals" in owners:
        owners = owners.sort_values(["deals", "owner"], ascending=[False, True], kind="stable")
    owners["owner"] = owners["owner"].replace(sentinels(ctx.lang))
    return owners


def _codes(value) -> str | None:
    if isinstance(value, (list, tuple)):
        return ", ".join(map(str, value)) or None
    return value if isinstance(value, str) and value else None


def _team_row(s: Sheet, ctx: BookContext, cols: list[str]) -> None:
    """The whole team on one bold row beneath the managers: what each of them is compared with."""
    team = dict(ctx.result.team or {})
    if not team:
        return
    team["owner"] = t("team", ctx.lang)
    team["score"] = ctx.result.scores.overall
    team["checks"] = _codes(team.get("checks"))
    bold = Font(bold=True)
    s.append([s.cell(team.get(c), fmt=OWNER_FORMATS.get(c), font=bold, fill=HEADER_FILL,
                     align=Alignment(vertical="top", wrap_text=c == "checks")) for c in cols])


def _colours(s: Sheet, cols: list[str], letter: dict[str, str], first: int, last: int) -> None:
    # Win rate gets a neutral bar, not red-to-green: a manager who never loses is the
    # sterile signal itself, not the best performer.
    if "win_rate" in letter:
        s.ws.conditional_formatting.add(column_ref(letter, "win_rate", first, last), DataBarRule(
            start_type="num", start_value=0, end_type="num", end_value=1, color="9DC3E6", showValue=True))
    if "score" in letter:
        band_rules(s, column_ref(letter, "score", first, last + 1))  # the team row too
    for c in ("activities_per_deal", "talk_in_crm_share"):
        if c in letter:
            scale(s, column_ref(letter, c, first, last))
    for c in cols:
        if c == "findings" or c.startswith("findings_"):
            scale(s, column_ref(letter, c, first, last), two_color=True)
    if "score_delta" in letter:
        ref = column_ref(letter, "score_delta", first, last)
        s.ws.conditional_formatting.add(ref, CellIsRule(operator="lessThan", formula=["0"],
                                                        font=Font(color="9C0006")))
        s.ws.conditional_formatting.add(ref, CellIsRule(operator="greaterThan", formula=["0"],
                                                        font=Font(color="006100")))


def _outcome_chart(s: Sheet, ctx: BookContext, owners: pd.DataFrame, cols: list[str], first: int) -> None:
    """Won, lost and open deals per manager, stacked, the busiest managers only."""
    lang = ctx.lang
    n_owners = len(owners)
    n = min(n_owners, CHART_MANAGERS)
    chart = BarChart()
    chart.type = "bar"
    chart.grouping = "stacked"
    chart.overlap = 100
    chart.style = 10
    chart.title = (t("managers.chart", lang) if n_owners <= CHART_MANAGERS
                   else t("managers.chart_top", lang, n=n))
    names = owners["owner"].astype(str).tolist()[:n]
    for c in (c for c in ("won", "lost", "open") if c in cols):
        col_idx = cols.index(c) + 1
        chart.add_data(Reference(s.ws, min_col=col_idx, min_row=first - 1, max_row=first + n - 1),
                       titles_from_data=True)
        series = chart.series[-1]
        series.graphicalProperties.solidFill = OUTCOME_COLORS[c]
        series.graphicalProperties.line.solidFill = OUTCOME_COLORS[c]
    chart.set_categories(Reference(s.ws, min_col=1, min_row=first, max_row=first + n - 1))
    for series, c in zip(chart.series, [c for c in ("won", "lost", "open") if c in cols]):
        cache_series(series, owners[c].tolist()[:n], names, title=i18n.column(c, lang))
    chart.x_axis.scaling.orientation = "maxMin"  # the biggest book on top, as in the table
    show_axes(chart)
    chart.legend.position = "b"
    chart.width = 22
    chart.height = max(7.0, 0.55 * n + 3)
    s.ws.add_chart(chart, f"A{s.row + 3}")
