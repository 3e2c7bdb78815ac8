"""Suite-wide fixtures."""

from __future__ import annotations

import pytest

from checks.hygiene import gx_adapter


@pytest.fixture(autouse=True)
def _gx_validates_in_this_process_unless_warmed_up():
    """A command-line test warms up the Great Expectations worker for its own run; a run that
    never reached the hygiene suite must not hand the worker to the next test, whose monkeypatched
    adapter would then be bypassed."""
    gx_adapter._USE_WORKER = False
    yield
    gx_adapter._USE_WORKER = False


@pytest.fixture(scope="session")
def demo_audit(tmp_path_factory):
    """The demo as a user audits it: its export written, read with its config, every check run.
    One run for the whole suite (the catalogue, the Russian messages and the words-and-numbers
    tests read it; none changes it)."""
    from audit.app.demo import CONFIG_NAME, write_demo
    from audit.ingest import load
    from audit.model.config import load as load_config
    from audit.runner import run_audit
    export = write_demo(tmp_path_factory.mktemp("demo") / "export", seed=7)
    cfg = load_config(export.parent / CONFIG_NAME)
    return run_audit(load([export], cfg).crm, cfg)
