"""Strict config: every rule refuses what it should (one table-driven case per rule) and the
whole file is judged before a single export is read."""

from __future__ import annotations

import re
import tomllib

import pytest
from click.testing import CliRunner

from audit.app.configtemplate import template
from audit.app.settings import catalogue, load_config
from audit.cli import cli
from audit.model.config import parse
from audit.model.errors import ConfigError
from checks import ALL_CHECKS

CAT = catalogue()


def _refused(text: str) -> str:
    with pytest.raises(ConfigError) as err:
        parse(tomllib.loads(text), path="crm-audit.toml", catalogue=CAT)
    message = str(err.value)
    assert message.startswith("crm-audit.toml: ") and "\n" not in message
    return message


@pytest.mark.parametrize("toml, needle", [
    # sections, keys and check codes, with the nearest known name
    pytest.param("[reprot]\nlang = 'en'", "unknown section [reprot] (did you mean report?)", id="unknown-section"),
    pytest.param("[checks.XX99]\nmin_closed = 3", "[checks.XX99]: no such check", id="unknown-check-code"),
    pytest.param("[checks.ST2]\nmin_closed = 3", "(did you mean ST02?)", id="check-code-typo"),
    pytest.param("[checks.ST02]\nmin_clsoed = 3", "unknown key 'min_clsoed' (did you mean min_closed?)",
                 id="check-setting-typo"),
    pytest.param("[input]\nencodng = 'cp1251'", "(did you mean encoding?)", id="input-key-typo"),
    pytest.param("[report]\nmax_row = 5", "(did you mean max_rows?)", id="report-key-typo"),
    pytest.param("[limits]\nworkbook_cell = 5", "(did you mean workbook_cells?)", id="limits-key-typo"),
    pytest.param("[input]\ncrm = 'hubspto'", "(did you mean hubspot?)", id="crm-typo"),
    pytest.param("[input]\nencoding = 'cp9999'", "not an encoding", id="unknown-encoding"),
    pytest.param("[pipelines.Sales]\nstage = ['A']", "(did you mean stages?)", id="pipeline-key-typo"),
    # ranges: shares in [0, 1], counts >= 1, days >= 0, finite
    pytest.param("[checks.SG03]\nmin_days = -1", "SG03] min_days must be a number of days", id="negative-days"),
    pytest.param("[checks.ST01]\nmax_lost_share = nan", "max_lost_share must be a share between 0 and 1, not nan",
                 id="nan-share"),
    pytest.param("[checks.ST01]\nmax_lost_share = 1e308", "must be a share between 0 and 1", id="huge-share"),
    pytest.param("[checks.ST01]\nmax_lost_share = -0.1", "must be a share", id="negative-share"),
    pytest.param("[checks.OF02]\nmin_days = inf", "not inf", id="infinite-days"),
    pytest.param("[checks.ST02]\nmin_closed = 0", "must be a count of at least 1", id="zero-count"),
    pytest.param("[checks.ST02]\nmin_closed = 1.5", "must be a whole number", id="fractional-count"),
    pytest.param("[checks.ST05]\nmax_hours_to_win = -24", "number of hours", id="negative-hours"),
    pytest.param("[checks.OF03]\nz_threshold = 3.0", "between -100 and 0", id="positive-z"),
    pytest.param("[limits]\nsheet_rows = 2000000", "sheet_rows must be a whole number between 1 and 1048576",
                 id="rows-beyond-excel"),
    pytest.param("[limits]\ncompression_ratio = 0", "between 1 and", id="ratio-below-one"),
    pytest.param("[report]\nmax_rows = 0", "at least 1", id="zero-rows"),
    # types: list vs string, numbers, booleans only as booleans, strings
    pytest.param("[checks.OF05]\ntypes = 'call'", 'must be a list, e.g. ["call"]', id="string-for-list"),
    pytest.param("[checks.OF05]\ntypes = ['fax']", 'has "fax": use call, email', id="unknown-activity-type"),
    pytest.param("[checks.OF05]\ntypes = []", "at least one", id="empty-list"),
    pytest.param("[checks.ST02]\nmin_closed = '15'", 'not "15"', id="string-for-number"),
    pytest.param("[checks.ST02]\nmin_closed = true", "not true", id="boolean-for-number"),
    pytest.param("[checks.HY07]\nsame_contact = 1", "must be true or false", id="number-for-boolean"),
    pytest.param("[report]\nmask_pii = 'no'", 'mask_pii must be true or false, not "no"', id="string-for-boolean"),
    pytest.param("[checks.ST02]\nenabled = 'no'", "enabled must be true or false", id="enabled-as-string"),
    pytest.param("[checks.ST02]\nseverity = 'urgent'", "use info, low, medium, high", id="bad-severity"),
    pytest.param("[checks]\nfail_on = 3", "fail_on must be a string", id="fail-on-number"),
    pytest.param("[report]\nmax_rows = 'many'", 'not "many"', id="rows-as-string"),
    pytest.param("[history]\ndir = 123", "[history] dir must be a string", id="history-dir-number"),
    pytest.param("[history]\ndir = ''", "[history] dir is empty", id="history-dir-empty"),
    pytest.param("[status]\nwon = 'Won'", '[status] won must be a list, e.g. ["Won"]', id="status-string"),
    pytest.param("[vocab]\nvague_stages = 'Думает'", "must be a list", id="vocab-string"),
    pytest.param("[pipelines.Sales]\nstages = []", "stages is empty", id="empty-pipeline"),
    pytest.param("[pipelines.Sales]\n", "needs stages", id="pipeline-without-stages"),
    pytest.param("[report]\nlang = 'de'", "use en, ru", id="bad-lang"),
    pytest.param("checks = 3", "[checks] must be a table", id="section-not-a-table"),
    # as_of: a date of this era, never a number read as 1970
    pytest.param("[input]\nas_of = 20261120", "is not a date", id="as-of-number"),
    pytest.param("[input]\nas_of = ''", "as_of is empty", id="as-of-empty"),
    pytest.param("[input]\nas_of = '0001-01-01'", "outside 1900-2200", id="as-of-year-one"),
    pytest.param("[input]\nas_of = '3000-01-01'", "outside 1900-2200", id="as-of-year-3000"),
    pytest.param("[input]\nas_of = 'yesterday'", "is not a date", id="as-of-word"),
])
def test_rule_refuses(toml, needle):
    assert needle in _refused(toml)


@pytest.mark.parametrize("toml", [
    pytest.param("[checks.st02]\nmin_closed = 20", id="lower-case-code"),
    pytest.param("[checks.ST02]\nfdr = 1", id="integer-share"),
    pytest.param("[checks.SG07]\nperiod_days = 0", id="zero-days"),
    pytest.param("[checks.OF05]\ntypes = ['call', 'email']", id="list-of-types"),
    pytest.param("[input]\nas_of = 2026-11-20", id="toml-date"),
    pytest.param("[input]\nas_of = 2026-11-20T18:04:00", id="toml-datetime"),
    pytest.param("[report]\nmask_pii = false\nmax_rows = 500", id="report"),
    pytest.param("[limits]\nworkbook_cells = 100000000\nfield_mb = 8", id="lifted-limits"),
    pytest.param("[pipelines.Sales]\nstages = ['A', 'B']\n[pipelines]\nOther = ['C']", id="pipeline-forms"),
])
def test_valid_values_pass(toml):
    parse(tomllib.loads(toml), catalogue=CAT)


def test_as_of_from_toml_date_is_kept():
    assert parse(tomllib.loads("[input]\nas_of = 2026-11-20"), catalogue=CAT).as_of == "2026-11-20T00:00:00"


def test_every_check_setting_has_a_rule_its_default_obeys():
    for check in ALL_CHECKS:
        assert set(check.param_rules) == set(check.params), check.code
        for key, value in check.params.items():
            assert check.param_rules[key].problem(value) is None, (check.code, key)


def test_the_template_uncommented_is_a_valid_config():
    lines = []
    for line in template().splitlines():
        body = line[2:] if line.startswith("# ") else line
        # Uncomment settings and section headers, not prose.
        if re.match(r"^(\[|[\w\"].*=)", body) and not body.startswith(("Map ", "Per ")):
            lines.append(re.sub(r"\s+#.*$", "", body))
    raw = tomllib.loads("\n".join(lines))
    cfg = parse(raw, catalogue=CAT)
    assert cfg.check_params["ST02"]["min_closed"] == 15 and cfg.limits.sheet_rows == 1_048_576


def test_config_is_judged_before_any_export_is_read(tmp_path, monkeypatch):
    """A bad setting stops the run before reading: the export is never opened."""
    import audit.app.session as session
    cfg = tmp_path / "crm-audit.toml"
    cfg.write_text("[checks.SG03]\nmin_days = -1\n", encoding="utf-8")
    opened = []
    monkeypatch.setattr(session, "load", lambda *a, **k: opened.append(a))
    result = CliRunner().invoke(cli, ["run", str(tmp_path / "any.csv"), "-c", str(cfg), "-q"])
    assert result.exit_code == 2 and "min_days must be a number of days" in result.output
    assert opened == []


def test_load_config_names_the_file(tmp_path):
    cfg = tmp_path / "crm-audit.toml"
    cfg.write_text("[report]\nmask_pii = 'no'\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=re.escape(str(cfg))):
        load_config(cfg)
