"""Great Expectations in its own process: the warm-up starts it, the next validation runs there
and gives what the same validation gives in this process; a worker whose GX is broken, or that
died, is reported or replaced exactly as GX in this process would be."""

from __future__ import annotations

import threading
from multiprocessing import Pipe

import numpy as np
import pytest

from checks.hygiene import gx_adapter, gx_worker
from checks.hygiene.gx_adapter import GreatExpectationsError
from tests.builders import derived
from tests.test_gx_adapter import AS_OF, _dirty_crm


def _plain(validation):
    return {k: (o.success, o.positions.tolist(), o.checked, o.error) for k, o in validation.outcomes.items()}


def _threaded_worker():
    """A worker whose loop runs on a thread of this process (the protocol, without a process)."""
    parent, child = Pipe()
    thread = threading.Thread(target=gx_worker.serve, args=(child,), daemon=True)
    thread.start()
    worker = gx_worker.Worker.__new__(gx_worker.Worker)
    worker.conn = parent
    return worker, thread


def test_the_worker_process_gives_the_outcomes_of_this_process():
    here = gx_adapter.validate(derived(_dirty_crm()), AS_OF)
    gx_adapter.preload()
    worker = gx_adapter._WORKER
    assert worker is not None and worker.alive()
    there = gx_adapter.validate(derived(_dirty_crm()), AS_OF)
    assert there.failure is None and _plain(there) == _plain(here)
    assert any(o.unexpected for o in there.outcomes.values())
    assert not gx_adapter._USE_WORKER  # spent: the next audit of this process validates here
    assert gx_adapter._engine() is not worker


def test_a_worker_answers_each_frame_and_leaves_when_hung_up():
    worker, thread = _threaded_worker()
    d = derived(_dirty_crm())
    plan, _not_run = gx_adapter.plan_rules(d)
    for table, rules in plan.items():
        frame = gx_adapter.validation_frame(d, table, rules)
        got = gx_adapter.run_suite(worker, table, frame, rules, AS_OF)
        want = gx_adapter.run_suite(gx_adapter._local_engine(), table, frame, rules, AS_OF)
        assert {k: (o.success, o.positions.tolist()) for k, o in got.items()} == \
               {k: (o.success, o.positions.tolist()) for k, o in want.items()}
        assert all(type(o.positions) is np.ndarray for o in got.values())
    worker.conn.close()
    thread.join(timeout=10)
    assert not thread.is_alive()


def test_a_worker_whose_gx_is_broken_says_why(monkeypatch):
    def broken():
        raise GreatExpectationsError("great_expectations 0.18.8 is installed but crm-audit needs 1.x")
    monkeypatch.setattr(gx_adapter, "_Engine", broken)
    worker, _thread = _threaded_worker()
    monkeypatch.setattr(gx_adapter, "_WORKER", worker)
    monkeypatch.setattr(gx_adapter, "_USE_WORKER", True)
    monkeypatch.setattr(gx_worker.Worker, "alive", lambda self: True)
    validation = gx_adapter.validate(derived(_dirty_crm()), AS_OF)
    assert validation.failure == "great_expectations 0.18.8 is installed but crm-audit needs 1.x"
    worker.conn.close()


def test_a_lost_worker_is_replaced_by_gx_here(monkeypatch):
    parent, child = Pipe()
    child.close()  # the worker died before answering
    worker = gx_worker.Worker.__new__(gx_worker.Worker)
    worker.conn = parent
    monkeypatch.setattr(gx_adapter, "_WORKER", worker)
    monkeypatch.setattr(gx_adapter, "_USE_WORKER", True)
    monkeypatch.setattr(gx_worker.Worker, "alive", lambda self: True)
    validation = gx_adapter.validate(derived(_dirty_crm()), AS_OF)
    assert validation.failure is None
    assert _plain(validation) == _plain(gx_adapter.validate(derived(_dirty_crm()), AS_OF, strategy="two-pass"))


@pytest.fixture(autouse=True)
def _no_worker_left_claimed():
    yield
    gx_adapter._USE_WORKER = False


def test_the_worker_codes_are_the_checks_whose_rules_gx_validates():
    from checks import ALL_CHECKS
    from checks.hygiene._common import GxCheck
    from checks.hygiene.rules import RULES
    assert set(gx_worker.GX_CODES) == {c.code for c in ALL_CHECKS if issubclass(c, GxCheck)}
    assert set(gx_worker.GX_CODES) == {r.check for r in RULES}


@pytest.mark.parametrize("select, ignore, starts", [
    pytest.param((), (), True, id="everything"),
    pytest.param(("HY",), (), True, id="select-HY"),
    pytest.param(("st, hy03",), (), True, id="select-a-GX-check-among-others"),
    pytest.param(("ST", "OF"), (), False, id="select-no-GX-check"),
    pytest.param(("HY06",), (), False, id="select-a-pandas-hygiene-check"),
    pytest.param((), ("HY0",), False, id="ignore-every-GX-check"),
    pytest.param(("HY",), ("HY01", "HY02", "HY03", "HY04"), True, id="HY05-left"),
])
def test_the_command_line_starts_the_worker_only_when_a_gx_check_may_run(monkeypatch, select, ignore, starts):
    started = []
    monkeypatch.setattr(gx_worker, "shared", lambda: started.append(True))
    gx_worker.start_early(select, ignore)
    assert bool(started) is starts


def test_a_worker_that_cannot_start_leaves_the_run_to_the_warm_up(monkeypatch):
    def no_process():
        raise OSError("no more processes")
    monkeypatch.setattr(gx_worker, "shared", no_process)
    gx_worker.start_early()  # nothing raised: the warm-up tries again, or GX runs here


def test_the_worker_imports_no_check_before_great_expectations():
    """The worker process starts by importing gx_worker, then the adapter: neither may pull in the
    catalogue (every check, seconds of imports before GX's own)."""
    import subprocess
    import sys
    code = ("import sys; import checks.hygiene.gx_worker; import checks.hygiene.gx_adapter; "
            "print(sorted(m for m in sys.modules if m.startswith(('checks.sterile', 'checks.stages', "
            "'checks.activity', 'checks.funnel', 'checks.hygiene.HY', 'audit.derived', 'scipy'))))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_the_command_line_starts_the_worker_before_importing_pandas():
    """Through the real `run` command (its group's error handling included, which once imported
    `audit.model`, and pandas with it, before the command started the worker)."""
    import subprocess
    import sys
    code = ("import sys; import checks.hygiene.gx_worker as w; seen = []\n"
            "w.start_early = lambda *a: seen.append('pandas' in sys.modules)\n"
            "from audit.cli import cli\n"
            "try:\n    cli(['run', 'no-such-export.csv', '-q'])\n"
            "except SystemExit as exc:\n    print(seen, exc.code)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[False] 2"  # started before pandas; the missing file still exit 2


def test_begin_hands_the_frames_to_the_worker_and_validate_reads_its_answers(monkeypatch):
    worker, thread = _threaded_worker()
    monkeypatch.setattr(gx_adapter, "_WORKER", worker)
    monkeypatch.setattr(gx_adapter, "_USE_WORKER", True)
    monkeypatch.setattr(gx_worker.Worker, "alive", lambda self: True)
    d = derived(_dirty_crm())
    plan, _not_run = gx_adapter.plan_rules(d)
    gx_adapter.begin(d, AS_OF)
    assert worker.unanswered == len(plan) and not gx_adapter._USE_WORKER
    there = gx_adapter.validate(d, AS_OF)
    assert worker.unanswered == 0
    assert there.failure is None and _plain(there) == _plain(gx_adapter.validate(derived(_dirty_crm()), AS_OF))
    worker.conn.close()
    thread.join(timeout=10)


def test_a_worker_owing_answers_to_an_earlier_run_is_not_used(monkeypatch):
    worker = gx_worker.Worker.__new__(gx_worker.Worker)
    worker.unanswered = 1
    monkeypatch.setattr(gx_adapter, "_WORKER", worker)
    monkeypatch.setattr(gx_adapter, "_USE_WORKER", True)
    monkeypatch.setattr(gx_worker.Worker, "alive", lambda self: True)
    monkeypatch.setattr(gx_worker.Worker, "answer", lambda self: pytest.fail("read an earlier run's answer"))
    validation = gx_adapter.validate(derived(_dirty_crm()), AS_OF)
    assert validation.failure is None and any(o.unexpected for o in validation.outcomes.values())


def test_a_frame_that_cannot_be_sent_is_reported_not_waited_for(monkeypatch):
    worker, thread = _threaded_worker()
    monkeypatch.setattr(gx_adapter, "_WORKER", worker)
    monkeypatch.setattr(gx_adapter, "_USE_WORKER", True)
    monkeypatch.setattr(gx_worker.Worker, "alive", lambda self: True)

    def unpicklable(*_args, **_kwargs):
        raise TypeError("cannot pickle 'generator' object")
    monkeypatch.setattr(worker.conn, "send", unpicklable)
    validation = gx_adapter.validate(derived(_dirty_crm()), AS_OF)
    assert "cannot pickle" in validation.failure
    worker.conn.close()
    thread.join(timeout=10)


def test_the_runner_begins_the_gx_validation_before_the_first_check_runs(monkeypatch):
    from audit.runner import run_audit
    from checks import ALL_CHECKS
    events = []
    monkeypatch.setattr(gx_adapter, "begin", lambda d, as_of, strategy="two-pass": events.append("begin"))
    first = ALL_CHECKS[0]
    own_run = first.run
    monkeypatch.setattr(first, "run", lambda self, crm, ctx: events.append("first check") or own_run(self, crm, ctx))
    run_audit(_dirty_crm(), as_of=AS_OF)
    assert events[:2] == ["begin", "first check"] and events.count("begin") == 1


def test_the_worker_is_started_without_importing_the_main_module(monkeypatch, tmp_path):
    """The child of a spawn imports its parent's main module first (the console script: the
    command line and click); the worker needs none of it, and the parent's is left as it was."""
    import sys
    import types
    main = types.ModuleType("__main__")
    main.__file__ = str(tmp_path / "crm-audit")
    main.__spec__ = None
    monkeypatch.setitem(sys.modules, "__main__", main)
    from multiprocessing import spawn
    assert "init_main_from_path" in spawn.get_preparation_data("crm-audit-gx")  # what it would import
    with gx_worker._main_module_hidden():
        seen = spawn.get_preparation_data("crm-audit-gx")
    assert "init_main_from_path" not in seen and "init_main_from_name" not in seen
    assert main.__file__ == str(tmp_path / "crm-audit") and main.__spec__ is None


def test_the_worker_process_ends_at_once_when_the_parent_hangs_up(monkeypatch):
    """No interpreter teardown of GX's modules (half a second the parent's exit waited for)."""
    import os
    import signal
    exits = []
    monkeypatch.setattr(signal, "signal", lambda *_a: None)  # this test process keeps its Ctrl-C
    monkeypatch.setattr(gx_worker, "serve", lambda conn: exits.append("served"))
    monkeypatch.setattr(os, "_exit", lambda code: exits.append(code))
    gx_worker.worker_main(conn=None)
    assert exits == ["served", 0]
