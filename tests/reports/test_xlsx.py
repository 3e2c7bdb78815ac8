"""The workbook read back with openpyxl: sheets, headers, values, charts, safety, caps."""

import os
import re
import zipfile
from dataclasses import replace

import pandas as pd
import pytest

from reports import ReportOptions, i18n, xlsx
from reports.xlsx import capped_findings, evidence_text
from reports.xlsx.findings import COLUMNS, FIRST_ROW
from tests.reports.conftest import all_cells, all_text, write_book
from tests.reports.sample import FORMULA_TITLE, sample_result

SHEETS = ("guide", "summary", "findings", "managers", "funnel", "stages", "checks", "data")
HEADERS = [label for _f, label, _w, _wrap in COLUMNS]


def col(name, lang="en"):
    """0-based position of a Findings column by its field name."""
    return [f for f, *_ in COLUMNS].index(name)


def finding_rows(wb, lang="en", values_only=True):
    return list(wb[i18n.t("sheet.findings", lang)].iter_rows(min_row=FIRST_ROW, values_only=values_only))


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_sheets_and_headers_in_the_report_language(result, tmp_path, lang):
    _path, wb = write_book(result, tmp_path, lang=lang)
    assert wb.sheetnames == [i18n.t(f"sheet.{s}", lang) for s in SHEETS]
    assert wb.active.title == i18n.t("sheet.summary", lang)      # opens on the director's page
    findings = wb[i18n.t("sheet.findings", lang)]
    assert [c.value for c in findings[FIRST_ROW - 1]] == [i18n.t(h, lang) for h in HEADERS]
    checks = wb[i18n.t("sheet.checks", lang)]
    check_header = [c.value for c in checks[2]]
    for key in ("col.status", "col.metric", "col.threshold", "col.affected", "col.rationale", "col.fix"):
        assert i18n.t(key, lang) in check_header
    managers = wb[i18n.t("sheet.managers", lang)]
    header = [c.value for c in managers[2]]
    assert header[:2] == [i18n.t("col.owner", lang), i18n.t("col.score", lang)]
    assert {i18n.t(k, lang) for k in ("col.checks", "col.won_amount", "col.open_amount")} <= set(header)
    assert wb.properties.title == i18n.t("summary.title", lang) and wb.properties.creator == "crm-audit"


def test_a_few_values(result, tmp_path):
    _path, wb = write_book(result, tmp_path, lang="ru")
    values = {c.value for row in wb["Сводка"].iter_rows() for c in row}
    assert 61.5 in values and "Индекс доверия" in values
    rows = finding_rows(wb, "ru")
    # One row per deal per check; the sample's findings are all on different deals.
    assert len(rows) == len(result.findings)
    sev_order = [r[col("severity")] for r in rows]
    assert sev_order[0] == "высокая" and sev_order[-1] == "низкая"
    by_id = {r[col("deal_id")]: r for r in rows if r[col("deal_id")]}
    one = result.findings[result.findings["entity_type"] == "deal"].iloc[5]
    row = by_id[one["entity_id"]]
    assert row[col("check")].startswith(one["code"] + " · ")
    assert row[col("owner")] == one["owner"] and row[col("amount")] == one["amount"]
    assert row[col("company")] == one["company"] and row[col("at")] == one["at"].to_pydatetime()
    checks = {r[0]: r for r in wb["Проверки"].iter_rows(min_row=3, values_only=True)}
    assert checks["ST03"][4] == "не пройдена" and checks["ST04"][4] == "пройдена"
    assert checks["ST05"][4] == "пропущена" and checks["OF05"][4] == "ошибка"
    # Previous run: affected last time and the change.
    assert checks["ST03"][9] == 55 and checks["ST03"][10] == checks["ST03"][7] - 55
    assert checks["ST03"][8] == 164 and checks["ST05"][8] == 0 and checks["OF05"][8] is None   # judged


def test_findings_are_a_todo_table_with_a_status_dropdown(result, tmp_path):
    _path, wb = write_book(result, tmp_path, lang="ru")
    ws = wb["Замечания"]
    assert ws.freeze_panes == f"A{FIRST_ROW}"
    last = FIRST_ROW + len(result.findings) - 1
    (table,) = ws.tables.values()
    assert table.ref == f"A{FIRST_ROW - 1}:O{last}" and table.tableStyleInfo.showRowStripes
    assert [c.name for c in table.tableColumns] == [i18n.t(h, "ru") for h in HEADERS]
    (validation,) = ws.data_validations.dataValidation
    status = chr(ord("A") + col("status"))
    assert str(validation.sqref) == f"{status}{FIRST_ROW}:{status}{last}" and validation.type == "list"
    assert validation.formula1 == '"сделать,исправлено,не проблема"'
    assert all(r[col("status")] is None and r[col("comment")] is None for r in finding_rows(wb, "ru"))
    assert ws.print_title_rows == f"${FIRST_ROW - 1}:${FIRST_ROW - 1}"
    assert "&P" in ws.oddFooter.right.text and "&N" in ws.oddFooter.right.text


def test_date_column_holds_date_cells_in_the_report_format(result, tmp_path):
    for lang, fmt in (("en", "yyyy-mm-dd"), ("ru", "dd.mm.yyyy")):
        _path, wb = write_book(result, tmp_path, name=f"{lang}.xlsx", lang=lang)
        dates = [r[col("at")] for r in finding_rows(wb, lang, values_only=False) if r[col("at")].value is not None]
        assert dates and all(c.is_date and c.number_format == fmt for c in dates)


def test_activity_findings_name_their_deal(result, tmp_path):
    _path, wb = write_book(result, tmp_path, deal_url="https://crm/x/{id}")
    act = result.findings[result.findings["entity_type"] == "activity"].iloc[0]
    row = next(r for r in finding_rows(wb, values_only=False) if r[col("deal_id")].value == act["deal_id"])
    assert row[col("deal")].value == act["title"]
    assert row[col("deal_id")].hyperlink.target == f"https://crm/x/{act['deal_id']}"


def test_rows_about_a_manager_a_stage_or_the_dataset_show_what_they_are_about(result, tmp_path):
    _path, wb = write_book(result, tmp_path, lang="ru")
    deal_cells = [r[col("deal")] for r in finding_rows(wb, "ru") if r[col("check")].startswith(("ST02", "SG01"))]
    assert deal_cells and all(c.startswith(("менеджер: ", "этап: ")) for c in deal_cells)


def test_charts_present_with_cached_values(result, tmp_path):
    path, wb = write_book(result, tmp_path)
    assert len(wb["Summary"]._charts) == 1      # score trend
    assert len(wb["Managers"]._charts) == 1     # won / lost / open per manager
    assert len(wb["Funnel"]._charts) == 2       # the team's conversion, one per pipeline
    with zipfile.ZipFile(path) as z:
        charts = [z.read(n).decode() for n in z.namelist() if n.startswith("xl/charts/chart")]
    assert len(charts) == 4
    for xml in charts:  # previews draw from the cache: values and category labels
        assert "numCache" in xml and "strCache" in xml
    funnel = next(x for x in charts if "Первичный контакт" in x)
    assert re.search(r"<(c:)?v>0\.78</(c:)?v>", funnel)   # the team's conversion at the first stage


def test_no_trend_chart_without_history(tmp_path):
    _path, wb = write_book(sample_result(findings=20, history=False), tmp_path)
    assert len(wb["Summary"]._charts) == 0


def test_crm_text_is_never_a_formula(result, tmp_path):
    _path, wb = write_book(result, tmp_path, deal_url="https://acme.amocrm.ru/leads/detail/{id}")
    formulas = [(ws.title, c.coordinate, c.value) for ws, c in all_cells(wb) if c.data_type == "f"]
    assert formulas == []
    texts = [c.value for _ws, c in all_cells(wb)]
    assert FORMULA_TITLE in texts                       # the deal title, as text
    assert "=1+1 is what the manager typed as the reason" in texts
    assert "=SUM(A1:A9)" in texts                       # a raw unreadable value (Data sheet)
    assert "=cmd|' /C calc'!A0 → source" in all_text(wb)  # an export header in the mapping


def test_control_characters_removed_and_long_text_cut(tmp_path):
    base = sample_result(findings=10)
    findings = base.findings.copy()
    findings.loc[0, "message"] = "x" * 40_000
    findings.loc[1, "owner"] = "Анна\x00\x1b"
    _path, wb = write_book(replace(base, findings=findings), tmp_path)
    texts = [c.value for _ws, c in all_cells(wb) if isinstance(c.value, str)]
    assert max(len(t) for t in texts) == 32_767
    assert "Bell and tab\tдеталь" in texts and "Анна" in texts


def test_cap_keeps_a_visible_note_and_every_check(result, tmp_path):
    _path, wb = write_book(result, tmp_path, max_rows=40)
    ws = wb["Findings"]
    note = ws["A1"].value
    assert "40 of 120" in note and "80 left out" in note and "JSON" in note
    rows = finding_rows(wb)
    assert len(rows) == 40
    # The most severe are kept, and each high-severity check keeps an equal share.
    high = result.findings[result.findings["severity"] == "high"]
    assert len(high) > 40
    shown = pd.Series([r[col("check")][:4] for r in rows]).value_counts()
    assert set(shown.index) == set(high["code"])
    per_check = high["code"].value_counts()
    assert all(shown[code] >= min(n, 40 // len(per_check)) for code, n in per_check.items())
    assert next(iter(ws.tables.values())).ref == f"A{FIRST_ROW - 1}:O{FIRST_ROW + 39}"


def test_uncapped_note_says_how_many(result, tmp_path):
    _path, wb = write_book(result, tmp_path)
    assert wb["Findings"]["A1"].value.startswith("A to-do list: 120 rows for 120 findings")


def test_deal_links_only_on_deals_and_only_when_configured(result, tmp_path):
    _path, wb = write_book(result, tmp_path, deal_url="https://acme.amocrm.ru/leads/detail/{id}")
    rows = finding_rows(wb, values_only=False)
    linked = [(r[col("deal_id")].value, r[col("deal_id")].hyperlink.target) for r in rows
              if r[col("deal_id")].hyperlink is not None]
    assert linked and all(target == f"https://acme.amocrm.ru/leads/detail/{i}" for i, target in linked)
    assert len(linked) == int(result.findings["deal_id"].notna().sum())
    _path, plain = write_book(result, tmp_path, name="plain.xlsx")
    assert not any(r[col("deal_id")].hyperlink for r in finding_rows(plain, values_only=False))


def test_links_are_url_encoded(tmp_path):
    base = sample_result(findings=10)
    findings = base.findings.copy()
    deal_row = findings.index[findings["entity_type"].eq("deal")][0]
    findings.loc[deal_row, ["entity_id", "deal_id"]] = 'a b"&c'
    _path, wb = write_book(replace(base, findings=findings), tmp_path, deal_url="https://crm/x/{id}")
    targets = [r[col("deal_id")].hyperlink.target for r in finding_rows(wb, values_only=False)
               if r[col("deal_id")].hyperlink]
    assert "https://crm/x/a%20b%22%26c" in targets


def test_summary_links_each_problem_to_its_first_row(tmp_path):
    from audit.model.result import CheckImpact, Scores
    base = sample_result(findings=60)
    impacts = {"OF01": CheckImpact(deals=20, share=0.2, cost=0.16), "ST06": CheckImpact(deals=9, share=0.1, cost=0.1)}
    result = replace(base, scores=replace(base.scores, impacts=impacts))
    _path, wb = write_book(result, tmp_path)
    links = {c.hyperlink.location: c for _ws, c in all_cells(wb) if _ws.title == "Summary" and c.hyperlink}
    rows = finding_rows(wb)
    linked = []
    for location in links:
        sheet, cell = location.rsplit("!", 1)
        assert sheet == "'Findings'"
        row = rows[int(cell[1:]) - FIRST_ROW]
        code = row[col("check")][:4]
        first_of_check = next(i for i, r in enumerate(rows) if r[col("check")][:4] == code)
        assert int(cell[1:]) - FIRST_ROW == first_of_check
        linked.append(code)
    # The problems costing the score most come first: those with a known weight, heaviest first.
    assert linked[:2] == ["OF01", "ST06"] and len(linked) == 7


def test_written_atomically_no_temporary_file_left(result, tmp_path):
    out = tmp_path / "out"
    path, _wb = write_book(result, out)
    assert sorted(os.listdir(out)) == ["report.xlsx"]
    # A failure while building leaves neither the report nor a temporary file.
    broken = replace(result, findings=result.findings.drop(columns=["code"]))
    with pytest.raises(Exception):
        xlsx.write(broken, out / "broken.xlsx", ReportOptions())
    assert sorted(os.listdir(out)) == ["report.xlsx"]


def test_overwrites_an_existing_report(result, tmp_path):
    path = tmp_path / "r.xlsx"
    path.write_bytes(b"old")
    write_book(result, tmp_path, name="r.xlsx")
    assert zipfile.is_zipfile(path)


def test_empty_audit_still_writes_every_sheet(tmp_path):
    from audit.runner import run_audit
    from tests.builders import deal, make_crm
    crm = make_crm([deal(1, status="open")])
    result = run_audit(crm, select=["ST03"])
    for lang in ("en", "ru"):
        _path, wb = write_book(result, tmp_path, name=f"e-{lang}.xlsx", lang=lang)
        assert len(wb.sheetnames) == len(SHEETS)
        assert [r for r in finding_rows(wb, lang) if any(v is not None for v in r)] == [
            (i18n.t("findings.none", lang),) + (None,) * (len(COLUMNS) - 1)]


def test_real_run_renders(tmp_path):
    """A result straight from the runner (whatever checks the catalogue holds today)."""
    from audit.runner import run_audit
    from tests.builders import activity, deal, make_crm, move
    deals = [deal(i, status=s, owner=o, lost_reason=None, title=f"Deal {i}", pipeline=p,
                  stage={"won": "Won", "lost": "Lost", "open": "Proposal"}[s],
                  created_at="2026-09-01 10:00", closed_at=None if s == "open" else "2026-10-01 10:00")
             for i, (s, o, p) in enumerate([("won", "Anna", "Sales"), ("lost", "Boris", "Sales"),
                                            ("open", "Anna", "Sales"), ("won", "Boris", "Retail"),
                                            ("lost", "Anna", "Retail"), ("open", "Boris", "Retail")] * 5, 1)]
    history = [move(d["deal_id"], d["stage"], "2026-09-15 10:00", from_stage="Proposal") for d in deals]
    acts = [activity(d["deal_id"], "2026-09-10 10:00") for d in deals[::2]]
    crm = make_crm(deals, history=history, activities=acts)
    result = run_audit(crm, ignore=["HY"])  # hygiene imports Great Expectations: 5 s for nothing here
    assert len(result.checks) > 1
    _path, wb = write_book(result, tmp_path, lang="ru", deal_url="https://x/{id}")
    assert wb.sheetnames[1] == "Сводка"
    assert len(finding_rows(wb, "ru")) == min(len(result.findings), xlsx.DEFAULT_MAX_ROWS)
    assert not [c for _ws, c in all_cells(wb) if c.data_type == "f"]
    # The Checks sheet words each metric against its threshold from the check's gauge.
    checks = wb["Проверки"]
    header = [c.value for c in checks[2]]
    rows = {r[0]: r for r in checks.iter_rows(min_row=3, values_only=True)}
    read = {c.code: rows[c.code][header.index("Значение и порог")] for c in result.checks}
    measured = [c for c in result.checks if c.metric is not None]
    assert measured and all(read[c.code] == c.gauge.reading(c.metric, c.threshold, "ru") for c in measured)
    assert all("; не пройдена, если " in read[c.code] for c in measured)
    assert all(read[c.code] is None for c in result.checks if c.metric is None)


def test_a_deals_stage_changes_of_one_check_share_one_row(tmp_path):
    """OF01 flags each silent stage change: one deal moved three times without a contact is one
    row that says how many times and when, dated by the latest change."""
    from audit.runner import run_audit
    from tests.builders import activity, deal, make_crm, move
    deals = [deal(1, status="open", stage="D", pipeline="P", owner="Anna", created_at="2026-09-01 09:00"),
             deal(2, status="open", stage="B", pipeline="P", owner="Anna", created_at="2026-09-01 09:00")]
    history = [move(1, "A", "2026-09-02 10:00"), move(1, "B", "2026-09-05 10:00", from_stage="A"),
               move(1, "C", "2026-09-09 10:00", from_stage="B"), move(1, "D", "2026-09-12 10:00", from_stage="C"),
               move(2, "A", "2026-09-02 10:00"), move(2, "B", "2026-09-04 10:00", from_stage="A")]
    acts = [activity(2, "2026-09-01 12:00"), activity(2, "2026-09-03 12:00")]
    result = run_audit(make_crm(deals, history=history, activities=acts), select=["OF01"],
                       as_of="2026-09-20")
    of01 = result.findings
    assert of01["entity_id"].tolist().count("1") == 3 and "2" not in of01["entity_id"].tolist()
    for lang, times in (("en", "3 times (2026-09-05, 2026-09-09, 2026-09-12). The latest: moved C → D"),
                        ("ru", "3 раза (05.09.2026, 09.09.2026, 12.09.2026). Последний: ")):
        _path, wb = write_book(result, tmp_path, name=f"{lang}.xlsx", lang=lang)
        (row,) = finding_rows(wb, lang)
        assert row[col("found")].startswith(times)
        assert row[col("at")] == pd.Timestamp("2026-09-12 10:00").to_pydatetime()
        assert row[col("stage")] == "D"


# -- the cap, unit by unit ---------------------------------------------------------------

def _frame(rows):
    return pd.DataFrame(rows, columns=["code", "severity", "entity_id", "amount"])


def test_cap_orders_by_severity_then_code_then_amount():
    f = _frame([("ST03", "medium", "a", 10.0), ("ST01", "high", "b", None), ("ST03", "medium", "c", 99.0),
                ("OF04", "low", "d", None), ("OF01", "high", "e", 5.0)])
    assert capped_findings(f, 10)["entity_id"].tolist() == ["e", "b", "c", "a", "d"]


def test_cap_keeps_the_most_severe_and_shares_within_a_severity():
    rows = [("OF04", "low", f"l{i}", None) for i in range(50)]
    rows += [("OF02", "medium", f"m{i}", float(i)) for i in range(30)]
    rows += [("ST03", "medium", f"s{i}", None) for i in range(3)]
    rows += [("ST06", "high", "h1", None)]
    shown = capped_findings(_frame(rows), 7)
    assert shown["entity_id"].tolist() == ["h1", "m29", "m28", "m27", "s0", "s1", "s2"]


@pytest.mark.parametrize("cap, expected", [pytest.param(0, [], id="zero"), pytest.param(1, ["x"], id="one"),
                                           pytest.param(5, ["x", "y"], id="more-than-there-are")])
def test_cap_edges(cap, expected):
    f = _frame([("ST03", "medium", "x", 2.0), ("ST03", "medium", "y", 1.0)])
    assert capped_findings(f, cap)["entity_id"].tolist() == expected


def test_cap_on_no_findings():
    assert capped_findings(_frame([]), 10).empty


@pytest.mark.parametrize("evidence, lang, text", [
    pytest.param({"lost_share": 0.0581, "closed": 1155}, "en", "lost share: 5.8% · closed deals: 1,155", id="en"),
    pytest.param({"lost_share": 0.0581, "closed": 1155}, "ru", "доля проигрышей: 5,8\u00a0% · закрытых сделок: 1\u00a0155",
                 id="ru"),
    pytest.param({"twins": ["A", "B"], "q_value": 9.5e-33, "p_value": 1e-33}, "en",
                 "twin pipelines: A, B · chance this is a fluke: <0.1%", id="statistics-in-words"),
    pytest.param({"rules": ["closed-before-created"], "missing": ["created_at", "owner"]}, "ru",
                 "не заполнено: дата создания, ответственный", id="codes-and-columns-in-words"),
    pytest.param({"changed_at": "2026-01-02T10:05:00", "days_in_stage": 12.26}, "ru",
                 "переход: 02.01.2026 10:05 · на этапе: 12,3 дн.", id="dates-and-days"),
    pytest.param({}, "en", None, id="empty"),
    pytest.param(None, "en", None, id="none"),
])
def test_evidence_text(evidence, lang, text):
    assert evidence_text(evidence, lang) == text


# -- funnel, managers, stages ---------------------------------------------------------------

def _funnel_header(rows, pipeline):
    start = rows.index(next(r for r in rows if r[0] == f"Pipeline: {pipeline}"))
    return start + 1


def test_funnel_stages_down_owners_across_team_first(result, tmp_path):
    _path, wb = write_book(result, tmp_path)
    ws = wb["Funnel"]
    rows = list(ws.iter_rows(values_only=True))
    at = _funnel_header(rows, "Опт")
    header, first = rows[at], rows[at + 1]
    assert header[:2] == ("Stage", "Team") and header[-1] == "Team: deals entered"
    f = result.funnel
    team = f[(f["pipeline"] == "Опт") & (f["owner"] == "")].sort_values("order")
    assert first[0] == team["stage"].iloc[0] and first[1] == pytest.approx(team["conversion"].iloc[0])
    owners = [h.split(" · ")[0] for h in header[2:-1]]
    busiest = (f[(f["pipeline"] == "Опт") & (f["owner"] != "")].groupby("owner")["entered"].sum()
               .sort_values(ascending=False, kind="stable"))
    assert owners == busiest.index.tolist()
    one = f[(f["pipeline"] == "Опт") & (f["owner"] == owners[2]) & (f["stage"] == first[0])]
    assert first[4] == pytest.approx(one["conversion"].iloc[0])
    assert len(ws.row_breaks.brk) == 1          # each pipeline on its own page


def test_funnel_marks_the_manager_a_check_about_managers_flagged(result, tmp_path):
    _path, wb = write_book(result, tmp_path)
    rows = list(wb["Funnel"].iter_rows())
    header = rows[_funnel_header([tuple(c.value for c in r) for r in rows], "Опт")]
    f = result.findings
    about = f["entity_type"].eq("owner") & (f["pipeline"].isna() | f["pipeline"].eq("Опт"))
    flagged = set(f.loc[about, "entity_id"])
    for cell in header[2:-1]:
        name, *codes = cell.value.split(" · ")
        assert bool(codes) is (name in flagged)
        assert (cell.fill.fgColor.rgb == "00F8CBAD") is (name in flagged)


def test_funnel_small_samples_left_out_of_the_colour_scale(tmp_path):
    base = sample_result(findings=10)
    funnel = base.funnel.copy()
    small = (funnel["pipeline"] == "Опт") & (funnel["owner"] == "Смирнова Анна") & (funnel["order"] == 1)
    funnel.loc[small, "entered"] = 3
    _path, wb = write_book(replace(base, funnel=funnel), tmp_path)
    ws = wb["Funnel"]
    rows = list(ws.iter_rows())
    header_row = _funnel_header([tuple(c.value for c in r) for r in rows], "Опт")
    col_i = [str(c.value).split(" · ")[0] for c in rows[header_row]].index("Смирнова Анна")
    cell = rows[header_row + 1][col_i]
    assert cell.font.i and cell.value == pytest.approx(funnel.loc[small, "conversion"].iloc[0])
    scales = [cf.sqref for cf in ws.conditional_formatting]
    neighbour = rows[header_row + 1][col_i - 1].coordinate   # the same row, enough deals
    assert any(neighbour in ref for ref in scales)
    assert not any(cell.coordinate in ref for ref in scales)


def test_no_funnel_says_why(tmp_path):
    base = sample_result(findings=10)
    _path, wb = write_book(replace(base, funnel=pd.DataFrame()), tmp_path, lang="ru")
    assert "Нет истории этапов" in all_text(wb)


def test_managers_sorted_by_deals_with_scores_deltas_and_a_team_row(result, tmp_path):
    team = {"deals": 999, "won": 500, "lost": 300, "open": 199, "win_rate": 0.625, "checks": ["ST01", "OF01"]}
    _path, wb = write_book(replace(result, team=team), tmp_path)
    rows = list(wb["Managers"].iter_rows(min_row=2, values_only=True))
    header, body, team_row = rows[0], rows[1:-1], rows[-1]
    deals = [r[header.index("Deals")] for r in body]
    assert deals == sorted(deals, reverse=True)
    by_name = {r[0]: r for r in body}
    owner = "Иванов Пётр"
    assert by_name[owner][header.index("Trust score")] == result.scores.by_owner[owner]
    assert by_name[owner][header.index("Score change")] == pytest.approx(
        result.scores.by_owner[owner] - result.previous["owners"][owner])
    assert team_row[0] == "Team" and team_row[header.index("Deals")] == 999
    assert team_row[header.index("Trust score")] == result.scores.overall
    assert team_row[header.index("Checks")] == "ST01, OF01"
    chart = wb["Managers"]._charts[0]
    assert len(chart.series) == 3


def test_scores_use_the_same_absolute_bands_everywhere(result, tmp_path):
    _path, wb = write_book(result, tmp_path)
    for sheet in ("Summary", "Managers", "Stages and pipelines"):
        rules = [r for cf in wb[sheet].conditional_formatting for r in cf.rules if r.type == "expression"]
        formulas = sorted(re.sub(r"[A-Z]+\d+", "X", r.formula[0]) for r in rules)
        assert formulas and set(formulas) == {"AND(ISNUMBER(X),AND(X>=60,X<80))", "AND(ISNUMBER(X),X<60)",
                                               "AND(ISNUMBER(X),X>=80)"}, sheet
        assert not any(r.type == "colorScale" and "score" in str(cf.sqref)
                       for cf in wb[sheet].conditional_formatting for r in cf.rules)


def test_missing_owner_and_pipeline_labels_are_translated(tmp_path):
    base = sample_result(findings=10)
    findings = base.findings.copy()
    findings.loc[0, "owner"] = "(no owner)"
    findings.loc[0, "pipeline"] = "(no pipeline)"
    owners = base.owners.copy()
    owners.loc[0, "owner"] = "(no owner)"
    _path, wb = write_book(replace(base, findings=findings, owners=owners), tmp_path, lang="ru")
    text = all_text(wb)
    assert "(без менеджера)" in text and "(без воронки)" in text and "(no owner)" not in text


def test_stages_verdicts_translated_and_highlighted(result, tmp_path):
    _path, wb = write_book(result, tmp_path, lang="ru")
    ws = wb["Этапы и воронки"]
    rows = list(ws.iter_rows())
    header = next(r for r in rows if r[0].value == "Воронка")
    names = [c.value for c in header]
    verdict_col = names.index("Оценка")
    stage_col = names.index("Этап")
    by_stage = {r[stage_col].value: r for r in rows[rows.index(header) + 1:] if len(r) > verdict_col}
    hub = by_stage["Возражения"][verdict_col]
    assert hub.value == "размытое название, этап-«возражения»" and hub.fill.fgColor.rgb.endswith("F8CBAD")
    ok = by_stage["Первичный контакт"][verdict_col]
    assert ok.value == "называет результат" and ok.fill.fill_type is None


def test_dates_in_tables_get_a_date_format(tmp_path):
    base = sample_result(findings=10)
    owners = base.owners.assign(last_activity_at=pd.Timestamp("2026-11-19 10:30"))
    _path, wb = write_book(replace(base, owners=owners), tmp_path)
    ws = wb["Managers"]
    header = [c.value for c in ws[2]]
    cell = ws.cell(row=3, column=header.index("Last activity at") + 1)
    assert cell.is_date and cell.number_format == xlsx.FMT_DATE


def test_guide_links_to_every_sheet(result, tmp_path):
    for lang in ("en", "ru"):
        _path, wb = write_book(result, tmp_path, name=f"{lang}.xlsx", lang=lang)
        guide = wb[i18n.t("sheet.guide", lang)]
        targets = {c.hyperlink.location for row in guide.iter_rows() for c in row if c.hyperlink}
        assert targets == {f"'{name}'!A1" for name in wb.sheetnames[1:]}


def test_coverage_beside_the_score_and_unjudged_families(result, tmp_path):
    _path, wb = write_book(result, tmp_path)
    rows = [[c for c in row] for row in wb["Summary"].iter_rows(values_only=True)]
    score_at = next(i for i, row in enumerate(rows) if row[0] == "Trust score")
    assert rows[score_at][1] == 61.5
    assert rows[score_at][3] == ("based on 13 of 31 checks; not judged: work outside the CRM (no activities)")
    # the per-family table sits on the Checks sheet: "not judged" and why, never a 0 that reads as clean
    checks = [list(row) for row in wb["Checks"].iter_rows(values_only=True)]
    families = {i18n.family(f, "en") for f in ("sterile", "stages", "activity", "funnel", "hygiene")}
    by_family = {row[1]: row[4] for row in checks if row[1] in families and row[0] is None}
    assert by_family["Work outside the CRM"] == "not judged: no activities"
    assert isinstance(by_family["Sterile data"], int)
    # the score's sentence says that whole families could not judge: a green band is no clean bill
    meaning = next(row[0] for row in rows[score_at:] if row[0] and row[0].startswith("61.5 of 100"))
    assert "the score speaks for the rest only" in meaning
    full = replace(result, coverage=replace(result.coverage, not_judged=()))
    _path, wb = write_book(full, tmp_path, name="full.xlsx")
    text = [c for row in wb["Summary"].iter_rows(values_only=True) for c in row if isinstance(c, str)]
    assert not any("speaks for the rest only" in c for c in text)


def test_nothing_judged_has_no_score_in_the_workbook(result, tmp_path):
    from audit.model.result import Coverage, Scores
    blind = replace(result, scores=Scores(overall=None), coverage=Coverage(judged=0, catalogue=31))
    _path, wb = write_book(blind, tmp_path)
    rows = list(wb["Summary"].iter_rows(values_only=True))
    score_at = next(i for i, row in enumerate(rows) if row[0] == "Trust score")
    assert rows[score_at][1] == "not scored" and rows[score_at][2] is None
    assert rows[score_at][3] == "no check could judge this export (0 of 31 checks)"


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_warnings_on_the_summary_and_data_sheets(result, tmp_path, lang):
    _path, wb = write_book(result, tmp_path, lang=lang)
    summary = [row[0] for row in wb[i18n.t("sheet.summary", lang)].iter_rows(values_only=True)]
    at = summary.index("⚠ " + i18n.t("summary.warnings", lang))
    assert summary[at + 1].startswith("• deals.csv: ") and summary[at + 2].startswith("• events.csv: ")
    assert at < summary.index(i18n.t("summary.top", lang))
    data = list(wb[i18n.t("sheet.data", lang)].iter_rows(values_only=True))
    assert data[0][0] == i18n.t("data.warnings", lang)
    codes = [row[1] for row in data[2:4]]
    assert codes == ["no-lost-deals", "rows-link-to-no-deal"] and data[2][0] == "export/deals.csv"
    # the sentence across the grid (merged, wrapped); its numbers stay in the JSON, not as `key: value` text
    ws = wb[i18n.t("sheet.data", lang)]
    assert data[3][2] == result.warnings[1].text(lang)
    assert any(str(rng).startswith("C4:") for rng in ws.merged_cells.ranges)
    assert not any("unlinked:" in str(c) for row in data for c in row if c)


def test_the_deals_of_no_owner_are_its_deals_not_his(result, tmp_path):
    from audit.model.result import CheckImpact, Scores
    owner = result.owners["owner"].iloc[0]  # 52 deals
    owners = pd.concat([result.owners, pd.DataFrame({"owner": ["(no owner)"], "deals": [36]})], ignore_index=True)
    impact = CheckImpact(deals=23, share=0.5, cost=10.0, by_owner={"(no owner)": 19, owner: 4})
    scored = replace(result, owners=owners, scores=Scores(
        overall=61.5, by_owner={"(no owner)": 50.0, owner: 60.0}, impacts={"HY03": impact},
        costliest_by_owner={"(no owner)": "HY03", owner: "HY03"}))
    _path, wb = write_book(scored, tmp_path)
    text = [c for row in wb["Summary"].iter_rows(values_only=True) for c in row if isinstance(c, str)]
    assert any(c.endswith(": 19 of its 36 deals") for c in text), text
    assert any(c.endswith(": 4 of his 52 deals") for c in text), text


def test_checks_sheet_shows_shares_as_percentages_and_counts_whole(result, tmp_path):
    from audit.model.gauge import Fails, Gauge, Unit
    from reports.xlsx.styles import FMT_INT
    share = Gauge("lost share of closed deals", "доля проигранных", Unit.SHARE, Fails.BELOW)
    count = Gauge("bursts", "всплесков", Unit.COUNT, Fails.ABOVE)
    checks = tuple(replace(c, gauge=share) if c.code == "ST01" else replace(c, gauge=count) if c.code == "ST02"
                   else c for c in result.checks)
    _path, wb = write_book(replace(result, checks=checks), tmp_path)
    ws = wb["Checks"]
    rows = {row[0].value: row for row in ws.iter_rows() if row[0].value in ("ST01", "ST02", "SG01")}
    header = next(r for r in ws.iter_rows(values_only=True) if r and r[0] == "Code")
    at = header.index("Measured")
    assert rows["ST01"][at].number_format == "0.0%" and rows["ST01"][at + 1].number_format == "0.0%"
    assert rows["ST02"][at].number_format == FMT_INT
    assert rows["SG01"][at].number_format == "0.####"   # no gauge: the decimals as they are
