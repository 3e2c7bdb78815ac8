"""Each hostile input through the real command, in a child process: the exit code and message,
within a wall-clock and memory budget (tests/hostile/cases.py)."""

from __future__ import annotations

import pytest

from tests.hostile.cases import CASES, Case
from tests.hostile.harness import assert_within, run_bounded

pytestmark = pytest.mark.hostile


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_hostile_input(case: Case, tmp_path):
    args = case.build(tmp_path)
    outcome = run_bounded(args, seconds=case.seconds, rss_mb=case.rss_mb)
    assert_within(outcome, code=case.code, seconds=case.seconds, rss_mb=case.rss_mb, needle=case.needle)
    if case.id == "5000-three-row-files":
        assert (tmp_path / "out" / "r.json").exists() and (tmp_path / "out" / "r.xlsx").exists()
