from pathlib import Path

import pytest

from audit.ingest import load

FIXTURES = Path(__file__).parent.parent / "fixtures" / "ingest"


@pytest.fixture
def fixture_path():
    return lambda name: FIXTURES / name


@pytest.fixture
def load_fixture():
    def _load(*names, cfg=None, **kw):
        return load([FIXTURES / n for n in names], cfg, **kw)
    return _load
