"""The Great Expectations adapter: the only GX import, lazily; plain results; failures isolated."""

import re
import subprocess
import sys
import types
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from audit.cli import cli
from audit.model.errors import AuditError
from audit.model.findings import Status
from audit.runner import run_audit
from audit.app.session import refuse_if_nothing_judged
from checks.hygiene import gx_adapter
from checks.hygiene.gx_adapter import GreatExpectationsError
from tests.builders import AS_OF, activity, deal, derived, make_crm

ROOT = Path(__file__).resolve().parents[1]
GX_CHECKS = ["HY01", "HY02", "HY03", "HY04", "HY05"]


def _dirty_crm():
    return make_crm(
        [deal(1, owner=None), deal(1, status="won", amount=0.0, closed_at="2026-09-01"),
         deal(3, amount=-5.0, closed_at="2026-10-02"), deal(4, status="pending"), deal(5)],
        activities=[activity(1, "2026-10-02", activity_id="a1"), activity(1, "2026-10-03", activity_id="a1")],
    )


def test_only_the_adapter_imports_great_expectations():
    importing = set()
    for package in ("audit", "checks", "reports"):
        for path in (ROOT / package).rglob("*.py"):
            if re.search(r"^\s*(import|from)\s+great_expectations\b", path.read_text(encoding="utf-8"), re.MULTILINE):
                importing.add(path.relative_to(ROOT).as_posix())
    assert importing == {"checks/hygiene/gx_adapter.py"}


def test_catalogue_commands_and_inspect_do_not_import_gx(tmp_path):
    (tmp_path / "deals.csv").write_text("deal_id,stage,created_at\n1,New,2026-10-01\n", encoding="utf-8")
    code = (
        "import sys\n"
        "from click.testing import CliRunner\n"
        "from audit.cli import cli\n"
        "r = CliRunner()\n"
        "for args in (['checks'], ['explain', 'HY01'], ['inspect', sys.argv[1]]):\n"
        "    res = r.invoke(cli, args)\n"
        "    assert res.exit_code == 0, (args, res.output)\n"
        "assert 'great_expectations' not in sys.modules\n"
    )
    done = subprocess.run([sys.executable, "-c", code, str(tmp_path)], cwd=ROOT, capture_output=True, text=True,
                          check=False)
    assert done.returncode == 0, done.stderr


def test_validation_is_plain_data_shared_and_names_failing_rows():
    crm = _dirty_crm()
    validation = gx_adapter.validate(derived(crm), AS_OF)
    assert gx_adapter.validate(derived(crm), AS_OF) is validation  # memoized: GX runs once per audit
    assert validation.failure is None
    for outcome in validation.outcomes.values():
        assert type(outcome.positions) is np.ndarray and not type(outcome).__module__.startswith("great_")
    got = {k: o.positions.tolist() for k, o in validation.outcomes.items() if o.unexpected}
    assert got == {"owner-missing": [0], "deal_id-duplicate": [0, 1], "activity_id-duplicate": [0, 1],
                   "closed-before-created": [1], "amount-negative": [2], "won-amount-not-positive": [1],
                   "status-unknown": [3], "open-with-closed-at": [2]}


def test_both_strategies_give_the_same_outcomes():
    crm = _dirty_crm()
    single = gx_adapter.validate(derived(crm), AS_OF, strategy="complete-positions")
    two = gx_adapter.validate(derived(crm), AS_OF, strategy="two-pass")
    assert {k: (o.success, o.positions.tolist()) for k, o in single.outcomes.items()} == \
           {k: (o.success, o.positions.tolist()) for k, o in two.outcomes.items()}


def test_no_progress_bars_or_gx_logging_on_stderr(capfd):
    gx_adapter.validate(derived(make_crm([deal(1, owner=None), deal(2)])), AS_OF)
    captured = capfd.readouterr()
    assert captured.err == "" and captured.out == ""


def _broken(monkeypatch, reason="great_expectations 0.18.8 is installed but crm-audit needs 1.x"):
    def fail():
        raise GreatExpectationsError(reason)
    monkeypatch.setattr(gx_adapter, "_engine", fail)


def test_gx_failure_errors_the_gx_checks_and_the_rest_completes(monkeypatch):
    _broken(monkeypatch)
    result = run_audit(_dirty_crm(), select=("HY", "ST03"), as_of=AS_OF)
    status = {c.code: c for c in result.checks}
    for code in GX_CHECKS:
        assert status[code].status is Status.ERROR
        assert status[code].message == ("check failed: GreatExpectationsError: great_expectations 0.18.8 is "
                                        "installed but crm-audit needs 1.x")
    assert status["HY06"].status is Status.PASS and status["HY08"].status is Status.PASS
    assert status["ST03"].status is not Status.ERROR
    refuse_if_nothing_judged(result)  # other checks judged: no exit 2


def test_gx_internal_error_is_reported_with_its_cause(monkeypatch):
    def boom(*args, **kwargs):
        raise RuntimeError("metric resolution exploded")
    monkeypatch.setattr(gx_adapter, "run_suite", boom)
    result = run_audit(_dirty_crm(), select=("HY01",), as_of=AS_OF)
    (check,) = result.checks
    assert check.status is Status.ERROR
    assert "Great Expectations failed while validating the hygiene suite: RuntimeError: metric resolution " \
           "exploded (great_expectations 1." in check.message
    with pytest.raises(AuditError, match="no check could run"):
        refuse_if_nothing_judged(result)


def test_wrong_gx_version_is_named(monkeypatch):
    monkeypatch.setitem(sys.modules, "great_expectations", types.SimpleNamespace(__version__="0.18.8"))
    with pytest.raises(GreatExpectationsError, match=r"0\.18\.8 is installed but crm-audit needs 1\.x; pip install"):
        gx_adapter._import_gx()


def test_an_expectation_that_raises_inside_gx_errors_its_check_only():
    info = {"MetricConfigurationID(...)": {"raised_exception": True, "exception_message": "column 'x' missing"}}
    assert gx_adapter._exception_message(info) == "column 'x' missing"
    assert gx_adapter._exception_message({"raised_exception": False, "exception_message": None}) is None


def _export(tmp_path, text):
    folder = tmp_path / "export"
    folder.mkdir()
    (folder / "deals.csv").write_text(text, encoding="utf-8")
    return folder


CSV = ("deal_id,title,pipeline,stage,status,owner,amount,created_at,closed_at\n"
       "1,A,Sales,Won,won,Anna,100,2026-01-01,2026-01-05\n"
       "2,B,Sales,Won,won,,0,2026-01-02,2026-01-03\n")


@pytest.mark.parametrize("select, code", [
    pytest.param("HY01,HY04", 2, id="only-gx-checks-selected-exits-2"),
    pytest.param("HY01,HY08", 0, id="another-check-judged-exits-by-findings"),
])
def test_cli_exit_code_when_gx_is_broken(tmp_path, monkeypatch, select, code):
    _broken(monkeypatch)
    result = CliRunner().invoke(cli, ["run", str(_export(tmp_path, CSV)), "--select", select, "-q"])
    assert result.exit_code == code, result.output
    if code == 2:
        lines = result.output.strip().splitlines()
        assert len(lines) == 1 and "no check could run (HY01, HY04)" in lines[0] and "needs 1.x" in lines[0]
        assert "Traceback" not in result.output
