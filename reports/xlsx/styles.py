"""The workbook's look: colours, number formats, named styles and conditional formats."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from openpyxl.formatting.rule import CellIsRule, ColorScaleRule, FormulaRule
from openpyxl.styles import Alignment, Border, NamedStyle, PatternFill, Side
from openpyxl.styles import Font as _Font

from reports import i18n
from reports.common import is_number

if TYPE_CHECKING:
    from reports.xlsx.sheet import Sheet

FACE = "Calibri"   # the face the row heights are measured for (reports.xlsx.sheet.CHARS_PER_UNIT)


def Font(name: str | None = FACE, **kwargs: Any) -> _Font:  # noqa: N802 - stands in for openpyxl's Font
    """openpyxl's Font with the face named. A font without a name is drawn in each program's
    own default (LibreOffice picks a serif, wider than Calibri), so the measured row heights
    would clip wrapped text there."""
    return _Font(name=name, **kwargs)


INK = "1F2937"
MUTED = "6B7280"
ACCENT = "1F4E79"
HEADER_FILL = "DCE6F1"
SEVERITY_COLORS = {  # fill, font
    "high": ("F8CBAD", "9C0006"),
    "medium": ("FFE699", "7F6000"),
    "low": ("DDEBF7", "1F4E79"),
    "info": ("EDEDED", "404040"),
}
STATUS_COLORS = {
    "fail": ("F8CBAD", "9C0006"),
    "pass": ("C6EFCE", "006100"),
    "skipped": ("EDEDED", "595959"),
    "error": ("FFC7CE", "9C0006"),
}
RED, AMBER, GREEN, WHITE = "F8696B", "FFEB84", "63BE7B", "FFFFFF"
# "_ " pads a number with a space on the right, so it never runs into the text beside it.
FMT_INT = "#,##0_ "
FMT_AMOUNT = "#,##0_ "
FMT_PCT = "0%_ "
FMT_1 = "0.0_ "
FMT_2 = "0.00_ "
FMT_DATE = "yyyy-mm-dd hh:mm"
# Dates as the report's language writes them (cells stay dates: they sort and filter as dates).
DATE_FORMATS = {"en": "yyyy-mm-dd", "ru": "dd.mm.yyyy"}
DATE_TIME_FORMATS = {"en": "yyyy-mm-dd hh:mm", "ru": "dd.mm.yyyy hh:mm"}
# Absolute bands for every trust score: red below 60, amber below 80, green from 80.
BANDS = ((80, "C6EFCE", "006100"), (60, "FFEB9C", "9C5700"), (0, "FFC7CE", "9C0006"))
FMT_SIGNED = "+#,##0;-#,##0;0"
FMT_SIGNED_1 = "+0.0;-0.0;0.0"

# Alignments most cells use.
TOP = Alignment(vertical="top")
WRAP = Alignment(vertical="top", wrap_text=True)
CENTER_TOP = Alignment(horizontal="center", vertical="top")


def date_format(lang: str, with_time: bool = False) -> str:
    return (DATE_TIME_FORMATS if with_time else DATE_FORMATS)["ru" if lang == "ru" else "en"]


def band(score: Any) -> tuple[str, str] | None:
    """(fill, font colour) of a score's band; None when there is no score."""
    if not is_number(score):
        return None
    for floor, fill, font in BANDS:
        if score >= floor:
            return fill, font
    return BANDS[-1][1:]


def band_rules(sheet: Sheet, ref: str) -> None:
    """Scores in the range `ref` ("D3:D40") coloured by the absolute bands, as on every sheet;
    empty cells stay white."""
    cell = ref.split(":")[0]
    conditions = (f"{cell}>=80", f"AND({cell}>=60,{cell}<80)", f"{cell}<60")
    for condition, (_floor, fill, font) in zip(conditions, BANDS):
        sheet.ws.conditional_formatting.add(ref, FormulaRule(
            formula=[f"AND(ISNUMBER({cell}),{condition})"], stopIfTrue=True,
            fill=PatternFill("solid", fgColor=fill, bgColor=fill), font=Font(color=font, bold=True)))


def named_styles() -> list[NamedStyle]:
    """The workbook's named styles (`ca_*`), registered once per workbook."""
    thin = Side(style="thin", color="B7C3D0")
    header = NamedStyle("ca_header", font=Font(bold=True, color=INK),
                        fill=PatternFill("solid", fgColor=HEADER_FILL),
                        alignment=Alignment(horizontal="center", vertical="center", wrap_text=True),
                        border=Border(bottom=thin))
    title = NamedStyle("ca_title", font=Font(bold=True, size=20, color=ACCENT))
    section = NamedStyle("ca_section", font=Font(bold=True, size=13, color=ACCENT))
    caption = NamedStyle("ca_caption", font=Font(italic=True, color=MUTED))
    label = NamedStyle("ca_label", font=Font(bold=True, color=INK))
    wrap = NamedStyle("ca_wrap", alignment=Alignment(vertical="top", wrap_text=True))
    top = NamedStyle("ca_top", alignment=Alignment(vertical="top"))
    link = NamedStyle("ca_link", font=Font(color="0563C1", underline="single"),
                      alignment=Alignment(vertical="top"))
    return [header, title, section, caption, label, wrap, top, link]


def severity_rules(sheet: Sheet, col: str, first: int, last: int, lang: str) -> None:
    """Severity cells coloured by their (translated) value, as conditional formats."""
    _label_rules(sheet, col, first, last, SEVERITY_COLORS, lambda label: i18n.severity(label, lang))


def status_rules(sheet: Sheet, col: str, first: int, last: int, lang: str) -> None:
    """Status cells coloured by their (translated) value, as conditional formats."""
    _label_rules(sheet, col, first, last, STATUS_COLORS, lambda label: i18n.status(label, lang))


def _label_rules(sheet: Sheet, col: str, first: int, last: int, colors, text) -> None:
    if last < first:
        return
    ref = f"{col}{first}:{col}{last}"
    for label, (fill, font) in colors.items():
        sheet.ws.conditional_formatting.add(ref, CellIsRule(
            operator="equal", formula=[_quoted(text(label))],
            fill=PatternFill("solid", fgColor=fill, bgColor=fill), font=Font(color=font)))


def _quoted(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def scale(sheet: Sheet, ref: str, higher_is_better: bool = True, two_color: bool = False) -> None:
    """A colour scale on `ref`: red-amber-green (or reversed), or white to red for counts."""
    if two_color:  # counts of problems: white to red
        rule = ColorScaleRule(start_type="min", start_color=WHITE, end_type="max", end_color=RED)
    else:
        low, high = (RED, GREEN) if higher_is_better else (GREEN, RED)
        rule = ColorScaleRule(start_type="min", start_color=low, mid_type="percentile", mid_value=50,
                              mid_color=AMBER, end_type="max", end_color=high)
    sheet.ws.conditional_formatting.add(ref, rule)


def sev_fill(label: str) -> tuple[str, Font]:
    """Fill colour and bold font for a severity label."""
    fill, font = SEVERITY_COLORS.get(label, ("FFFFFF", INK))
    return fill, Font(color=font, bold=True)


def score_font(score: Any, size: int = 11) -> Font:
    """The score's band colour (green from 80, amber from 60, red below); grey without a score."""
    shown = band(score)
    return Font(bold=True, size=size, color=shown[1] if shown else MUTED)


def show_axes(chart) -> None:
    # openpyxl 3.1 marks axes deleted by default; Excel then draws no labels at all.
    chart.x_axis.delete = False
    chart.y_axis.delete = False
