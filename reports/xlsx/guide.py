"""The "How to read" sheet: what each sheet holds (with a link to it), how the trust score
works, what the colours and severities mean, and how to use the to-do list."""

from __future__ import annotations

from openpyxl import Workbook
from openpyxl.worksheet.hyperlink import Hyperlink

from reports.common import as_of_text
from reports.i18n import t
from reports.xlsx.sheet import BookContext, Sheet
from reports.xlsx.styles import BANDS, INK, TOP, WRAP, Font

# The sheets it describes, in workbook order (the full workbook's; a manager's own has fewer).
SHEET_KEYS = ("summary", "findings", "managers", "funnel", "stages", "checks", "data")
WIDTHS = [28, 110]


def add(wb: Workbook, ctx: BookContext, sheets: tuple[str, ...] = SHEET_KEYS) -> None:
    lang = ctx.lang
    s = Sheet(wb, t("sheet.guide", lang), WIDTHS, lang=ctx.lang)
    s.ws.sheet_view.showGridLines = False
    s.print_setup(ctx, one_page=True)
    s.append([s.cell(t("guide.title", lang), "ca_title")], height=30)
    s.caption(t("guide.subtitle", lang, as_of=as_of_text(ctx.result.as_of, lang), crm=ctx.result.crm or "?"))
    s.blank()
    s.section(t("guide.sheets", lang))
    for key in sheets:
        name = t(f"sheet.{key}", lang)
        link = s.cell(name, font=Font(bold=True, color="0563C1", underline="single"), align=TOP)  # beside its text
        link.hyperlink = Hyperlink(ref="", location=f"'{name}'!A1")
        s.append([link, s.cell(t(f"guide.{key}", lang), align=WRAP)])
    s.blank()
    s.section(t("guide.score_title", lang))
    for key in ("guide.score", "guide.score_cost", "guide.score_scope", "guide.coverage"):
        s.append([None, s.cell(t(key, lang), align=WRAP)])
    s.blank()
    s.section(t("guide.colours_title", lang))
    for (floor, fill, font), key in zip(BANDS, ("guide.green", "guide.amber", "guide.red")):
        s.append([s.cell(t(f"{key}_name", lang), fill=fill, font=Font(bold=True, color=font)),
                  s.cell(t(key, lang), align=WRAP)])
    for level in ("high", "medium", "low"):
        s.append([s.cell(t(f"severity.{level}", lang), font=Font(bold=True, color=INK)),
                  s.cell(t(f"guide.severity_{level}", lang), align=WRAP)])
    s.blank()
    s.section(t("guide.todo_title", lang))
    s.append([None, s.cell(t("guide.todo", lang, open=t("todo.open", lang), fixed=t("todo.fixed", lang),
                                  no=t("todo.not_a_problem", lang)), align=WRAP)])
