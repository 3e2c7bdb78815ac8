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
                           metric=float(ctx["limit"]), message="all flagged", judged=len(crm.deals))


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
    assert reason == "the deals export has no owner column"


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


class _Begins(_Flag):
    """Hands work elsewhere before the checks run."""
    code, name = "ST97", "begins"
    begun: list = []

    @classmethod
    def begin(cls, crm, ctx):
        cls.begun.append(ctx.as_of)


def test_a_check_that_began_work_elsewhere_runs_last_and_reports_in_catalogue_order():
    ran, _Begins.begun = [], []
    result = run_audit(_crm(), catalogue=(_Begins, _Flag, _NeedsHistory), progress=ran.append,
                       as_of="2026-11-01")
    assert ran == ["ST99 flag", "ST97 begins"]  # SG99 skipped: no stage history
    assert [c.code for c in result.checks] == ["ST97", "ST99", "SG99"]
    assert _Begins.begun == [pd.Timestamp("2026-11-01")]  # once, before the checks ran


def test_a_begin_hook_that_raises_leaves_the_run_to_the_check():
    class _BeginsBadly(_Flag):
        """Cannot begin."""
        code, name = "ST96", "begins-badly"

        @classmethod
        def begin(cls, crm, ctx):
            raise RuntimeError("no worker")
    result = run_audit(_crm(), catalogue=(_BeginsBadly,))
    assert result.checks[0].status is Status.FAIL and len(result.findings) == 2


def test_real_catalogue_runs_on_a_tiny_crm_without_errors():
    result = run_audit(make_crm([deal(1, status="won", closed_at="2026-10-05")]))
    assert {c.code for c in result.checks} == {c.code for c in ALL_CHECKS}
    assert not result.errored()


class _Blind(Check):
    """Passes without looking, as a careless check would: built by hand, no `judged`."""
    code, name, family, severity = "OF99", "blind", Family.ACTIVITY, Severity.MEDIUM
    title_ru = rationale = rationale_ru = fix = fix_ru = "x" * 11

    def run(self, crm, ctx):
        from audit.model.findings import CheckResult
        return CheckResult(code=self.code, name=self.name, family=self.family, severity=self.severity,
                           status=Status.PASS, message="all 0 things are fine")


class _Quiet(_Flag):
    """Passes having judged every deal."""
    code, name = "HY99", "quiet"
    family = Family.HYGIENE
    needs = {"deals": ()}

    def run(self, crm, ctx):
        return self.result(message="fine", judged=len(crm.deals))


def test_a_pass_that_judged_nothing_is_a_skip():
    result = run_audit(_crm(), catalogue=(_Blind,))
    (check,) = result.checks
    assert check.status is Status.SKIPPED and check.judged == 0
    assert check.skipped_reason == "nothing to judge: all 0 things are fine"
    assert check.skipped_reason_ru


def test_skips_for_missing_input_judge_nothing_and_keep_the_severity():
    cfg = parse({"checks": {"SG99": {"severity": "high"}}})
    skipped = {c.code: c for c in run_audit(_crm(), cfg, catalogue=CATALOGUE).checks}["SG99"]
    assert skipped.judged == 0 and skipped.severity is Severity.HIGH
    assert skipped.message.startswith("not run: stage history not provided")


def test_coverage_counts_judged_checks_and_names_families_without_one():
    result = run_audit(_crm(), catalogue=(_Boom, _Flag, _NeedsHistory, _Blind, _Quiet))
    cov = result.coverage
    assert (cov.judged, cov.catalogue) == (2, 5)      # ST99 failed, HY99 passed; the rest judged nothing
    gaps = {g.family.value: g.reason for g in cov.not_judged}
    assert gaps == {"stages": "no stage history", "activity": "too little data to judge"}
    selected = run_audit(_crm(), select=["ST"], catalogue=(_Boom, _Flag, _NeedsHistory)).coverage
    assert (selected.judged, selected.catalogue) == (1, 3)
    assert [(g.family.value, g.reason) for g in selected.not_judged] == [("stages", "not selected")]
    assert cov.as_json()["families_not_judged"][0] == {"family": "stages", "reason": "no stage history",
                                                        "reason_ru": "нет истории этапов"}


def test_a_run_that_judged_nothing_has_no_score():
    result = run_audit(_crm(), catalogue=(_Blind, _NeedsHistory))
    assert result.coverage.judged == 0 and result.scores.overall is None
    assert run_audit(_crm(), catalogue=(_Quiet,)).scores.overall == 100.0


def test_export_warnings_join_the_loaded_ones_without_repeating_them():
    from audit.model.warnings import InputWarning
    crm = make_crm([deal(1), deal(2)], activities=[{"deal_id": "x9", "type": "call", "at": pd.Timestamp("2026-10-02")}])
    given = InputWarning("rows-link-to-no-deal", "the profile knows better", "профиль знает лучше")
    result = run_audit(crm, catalogue=(_Quiet,), warnings=[given])
    codes = [w.code for w in result.warnings]
    assert codes.count("rows-link-to-no-deal") == 1 and result.warnings[0] is given
    assert "no-closed-deals" in codes


def test_owner_ids_a_profile_named_are_not_named_twice():
    from audit.model.warnings import InputWarning
    crm = make_crm([deal(i, owner=str(7 + i % 2)) for i in range(4)])
    ours = [w.code for w in run_audit(crm, catalogue=(_Quiet,)).warnings]
    assert "owner-ids-unresolved" in ours
    theirs = InputWarning("ids-unresolved", "the owner is an id", "ответственный — id", numbers={"column": "deals.owner"})
    merged = [w.code for w in run_audit(crm, catalogue=(_Quiet,), warnings=[theirs]).warnings]
    assert "owner-ids-unresolved" not in merged and merged[0] == "ids-unresolved"
