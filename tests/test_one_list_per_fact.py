"""Names kept once: CRM names by the profiles registry, vocabulary list names by
checks.vocab, FN01's minimum sample by FN01's params. Each place that shows or checks such a
name reads it from there."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from audit.app.configtemplate import template
from audit.cli import cli
from audit.ingest import load
from audit.ingest.profiles import BY_NAME, CRM_CHOICES, PROFILES
from audit.model.config import parse
from audit.model.errors import AuditError, ConfigError
from audit.runner import run_audit
from checks import BY_CODE
from checks.vocab import LISTS as VOCAB_LISTS
from tests.builders import deal, make_crm
from tests.test_cli_exit_codes import error_lines, write_export


def test_crm_choices_are_the_profiles_in_detection_order():
    assert CRM_CHOICES == ("auto", *(p.name for p in PROFILES))
    for command in ("run", "inspect"):
        option = next(p for p in cli.commands[command].params if p.name == "crm")
        assert tuple(option.type.choices) == CRM_CHOICES


def test_crm_option_rejects_a_name_no_profile_has(tmp_path):
    result = CliRunner().invoke(cli, ["run", str(write_export(tmp_path / "exp")), "--crm", "hubspott"])
    assert result.exit_code == 2
    assert "'hubspott' is not one of 'auto', 'amocrm'" in result.output


def test_crm_option_takes_a_profile_in_any_case(tmp_path):
    result = CliRunner().invoke(cli, ["inspect", str(write_export(tmp_path / "exp")), "--crm", "GENERIC"])
    assert result.exit_code == 0, result.output
    assert "profile: generic" in result.output


def test_config_crm_typo_stops_the_run_naming_the_file(tmp_path):
    cfg = tmp_path / "crm-audit.toml"
    cfg.write_text('[input]\ncrm = "bitrix"\n', encoding="utf-8")
    result = CliRunner().invoke(cli, ["run", str(write_export(tmp_path / "exp")), "-c", str(cfg)])
    assert result.exit_code == 2 and "Traceback" not in result.output
    (line,) = error_lines(result.output)
    assert str(cfg) in line and "[input] crm = 'bitrix' is not one of " + ", ".join(CRM_CHOICES) in line


def test_every_profile_name_is_accepted_in_config(tmp_path):
    export = write_export(tmp_path / "exp")
    for name in CRM_CHOICES:
        assert load([export], parse({"input": {"crm": name.upper()}})).crm is not None


def test_unknown_crm_keyword_is_refused(tmp_path):
    with pytest.raises(AuditError, match="crm = 'zzz' is not one of"):
        load([write_export(tmp_path / "exp")], crm="zzz")


def test_vocab_list_typo_stops_the_run_naming_the_list():
    cfg = parse({"vocab": {"vague_stage": ["Ждём"]}}, path="crm-audit.toml")
    with pytest.raises(ConfigError, match=r"crm-audit.toml: \[vocab\] 'vague_stage': unknown list") as err:
        run_audit(make_crm([deal(1)]), cfg)
    assert ", ".join(VOCAB_LISTS) in str(err.value)


def test_every_vocab_list_is_accepted():
    cfg = parse({"vocab": {name: ["слово"] for name in VOCAB_LISTS}})
    assert run_audit(make_crm([deal(1)]), cfg).checks


def test_config_template_names_every_profile_and_vocab_list():
    text = template()
    assert " | ".join(CRM_CHOICES) in text
    assert ", ".join(VOCAB_LISTS) in text
    assert set(BY_NAME) <= set(CRM_CHOICES)


def test_the_result_catalogue_records_the_params_as_run():
    cfg = parse({"checks": {"FN01": {"min_deals": 25}}})
    catalogue = run_audit(make_crm([deal(1)]), cfg, select=["FN01", "ST03"]).catalogue
    assert dict(catalogue["FN01"].params)["min_deals"] == 25
    assert dict(catalogue["ST03"].params) == BY_CODE["ST03"].params  # defaults where the config is silent
