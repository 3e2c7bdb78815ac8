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
