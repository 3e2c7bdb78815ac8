from pathlib import Path

import pytest

from audit.ingest import load

FIXTURES = Path(__file__).parent.parent / "fixtures" / "ingest"


def deals_by_id(loaded):
    """The loaded deals indexed by their id."""
    return loaded.crm.deals.set_index("deal_id")


def warnings_coded(loaded, code):
    """The input warnings of one code a load gave."""
    return [w for w in loaded.warnings if w.code == code]


@pytest.fixture
def fixture_path():
    return lambda name: FIXTURES / name


@pytest.fixture
def load_fixture():
    def _load(*names, cfg=None, **kw):
        return load([FIXTURES / n for n in names], cfg, **kw)
    return _load
