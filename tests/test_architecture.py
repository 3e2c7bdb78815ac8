"""The floors of the house (ARCHITECTURE.md), as import-linter contracts in pyproject.toml.

The contracts are checked on the real tree, and each forbidden arrow is shown to break them
once: a copy of the tree gets one module that imports up a floor, and the linter must fail.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("audit", "checks", "reports")


def lint(root: Path) -> subprocess.CompletedProcess:
    # The console script sits beside this interpreter; PYTHONPATH makes the copy the one analysed.
    cmd = [str(Path(sys.executable).with_name("lint-imports")), "--no-cache", "--config", str(root / "pyproject.toml")]
    return subprocess.run(cmd, cwd=root, capture_output=True, text=True, env={"PYTHONPATH": str(root)},
                          timeout=120)


def test_the_tree_keeps_every_contract():
    done = lint(ROOT)
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.fixture(scope="module")
def tree_copy(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("tree")
    for package in PACKAGES:
        shutil.copytree(ROOT / package, root / package, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", root / "pyproject.toml")
    return root


FORBIDDEN = [
    pytest.param("audit/derived/_up.py", "import checks", id="derived-imports-checks"),
    pytest.param("audit/derived/_up.py", "import reports.console", id="derived-imports-reports"),
    pytest.param("checks/_up.py", "import audit.runner", id="checks-import-runner"),
    pytest.param("checks/_up.py", "import audit.app.session", id="checks-import-app"),
    pytest.param("checks/_up.py", "import click", id="checks-import-click"),
    pytest.param("checks/_up.py", "import openpyxl", id="checks-import-openpyxl"),
    pytest.param("reports/_up.py", "import checks.base", id="reports-import-checks"),
    pytest.param("audit/model/_up.py", "import audit.derived.flow", id="model-imports-derived"),
    pytest.param("audit/ingest/_up.py", "import audit.derived.flow", id="ingest-imports-derived"),
    pytest.param("audit/runner_up.py", "import great_expectations", id="gx-outside-its-adapter"),
    pytest.param("checks/hygiene/_up.py", "import great_expectations", id="gx-beside-its-adapter"),
]


@pytest.mark.parametrize(("module", "line"), FORBIDDEN)
def test_each_forbidden_arrow_breaks_a_contract(tree_copy: Path, module: str, line: str):
    bad = tree_copy / module
    bad.write_text(line + "\n", encoding="utf-8")
    try:
        done = lint(tree_copy)
    finally:
        bad.unlink()
    assert done.returncode != 0, f"{module}: {line!r} broke no contract\n{done.stdout}"
    assert "BROKEN" in done.stdout
