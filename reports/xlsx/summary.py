"""The Summary sheet, the director's page: how far the CRM can be trusted, which managers and
pipelines are the problem, what to do. It prints on one landscape page.

Top to bottom: the score in its absolute band with what it rests on (coverage) and its trend;
a sentence that says what it means and names the biggest gaps; the input warnings; managers and
pipelines side by side, worst first, each with the problem that costs it most; the top problems,
ranked by what they cost the score, each naming its worst manager or pipeline and linking to its
rows on the Findings sheet; the families (with "not judged" where no check could judge) beside
the counts of checks and findings; the score across runs when there is a history.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from openpyxl import Workbook
from openpyxl.chart import LineChart, Reference
from openpyxl.styles import Alignment
from openpyxl.worksheet.hyperlink import Hyperlink

from audit.model import text
from reports import i18n
from reports.common import (as_of_text, count_text, coverage_text, is_number, of_count, previous_text, reach,
                            score_delta, severity_counts, signed, top_problems, warning_lines, worst_of)
from reports.i18n import t
from reports.xlsx.charts import cache_series
from reports.xlsx.findings import FIRST_ROW
from reports.xlsx.sheet import BookContext, Sheet, discard
from reports.xlsx.styles import (FMT_1, FMT_INT, INK, MUTED, TOP, WRAP, Font, band, band_rules, date_format,
                                 named_styles, score_font, sev_fill, show_axes)

# (managers and pipelines shown, top problems shown), most first: the first that fits the page.
PLANS = ((6, 7), (5, 7), (5, 6), (4, 6), (4, 5), (3, 5), (3, 4), (2, 3))
# Points of rows one landscape A4 page holds at 70 % (509 pt between the margins / 0.7).
PAGE_POINTS = 725
WIDTHS = [36, 11, 11, 36, 2, 26, 11, 11, 40]   # A-D: managers; F-I: pipelines
LEFT, RIGHT = 1, 6             # first column of each block
TEXT_CHARS = 178               # a sentence's line across the page: columns A-I, less their padding
SMALL = 10                     # points: the page's secondary text (problems' fixes, warnings, notes)


def add(wb: Workbook, ctx: BookContext) -> None:
    s = Sheet(wb, t("sheet.summary", ctx.lang), WIDTHS, lang=ctx.lang)
    s.ws.sheet_view.showGridLines = False
    s.print_setup(ctx, one_page=True)
    _page(s, ctx, *_plan(ctx))


def _page(s: Sheet, ctx: BookContext, block_rows: int, top: int) -> None:
    _score(s, ctx)
    _blocks(s, ctx, block_rows)
    _top_problems(s, ctx, top)
    _counts(s, ctx)
    if ctx.result.trend or ctx.result.previous is not None:
        _trend_chart(s, ctx)


def _plan(ctx: BookContext) -> tuple[int, int]:
    """How many managers, pipelines and problems the page shows: the most that keep it on one
    landscape page at 70 % or more, measured by writing it once into a scratch workbook (long
    Russian titles and warnings take more lines than English ones)."""
    for block_rows, top in PLANS:
        scratch = Workbook(write_only=True)
        for style in named_styles():
            scratch.add_named_style(style)
        try:
            trial = Sheet(scratch, "scratch", WIDTHS, lang=ctx.lang)
            _page(trial, ctx, block_rows, top)
            if trial.height <= PAGE_POINTS:
                return block_rows, top
        finally:
            discard(scratch)
    return PLANS[-1]


# -- the score and what it means -------------------------------------------------------------

def _score(s: Sheet, ctx: BookContext) -> None:
    r, lang = ctx.result, ctx.lang
    deals = (r.team or {}).get("deals")
    s.append([s.cell(t("summary.title", lang), "ca_title")], height=30)
    s.caption(t("summary.subtitle", lang, as_of=as_of_text(r.as_of, lang), crm=r.crm or "?",
                deals=count_text(int(deals), "deal", lang) if deals else "—", version=r.tool_version))
    score = r.scores.overall
    scored = is_number(score)  # nothing judged: no score, never a 100 that reads as clean
    row: list[Any] = [s.cell(t("summary.score", lang), font=Font(bold=True, size=14, color=INK),
                             align=Alignment(vertical="center")),
                      s.cell(score if scored else t("coverage.no_score", lang), fmt=FMT_1,
                             font=score_font(score, 22) if scored else Font(bold=True, size=12, color="9C5700"),
                             fill=(band(score) or (None,))[0], align=Alignment(horizontal="center", vertical="center")),
                      s.cell(t("summary.of_100", lang) if scored else None, font=Font(color=MUTED, size=11),
                             align=Alignment(vertical="center")),
                      # What the score rests on, right beside it: a score is only as good as its coverage.
                      s.cell(coverage_text(r, lang), font=Font(bold=True, color=INK if scored else "9C5700"),
                             align=Alignment(vertical="center", wrap_text=True))]
    coverage_height = s.text_height(coverage_text(r, lang), sum(WIDTHS[3:9]), bold=True) or 0
    s.append(row, height=max(36, coverage_height), fit=False)
    s.merge(s.row, 4, 9)
    delta = score_delta(r)
    if delta is not None or r.trend:
        s.append([None, None, None, s.cell(_trend_text(ctx, delta), font=Font(
            bold=True, color="006100" if (delta or 0) > 0 else "9C0006" if (delta or 0) < 0 else MUTED))])
    for line in _meaning(ctx):
        s.paragraph(line, 1, 9, TEXT_CHARS, font=Font(size=11, color=INK))
    if r.off_system is not None:  # the phone log's verdict: whose talk with clients left least trace
        owner, share = r.off_system
        s.paragraph(t("summary.off_system", lang, owner=owner, share=text.pct(1 - share, lang)), 1, 9, TEXT_CHARS,
                    font=Font(bold=True, color="9C0006"))
    if _below_every_manager(r):
        s.paragraph(t("summary.below_all", lang), 1, 9, TEXT_CHARS, font=Font(italic=True, size=SMALL, color=MUTED))
    warnings = warning_lines(r, lang)
    if warnings:  # before the problems: a finding built on a misread export is no finding
        s.append([s.cell("⚠ " + t("summary.warnings", lang), font=Font(bold=True, color="9C5700"))])
        for line in warnings[:3]:
            s.paragraph("• " + line, 1, 9, TEXT_CHARS, font=Font(size=SMALL, color="9C5700"))
        if len(warnings) > 3:
            s.caption(t("summary.more_warnings", lang, n=len(warnings) - 3, sheet=t("sheet.data", lang)))
    s.blank()


def _trend_text(ctx: BookContext, delta: float | None) -> str:
    r, lang = ctx.result, ctx.lang
    parts = []
    if delta is not None:
        parts.append(t("summary.delta", lang, delta=signed(delta, 1, lang), as_of=previous_text(r, lang)))
    points = [p.get("score") for p in r.trend][-5:] + [r.scores.overall]
    if len(points) > 2:
        parts.append(t("summary.trend_text", lang, points=" → ".join(
            text.num(p, lang, 1) if p is not None else "—" for p in points)))
    return " · ".join(parts)


def _meaning(ctx: BookContext) -> list[str]:
    """The score in words and the biggest gaps, named with their reach."""
    r, lang = ctx.result, ctx.lang
    score = r.scores.overall
    if score is None:
        return [coverage_text(r, lang)]
    key = "green" if score >= 80 else "amber" if score >= 60 else "red"
    first = t("summary.sentence", lang, score=text.num(score, lang, 1), band=t(f"summary.band.{key}", lang))
    if r.coverage is not None and r.coverage.not_judged:  # a green band must not read as a clean bill
        first += " " + t("summary.unjudged", lang)
    ranked = top_problems(r)[:3]
    if not ranked:
        return [first + " " + t("summary.no_gaps", lang)]
    gaps = "; ".join(f"{_lower(_title(ctx, c.code))} ({_reach_words(r, c, lang)})" for c in ranked)
    return [first + " " + t("summary.gaps", lang, gaps=gaps)]


def _reach_words(r, check, lang: str) -> str:
    unit, n = reach(r, check)
    deals = _deals_touched(r, check)
    if unit in ("deal", "dataset"):
        return count_text(deals, "deal", lang)
    return count_text(n, unit, lang) + (", " + count_text(deals, "deal", lang) if deals else "")


def _deals_touched(r, check) -> int:
    """The deals a problem touches as the score counts them; for findings about deals the
    export does not hold (rows that link to no deal), the deals they name."""
    impact = r.scores.impacts.get(check.code)
    unit, n = reach(r, check)
    deals = impact.deals if impact is not None else 0
    return deals or (n if unit == "deal" else 0) or (check.affected if impact is None else 0)


def _lower(title: str) -> str:
    """A check's title inside a sentence: its first letter in lower case, unless it is an
    abbreviation ('CRM ...')."""
    return title[:1].lower() + title[1:] if title[1:2].islower() else title


def _below_every_manager(r) -> bool:
    scores = [v for v in (r.scores.by_owner or {}).values() if v is not None]
    return r.scores.overall is not None and bool(scores) and r.scores.overall < min(scores)


# -- managers and pipelines, worst first -----------------------------------------------------------

def _blocks(s: Sheet, ctx: BookContext, block_rows: int) -> None:
    r, lang = ctx.result, ctx.lang
    managers = _worst_first(r.scores.by_owner, _deals_by(r.owners, "owner"), r.scores.costliest_by_owner)
    pipelines = _worst_first(r.scores.by_pipeline, _deals_by(r.pipelines, "pipeline"),
                             r.scores.costliest_by_pipeline)
    if not managers and not pipelines:
        return
    head = [None] * 9
    head[LEFT - 1] = s.cell(t("summary.managers", lang), "ca_section")
    head[RIGHT - 1] = s.cell(t("summary.pipelines", lang), "ca_section")
    s.append(head, height=20)
    labels = [t("col.owner", lang), t("col.score", lang), t("col.deals", lang), t("summary.costs_most", lang)]
    pipe_labels = [t("col.pipeline", lang), *labels[1:]]
    s.append([*(s.cell(x, "ca_header") for x in labels), None, *(s.cell(x, "ca_header") for x in pipe_labels)],
             height=20)
    first = s.row + 1
    for i in range(min(block_rows, max(len(managers), len(pipelines)))):
        row: list[Any] = [None] * 9
        if i < len(managers):
            row[0:4] = _block_row(s, ctx, managers[i], "owner")
        if i < len(pipelines):
            row[5:9] = _block_row(s, ctx, pipelines[i], "pipeline")
        s.append(row)
    last = s.row
    band_rules(s, f"B{first}:B{last}")
    band_rules(s, f"G{first}:G{last}")
    more = [None] * 9
    if len(managers) > block_rows:
        more[0] = s.cell(t("summary.more_managers", lang, n=len(managers) - block_rows,
                           sheet=t("sheet.managers", lang)), "ca_caption")
    if len(pipelines) > block_rows:
        more[5] = s.cell(t("summary.more_pipelines", lang, n=len(pipelines) - block_rows,
                           sheet=t("sheet.stages", lang)), "ca_caption")
    if any(v is not None for v in more):
        s.append(more)
    s.blank()


def _deals_by(table: pd.DataFrame | None, key: str) -> dict[str, int]:
    if table is None or not len(table) or key not in table or "deals" not in table:
        return {}
    return {str(k): int(v) for k, v in zip(table[key], table["deals"]) if pd.notna(v)}


def _worst_first(scores, deals: dict[str, int], costliest) -> list[tuple[str, float, int | None, str | None]]:
    """(name, score, deals, costliest code), lowest score first, then the bigger book."""
    rows = [(str(name), score, deals.get(str(name)), (costliest or {}).get(name))
            for name, score in (scores or {}).items() if score is not None]
    return sorted(rows, key=lambda x: (x[1], -(x[2] or 0), x[0]))


def _block_row(s: Sheet, ctx: BookContext, item, kind: str) -> list[Any]:
    name, score, deals, code = item
    lang = ctx.lang
    if code is None:
        problem = t("summary.nothing_found", lang)
    else:
        impact = ctx.result.scores.impacts.get(code)
        touched = (impact.by_owner if kind == "owner" else impact.by_pipeline).get(name) if impact else None
        # "(no owner)" is nobody's: its deals are "its", not "his".
        key = "summary.of_his" if kind == "owner" and name not in i18n.SENTINELS else "summary.of_its"
        problem = t(key, lang, check=_title(ctx, code), n=text.num(touched or 0, lang),
                    deals=text.num(deals or 0, lang), deals_word=of_count(deals or 0, "deal", lang)) \
            if touched and deals else _title(ctx, code)
    return [s.cell(i18n.sentinel(name, lang), font=Font(bold=True), align=WRAP),
            s.cell(score, fmt=FMT_1, align=Alignment(horizontal="center", vertical="top")),
            s.cell(deals, fmt=FMT_INT, align=TOP),
            s.cell(problem, font=Font(size=SMALL), align=WRAP)]


# -- top problems ---------------------------------------------------------------------------

def _top_problems(s: Sheet, ctx: BookContext, top: int) -> None:
    r, lang = ctx.result, ctx.lang
    s.section(t("summary.top", lang))
    ranked = top_problems(r)
    if not ranked:
        s.append([s.cell(t("summary.top_none", lang), font=Font(color="006100", bold=True))])
        s.blank()
        return
    s.caption(t("summary.top_rank", lang))
    header = [t("col.check", lang), t("col.severity", lang), t("col.deals_touched", lang),
              t("summary.worst", lang), None, t("col.what_to_do", lang)]
    s.append([s.cell(h, "ca_header") if h else None for h in header]
             + [s.cell(None, "ca_header") for _ in range(3)], height=20)
    s.merge(s.row, 6, 9)
    findings_sheet = t("sheet.findings", lang)
    todo_first = ctx.todo.first_row if ctx.todo is not None else {}
    for i, check in enumerate(ranked[:top], 1):
        info = r.catalogue.get(check.code)
        fix = info.text("fix", lang) if info is not None else ""
        fill, font = sev_fill(check.severity.label)
        impact = r.scores.impacts.get(check.code)
        title = s.cell(f"{i}. {_title(ctx, check.code)} ({check.code})", align=WRAP, font=Font(bold=True))
        touched = s.cell(_deals_touched(r, check), fmt=FMT_INT, align=TOP)
        if check.code in todo_first:
            # The link sits on the number: LibreOffice does not wrap a cell that holds a link.
            touched.hyperlink = Hyperlink(ref="", location=f"'{findings_sheet}'!A{FIRST_ROW + todo_first[check.code]}")
            touched.font = Font(color="0563C1", underline="single")
        row = [title,
               s.cell(i18n.severity(check.severity.label, lang), fill=fill, font=font, align=TOP),
               touched,
               s.cell(_where(ctx, check), align=WRAP), None,
               s.cell(fix, font=Font(size=SMALL), align=WRAP)]
        heights = [s.text_height(title.value, WIDTHS[0], bold=True), s.text_height(row[3].value, WIDTHS[3]),
                   s.text_height(fix, sum(WIDTHS[5:9]), size=SMALL)]
        s.append(row, height=max([h for h in heights if h] or [16.0]), fit=False)
        s.merge(s.row, 6, 9)
    if len(ranked) > top:
        s.caption(t("summary.top_more", lang, n=len(ranked) - top))
    s.blank()


def _where(ctx: BookContext, check) -> str:
    """The worst manager (with his touched deals), or the pipelines, stages or managers the
    check names (worked out once per check: the page may be laid out twice)."""
    key = ("where", check.code)
    if key not in ctx.memo:
        ctx.memo[key] = _where_text(ctx.result, check, ctx.lang)
    return ctx.memo[key]


def _where_text(r, check, lang: str) -> str:
    unit, n = reach(r, check)
    f = r.findings
    own = f.loc[f["code"].to_numpy() == check.code, ["entity_type", "entity_id"]] if len(f) else f
    if unit in ("owner", "pipeline", "stage") and len(own):
        names = own.loc[own["entity_type"].eq(unit), "entity_id"].dropna().astype(str).unique().tolist()
        names = [i18n.sentinel(x, lang) for x in names]
        shown = ", ".join(names[:2]) + (f" +{len(names) - 2}" if len(names) > 2 else "")
        return shown
    worst = worst_of(r, check)
    if worst is None:
        return ""
    _kind, name, deals = worst
    return t("summary.worst_owner", lang, name=i18n.sentinel(name, lang), n=text.num(deals, lang))


# -- counts ---------------------------------------------------------------------------------------

def _counts(s: Sheet, ctx: BookContext) -> None:
    """Checks by status and findings by severity, on one line (the families, judged or not, are on
    the Checks sheet; the coverage beside the score names the families not judged)."""
    r, lang = ctx.result, ctx.lang
    counts = r.counts()
    parts = [f"{t('summary.passed', lang)}: {text.num(counts.get('pass', 0), lang)}",
             f"{t('summary.failed', lang)}: {text.num(counts.get('fail', 0), lang)}",
             f"{t('summary.skipped', lang)}: {text.num(counts.get('skipped', 0), lang)}"]
    if counts.get("error"):
        parts.append(f"{t('summary.errors', lang)}: {text.num(counts['error'], lang)}")
    line = (f"{t('summary.checks', lang)}: " + " · ".join(parts) + "   "
            + f"{t('summary.findings', lang)}: " + severity_counts(r.finding_counts(), lang))
    s.paragraph(line, 1, 9, TEXT_CHARS, font=Font(size=SMALL, color=INK))


# -- trend ---------------------------------------------------------------------------------------

def _trend_chart(s: Sheet, ctx: BookContext) -> None:
    """The trust score of earlier runs and this one: a small table under the page's content and
    a line chart beside it (cached values, so previews draw it too)."""
    r, lang = ctx.result, ctx.lang
    points = [(p.get("as_of"), p.get("score")) for p in r.trend]
    if r.previous is not None and not points:
        points = [(r.previous.get("as_of"), r.previous.get("score"))]
    points.append((r.as_of, r.scores.overall))
    s.section(t("summary.trend", lang))
    s.append([s.cell(t("summary.run", lang), "ca_header"), s.cell(t("summary.score", lang), "ca_header")])
    first = s.row + 1
    labels, values = [], []
    for as_of, score in points:
        stamp = pd.to_datetime(as_of, errors="coerce")
        labels.append(as_of_text(as_of, lang))
        values.append(score)
        # The run's date as a date cell (it sorts and filters as one); the chart caches its text.
        s.append([s.cell(stamp if not pd.isna(stamp) else as_of, fmt=date_format(lang, with_time=True),
                         align=TOP), s.cell(score, fmt=FMT_1)])
    last = s.row
    chart = LineChart()
    chart.title = None
    chart.legend = None
    chart.style = 12
    chart.add_data(Reference(s.ws, min_col=2, min_row=first, max_row=last), titles_from_data=False)
    chart.set_categories(Reference(s.ws, min_col=1, min_row=first, max_row=last))
    cache_series(chart.series[0], values, labels)
    chart.y_axis.scaling.min = 0
    chart.y_axis.scaling.max = 100
    show_axes(chart)
    series = chart.series[0]
    series.marker.symbol = "circle"
    series.graphicalProperties.line.solidFill = "2E75B6"
    series.graphicalProperties.line.width = 28000
    chart.width, chart.height = 16, 5
    s.ws.add_chart(chart, f"D{first - 1}")
    s.blank(max(1, 9 - len(points)))


# -- helpers -------------------------------------------------------------------------------------

def _title(ctx: BookContext, code: str) -> str:
    return ctx.titles.get(code, code)

