"""The Findings sheet: one row per finding, filterable, deals linked to the CRM.

At most `DEFAULT_MAX_ROWS` rows by default (`[report] max_rows`), most severe first, every
check keeping its share, with a visible note: openpyxl's time per cell makes a full sheet
slow at scale (README, "Reports"), and the JSON report keeps every finding. Big columns are
cleaned in bulk and share one styled cell; severity colours are conditional formats.
"""

from __future__ import annotations

import math
from typing import Any, Mapping
from urllib.parse import quote

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from audit.model.findings import Severity, finding_messages
from reports import i18n
from reports.i18n import t
from reports.xlsx.labels import sentinels
from reports.xlsx.sheet import BookContext, Sheet, text_column
from reports.xlsx.styles import FMT_AMOUNT, MUTED, severity_rules

DEFAULT_MAX_ROWS = 20_000       # finding rows on the Findings sheet (the JSON holds all)
EXCEL_MAX_ROWS = 1_048_576
MAX_LINKS = 65_000              # Excel drops hyperlinks past 65,530 per sheet

FINDING_HEADERS = ("code", "severity", "check", "entity_type", "entity_id", "title", "owner", "pipeline",
                   "stage", "amount", "message", "evidence")
FINDING_WIDTHS = (8, 10, 28, 11, 13, 30, 18, 16, 20, 12, 60, 44)
_ID, _AMOUNT = FINDING_HEADERS.index("entity_id"), FINDING_HEADERS.index("amount")


def capped_findings(findings: pd.DataFrame, cap: int) -> pd.DataFrame:
    """The findings to show, at most `cap`, most severe first, then by code and amount.

    When there are more, the most severe are kept and, within a severity, every check
    keeps its share (the first rows of each check, largest amounts first): one check
    flagging a million activities does not crowd out the others.
    """
    n = len(findings)
    if n == 0:
        return findings
    sev = findings["severity"].map({s.label: int(s) for s in Severity}).fillna(-1).to_numpy()
    amount = pd.to_numeric(findings.get("amount"), errors="coerce") if "amount" in findings \
        else pd.Series(np.nan, index=findings.index)
    amount_key = -amount.fillna(-np.inf).to_numpy()
    # Integer codes: lexsort on object arrays of text is ten times slower.
    code = pd.factorize(findings["code"].astype(str), sort=True)[0]
    position = np.arange(n)
    # Rank of each finding within its check: largest amount first, then as the check listed them.
    by_check = np.lexsort((position, amount_key, code))
    code_sorted = code[by_check]
    starts = np.r_[0, np.flatnonzero(code_sorted[1:] != code_sorted[:-1]) + 1]
    group_start = np.repeat(starts, np.diff(np.r_[starts, n]))
    rank = np.empty(n, dtype=np.int64)
    rank[by_check] = np.arange(n) - group_start
    keep = np.lexsort((position, code, rank, -sev))[:cap] if n > cap else position
    shown = np.lexsort((rank[keep], code[keep], -sev[keep]))
    return findings.iloc[keep[shown]]


def evidence_text(evidence: Any) -> str | None:
    """{'lost_share': 0.05, 'closed': 40} -> 'lost_share: 0.05; closed: 40'."""
    if not isinstance(evidence, Mapping) or not evidence:
        return None if not evidence else str(evidence)
    return "; ".join(f"{key}: {_plain_value(value)}" for key, value in evidence.items())


def _plain_value(value: Any) -> str:
    if isinstance(value, float):
        if math.isnan(value):
            return "—"
        if value.is_integer() and abs(value) < 1e15:
            return f"{int(value)}"
        return f"{value:.4g}" if abs(value) < 1 else f"{round(value, 2):g}"
    if isinstance(value, (list, tuple, set)):
        return ", ".join(_plain_value(v) for v in value)
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{k}: {_plain_value(v)}" for k, v in value.items()) + "}"
    return str(value)


def add(wb: Workbook, ctx: BookContext) -> None:
    r, lang, options = ctx.result, ctx.lang, ctx.options
    cap = options.max_rows if options.max_rows is not None else DEFAULT_MAX_ROWS
    cap = max(0, min(int(cap), EXCEL_MAX_ROWS - 3))
    total = len(r.findings)
    shown = capped_findings(r.findings, cap)
    s = Sheet(wb, t("sheet.findings", lang), FINDING_WIDTHS)
    s.freeze("A3")
    s.ws.print_title_rows = "2:2"  # the header on every printed page
    url_template = options.deal_url if options.deal_url and "{id}" in options.deal_url else None
    _note(s, total, shown, url_template, lang)
    s.header([i18n.column(h, lang) if h != "check" else t("col.check", lang) for h in FINDING_HEADERS])
    if not len(shown):
        return
    _rows(s, _columns(shown, ctx), shown, url_template)
    first, last = 3, 2 + len(shown)
    s.row = last
    s.ws.auto_filter.ref = f"A2:{get_column_letter(len(FINDING_HEADERS))}{last}"
    severity_rules(s, "B", first, last, lang)


def _note(s: Sheet, total: int, shown: pd.DataFrame, url_template: str | None, lang: str) -> None:
    """How many findings the sheet shows (red when capped) and whether links were capped."""
    notes = []
    if total > len(shown):
        notes.append(t("findings.capped", lang, shown=f"{len(shown):,}", total=f"{total:,}",
                       left=f"{total - len(shown):,}"))
    else:
        notes.append(t("findings.caption", lang, n=f"{total:,}"))
    if url_template is not None and len(shown):
        n_deals = int(shown["entity_type"].eq("deal").sum())
        if n_deals > MAX_LINKS:
            notes.append(t("findings.links_capped", lang, n=f"{MAX_LINKS:,}"))
    note_font = Font(bold=True, color="9C0006") if total > len(shown) else Font(italic=True, color=MUTED)
    s.append([s.cell("  ".join(notes), font=note_font)], height=18)


def _columns(shown: pd.DataFrame, ctx: BookContext) -> list[list[Any]]:
    """The sheet's columns (FINDING_HEADERS order), translated and made safe in bulk."""
    lang = ctx.lang

    def col(name: str) -> pd.Series:
        return shown[name] if name in shown.columns else pd.Series([None] * len(shown), index=shown.index)

    sev_labels = {s_.label: i18n.severity(s_.label, lang) for s_ in Severity}
    entity_labels = {e: i18n.entity(e, lang) for e in ("deal", "activity", "lead", "owner", "pipeline",
                                                      "stage", "dataset")}
    codes = col("code").astype(str)
    return [
        text_column(codes),
        text_column(col("severity").map(sev_labels).fillna(col("severity"))),
        text_column(codes.map(ctx.titles).fillna(codes)),
        text_column(col("entity_type").map(entity_labels).fillna(col("entity_type"))),
        text_column(col("entity_id")),
        text_column(col("title")),
        text_column(col("owner").replace(sentinels(lang))),
        text_column(col("pipeline").replace(sentinels(lang))),
        text_column(col("stage")),
        pd.to_numeric(col("amount"), errors="coerce").astype(float).tolist(),
        text_column(finding_messages(shown, lang)),
        text_column(pd.Series([evidence_text(e) for e in col("evidence").tolist()], index=shown.index,
                              dtype=object)),
    ]


def _rows(s: Sheet, columns: list[list[Any]], shown: pd.DataFrame, url_template: str | None) -> None:
    """One row per finding, appended straight to the stream (the sheet's hot loop)."""
    ws = s.ws
    is_deal = shown["entity_type"].eq("deal").tolist() if "entity_type" in shown.columns \
        else [False] * len(shown)
    ids = columns[_ID]
    amount_cell = WriteOnlyCell(ws)
    amount_cell.number_format = FMT_AMOUNT
    # Text that would read as a formula: forced to text (rare, so looked up once).
    formula_like = [i for i, c in enumerate(columns) if i != _AMOUNT and any(
        isinstance(v, str) and v.startswith("=") for v in c)]
    n_links = 0
    for *values, deal_row, entity_id in zip(*columns, is_deal, ids):
        amount = values[_AMOUNT]
        if amount != amount:  # NaN
            values[_AMOUNT] = None
        else:
            amount_cell.value = amount
            values[_AMOUNT] = amount_cell
        for i in formula_like:
            v = values[i]
            if isinstance(v, str) and v.startswith("="):
                values[i] = s.cell(v)
        if url_template is not None and deal_row and entity_id is not None and n_links < MAX_LINKS:
            link_cell = WriteOnlyCell(ws, value=entity_id)
            link_cell.data_type = "s"
            link_cell.hyperlink = url_template.replace("{id}", quote(str(entity_id), safe=""))
            link_cell.style = "ca_link"
            values[_ID] = link_cell
            n_links += 1
        ws.append(values)
