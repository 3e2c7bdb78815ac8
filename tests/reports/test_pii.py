"""--mask-pii: contact names, e-mails and phones masked in every output; managers stay."""

import json

import pandas as pd
import pytest

from reports import ReportOptions, markdown
from reports.console import render_summary
from reports.json_report import dump
from reports.pii import is_masked, mask_name, mask_result, mask_text
from tests.reports.conftest import all_text, write_book
from tests.reports.sample import OWNERS, sample_result

SECRETS = ("ivan.petrov@client.ru", "345-67-89", "345 67 89", "Иван Петров")


@pytest.mark.parametrize("text, masked", [
    pytest.param("call +7 (912) 345-67-89 now", "call +* (***) ***-**-89 now", id="intl-phone"),
    pytest.param("8 912 345 67 89", "* *** *** ** 89", id="spaced-phone"),
    pytest.param("89123456789", "*********89", id="bare-mobile"),
    pytest.param("(495) 123-45-67", "(***) ***-**-67", id="city-phone"),
    pytest.param("+44 20 7946 0958", "+** ** **** **58", id="uk-phone"),
    pytest.param("ivan.petrov@client.ru, x@y.com", "i***@client.ru, x***@y.com", id="emails"),
    pytest.param("deal 15823456789", "deal 15823456789", id="long-id-stays"),
    pytest.param("1 234 567 руб", "1 234 567 руб", id="money-stays"),
    pytest.param("2026-10-01 10:00", "2026-10-01 10:00", id="iso-date-stays"),
    pytest.param("01.10.2026", "01.10.2026", id="dotted-date-stays"),
    pytest.param("id 18342", "id 18342", id="short-id-stays"),
    pytest.param(None, None, id="none"),
])
def test_mask_text(text, masked):
    assert mask_text(text) == masked
    assert mask_text(mask_text(text)) == masked  # idempotent


def test_mask_name():
    assert mask_name("Иван Петров") == "И*** П***"


def _with_contacts():
    result = sample_result(findings=60)
    findings = result.findings
    deal_ids = findings.loc[findings["entity_type"].eq("deal"), "entity_id"].tolist()
    target = deal_ids[3]
    row = findings.index[findings["entity_id"].eq(target)][0]
    findings.loc[row, "title"] = "Петров: поставка для Иван Петров"
    findings.loc[row, "message"] = "Иван Петров asked to call back"
    deals = pd.DataFrame({"deal_id": deal_ids, "contact": ["Иван Петров"] * len(deal_ids)})
    return result, deals, target


def test_mask_result_masks_contacts_and_keeps_managers():
    result, deals, target = _with_contacts()
    masked = mask_result(result, deals=deals)
    row = masked.findings[masked.findings["entity_id"].eq(target)].iloc[0]
    assert row["title"] == "П***: поставка для И*** П***"
    assert row["message"] == "И*** П*** asked to call back"
    text = masked.findings.astype(str).to_string()
    for secret in SECRETS:
        assert secret not in text
    assert set(masked.findings["owner"]) == set(result.findings["owner"])  # the audited staff stay
    assert masked.findings["owner"].isin(OWNERS).all()
    assert is_masked(masked) and not is_masked(result)
    assert mask_result(masked) is masked
    # Each check's own findings are masked too.
    for check in masked.checks:
        assert "ivan.petrov@client.ru" not in check.findings.astype(str).to_string()


def test_evidence_person_keys_masked_ids_kept():
    result = sample_result(findings=10)
    findings = result.findings.copy()
    findings.at[0, "evidence"] = {"contact": "Мария Ли", "twin_deal_id": "89123456789", "days": 3}
    masked = mask_result(result.__class__(**{**result.__dict__, "findings": findings}))
    assert masked.findings.at[0, "evidence"] == {"contact": "М*** Л***", "twin_deal_id": "89123456789", "days": 3}


def test_check_messages_and_raw_values_masked():
    result, deals, _target = _with_contacts()
    checks = list(result.checks)
    checks[0] = checks[0].__class__(**{**checks[0].__dict__, "message": "contact Иван Петров, +7 912 345-67-89"})
    result = result.__class__(**{**result.__dict__, "checks": tuple(checks)})
    issues = result.parse_issues.copy()
    issues.loc[0, "raw"] = "ivan.petrov@client.ru"
    result = result.__class__(**{**result.__dict__, "parse_issues": issues})
    masked = mask_result(result, deals=deals)
    assert masked.checks[0].message == "contact И*** П***, +* *** ***-**-89"
    assert masked.parse_issues.loc[0, "raw"] == "i***@client.ru"


def test_masking_survives_replace():
    from dataclasses import replace
    masked = mask_result(sample_result(findings=10))
    assert is_masked(replace(masked, previous={"score": 1.0}))


def test_every_output_is_masked(tmp_path):
    result, deals, _target = _with_contacts()
    # The workbook and Markdown writers mask on their own when asked ...
    _path, wb = write_book(result, tmp_path, mask_pii=True)
    book = all_text(wb)
    markdown.write(result, tmp_path / "r.md", ReportOptions(mask_pii=True))
    # ... and the run masks once for all outputs (JSON, console included).
    masked = mask_result(result, deals=deals)
    outputs = {"xlsx": book, "md": (tmp_path / "r.md").read_text(encoding="utf-8"),
               "json": json.dumps(json.loads(dump(masked)), ensure_ascii=False),
               "console": render_summary(masked, [], color=False)}
    for name, text in outputs.items():
        for secret in ("ivan.petrov@client.ru", "345-67-89", "345 67 89"):
            assert secret not in text, (name, secret)
    assert "i***@client.ru" in book and "i***@client.ru" in outputs["json"]
    assert "Иван Петров" not in outputs["json"]
    # Without masking the workbook does show them (so the test above can fail).
    _path, plain = write_book(result, tmp_path, name="plain.xlsx")
    assert "ivan.petrov@client.ru" in all_text(plain)


def test_contact_inside_a_malformed_line_is_masked_everywhere(tmp_path):
    """HY08 quotes the raw text of a line it could not read; that line belongs to no known deal,
    so the contact names of all deals are looked for in it (here one repeated from deal 1)."""
    from click.testing import CliRunner
    from openpyxl import load_workbook

    from audit.cli import cli
    export = tmp_path / "deals.csv"
    export.write_text(
        "deal_id,title,stage,status,owner,contact,created_at,closed_at,amount\n"
        "1,Supply,Won,won,Anna,Иван Петров,2026-01-01 10:00,2026-01-05 10:00,100\n"
        "2,Pumps,New,open,Anna,Мария Ли,2026-01-02 10:00,,200\n"
        "3,Valves,Lost,lost,Boris,Олег Сидоров,2026-01-03 10:00,2026-01-06 10:00,300\n"
        "4,Repeat order,New,open,Boris;Иван Петров;ivan.petrov@client.ru,2026-01-04 10:00,,400\n"
        "5,Pipes,New,open,Boris,Олег Сидоров,2026-01-05 10:00,,500\n", encoding="utf-8")
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["run", str(export), "--mask-pii", "--fail-on", "never", "-q",
                                      "--json", str(out / "r.json"), "--md", str(out / "r.md"),
                                      "-o", str(out / "r.xlsx")])
    assert result.exit_code == 0, result.output
    report = json.loads((out / "r.json").read_text(encoding="utf-8"))
    raw = [f["evidence"]["raw"] for f in report["findings"] if f["code"] == "HY08" and "raw" in f["evidence"]]
    assert raw and "И*** П***" in raw[0] and "i***@client.ru" in raw[0]
    texts = [(out / "r.json").read_text(encoding="utf-8"), (out / "r.md").read_text(encoding="utf-8"),
             all_text(load_workbook(out / "r.xlsx"))]
    for text in texts:
        assert "Петров" not in text and "ivan.petrov" not in text
