"""The runner: selection, skipping with a reason, settings, severity overrides, isolation."""

import pandas as pd
import pytest

from audit.model.config import parse
from audit.model.params import COUNT
from audit.model.errors import AuditError, ConfigError
from audit.model.findings import Severity, Status
from audit.runner import parse_codes, resolve_as_of, run_audit, select_checks, warm_up
from checks import ALL_CHECKS
from checks.base import Check, Family
from tests.builders import deal, make_crm, move


class _Boom(Check):
    """Always raises."""
    code, name, family, severity = "ST98", "boom", Family.STERILE, Severity.HIGH
    title_ru = rationale = rationale_ru = fix = fix_ru = "x" * 11

    def run(self, crm, ctx):
        raise RuntimeError("kaput")


class _Flag(Check):
    """Flags every deal."""
    code, name, family, severity = "ST99", "flag", Family.STERILE, Severity.LOW
    needs = {"deals": ("owner",)}
    params = {"limit": 3}
    param_rules = {"limit": COUNT}
    title_ru = rationale = rationale_ru = fix = fix_ru = "x" * 11
    warmed = 0

    @classmethod
    def warm_up(cls):
        cls.warmed += 1

    def run(self, crm, ctx):
        return self.result(findings=self.findings(crm.deals, entity_type="deal", message="flagged"),
                           metric=float(ctx["limit"]), message="all flagged")


class _NeedsHistory(_Flag):
    """Needs stage history."""
    code, name = "SG99", "needs-history"
    family = Family.STAGES
    needs = {"stage_history": ("to_stage",)}


CATALOGUE = (_Boom, _Flag, _NeedsHistory)


def _crm():
    return make_crm([deal(1), deal(2)])


def test_parse_codes_accepts_commas_and_repeats():
    assert parse_codes(["st, OF01", "HY"]) == ("ST", "OF01", "HY")
    assert parse_codes(None) == ()


def test_select_and_ignore_by_prefix():
    codes = [c.code for c in select_checks(("ST", "OF01"), ("ST0",))]
    assert codes == ["OF01"]
    assert [c.code for c in select_checks(("HY0",), ("HY06", "HY07", "HY08"))] == [
        "HY01", "HY02", "HY03", "HY04", "HY05"]
    with pytest.raises(AuditError, match="no check matches 'XX'"):
        select_checks(("XX",))


def test_a_raising_check_is_an_error_and_the_rest_runs():
    result = run_audit(_crm(), catalogue=CATALOGUE)
    by_code = {c.code: c for c in result.checks}
    assert by_code["ST98"].status is Status.ERROR and "kaput" in by_code["ST98"].message
    assert by_code["ST99"].status is Status.FAIL and by_code["ST99"].affected == 2


def test_missing_inputs_skip_with_what_to_export():
    result = run_audit(_crm(), catalogue=CATALOGUE)
    skipped = {c.code: c for c in result.checks}["SG99"]
    assert skipped.status is Status.SKIPPED
    assert "stage history not provided" in skipped.skipped_reason and "SG99" in skipped.skipped_reason
    with_history = make_crm([deal(1)], history=[move(1, "B", "2026-10-02")])
    assert {c.code: c for c in run_audit(with_history, catalogue=CATALOGUE).checks}["SG99"].status is Status.FAIL


def test_missing_column_names_it():
    crm = make_crm([deal(1, owner=None)])
    reason = {c.code: c for c in run_audit(crm, catalogue=CATALOGUE).checks}["ST99"].skipped_reason
    assert reason == "deals lack owner"


def test_settings_and_severity_from_config():
    cfg = parse({"checks": {"ST99": {"limit": 7, "severity": "high"}, "ST98": {"enabled": False}}})
    result = run_audit(_crm(), cfg, catalogue=CATALOGUE)
    flag = {c.code: c for c in result.checks}["ST99"]
    assert flag.metric == 7.0 and flag.severity is Severity.HIGH
    assert set(result.findings["severity"]) == {"high"}
    assert "ST98" not in {c.code for c in result.checks}


@pytest.mark.parametrize("settings, message", [
    pytest.param({"ST99": {"limt": 1}}, "unknown setting 'limt'", id="typo"),
    pytest.param({"ST99": {"limit": "three"}}, "must be a count", id="not-a-number"),
])
def test_bad_settings_stop_the_run(settings, message):
    with pytest.raises(ConfigError, match=message):
        run_audit(_crm(), parse({"checks": settings}), catalogue=CATALOGUE)


def test_as_of_is_data_time_never_wall_clock():
    crm = make_crm([deal(1, created_at="2026-03-01 10:00"), deal(2, created_at="2026-05-02 09:00",
                                                                closed_at="2026-05-20 12:00")])
    assert resolve_as_of(crm, None) == pd.Timestamp("2026-05-20 12:00")
    assert resolve_as_of(crm, "2026-06-01") == pd.Timestamp("2026-06-01")
    with pytest.raises(AuditError, match="not a date"):
        resolve_as_of(crm, "yesterday-ish")


def test_warm_up_calls_each_selected_hook_once():
    _Flag.warmed = 0
    warm_up(("ST99", "SG99"), catalogue=CATALOGUE)
    assert _Flag.warmed == 1  # SG99 inherits ST99's hook: checks sharing a warm-up run it once
    _Flag.warmed = 0
    warm_up(("ST98",), catalogue=CATALOGUE)
    assert _Flag.warmed == 0


def test_real_catalogue_runs_on_a_tiny_crm_without_errors():
    result = run_audit(make_crm([deal(1, status="won", closed_at="2026-10-05")]))
    assert {c.code for c in result.checks} == {c.code for c in ALL_CHECKS}
    assert not result.errored()
