"""Great Expectations and the pandas twin of HY01-HY05 (tests/gx_twin.py) name the same
failing rows: the GX suite says what the rules say, boundaries included."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from audit.model import CrmData
from checks.hygiene import gx_adapter
from checks.hygiene.rules import RULES
from tests.builders import derived
from tests.gx_twin import twin_positions

AS_OF = pd.Timestamp("2026-11-20 18:00")
DAY = pd.Timedelta(days=1)


def _sprinkle(frame: pd.DataFrame, rng: np.random.Generator, column: str, value, share: float = 0.04) -> None:
    rows = rng.choice(len(frame), max(1, int(len(frame) * share)), replace=False)
    frame.loc[rows, column] = value


def dirty_export(n: int, seed: int) -> CrmData:
    """Deals (and activities, leads) breaking every HY01-HY05 rule in a few random rows,
    followed by rows sitting exactly on each rule's boundary, which must pass."""
    rng = np.random.default_rng(seed)
    stage = rng.choice(np.array(["New", "Offer", "Won", "Lost"], dtype=object), n)
    status = np.select([stage == "Won", stage == "Lost"], ["won", "lost"], "open").astype(object)
    created = pd.Timestamp("2026-01-01") + pd.to_timedelta(rng.integers(0, 270 * 86400, n), unit="s")
    closed = pd.Series(created + pd.to_timedelta(rng.integers(0, 60 * 86400, n), unit="s")).where(status != "open")
    deals = pd.DataFrame({
        "deal_id": [f"d{i}" for i in range(n)], "pipeline": "Sales", "stage": stage, "status": status,
        "owner": rng.choice(np.array(["Anna", "Boris", "Vera"], dtype=object), n),
        "amount": rng.integers(1, 50_000, n).astype(float), "created_at": created, "closed_at": closed,
        "last_activity_at": created + DAY,
    })
    for column, value in (("owner", None), ("stage", None), ("created_at", pd.NaT), ("deal_id", None),
                          ("deal_id", "twice"), ("amount", -1.0), ("amount", 0.0), ("amount", np.nan),
                          ("status", "pending"), ("status", "won"), ("status", "open"), ("closed_at", pd.NaT),
                          ("closed_at", AS_OF + pd.Timedelta(minutes=1)), ("created_at", AS_OF + DAY),
                          ("last_activity_at", AS_OF + pd.Timedelta(seconds=1)),
                          ("closed_at", pd.Timestamp("2025-06-01"))):
        _sprinkle(deals, rng, column, value)
    edge = pd.DataFrame({  # on the boundary: all pass
        "deal_id": ["e1", "e2", "e3"], "pipeline": "Sales", "stage": ["Lost", "Won", "Offer"],
        "status": ["lost", "won", "open"], "owner": "Anna", "amount": [0.0, 0.01, 5.0],
        "created_at": [pd.Timestamp("2026-03-01"), AS_OF, AS_OF],
        "closed_at": [pd.Timestamp("2026-03-01"), AS_OF, pd.NaT], "last_activity_at": AS_OF,
    })
    deals = pd.concat([deals, edge], ignore_index=True)
    ids = [f"a{i}" for i in range(n)]
    ids[1] = ids[0]
    activities = pd.DataFrame({"activity_id": ids, "deal_id": deals["deal_id"].iloc[:n].fillna("d0").to_numpy(),
                               "type": "call", "at": created})
    leads = pd.DataFrame({"lead_id": ["l1", "l2", "l2", None], "created_at": pd.Timestamp("2026-02-01")})
    return CrmData.build(deals=deals, activities=activities, leads=leads)


@pytest.mark.parametrize("strategy", gx_adapter.STRATEGIES)
@pytest.mark.parametrize("seed", [1, 2])
def test_gx_and_the_pandas_twin_name_the_same_failing_rows(seed, strategy):
    crm = dirty_export(240, seed)
    validation = gx_adapter.validate(derived(crm), AS_OF, strategy)
    assert validation.failure is None
    twin = twin_positions(crm, AS_OF)
    assert set(validation.outcomes) == set(twin) == {r.key for r in RULES}
    for key, outcome in validation.outcomes.items():
        assert outcome.error is None, key
        np.testing.assert_array_equal(outcome.positions, twin[key], err_msg=key)


def test_every_rule_fails_somewhere_and_the_boundaries_pass():
    """The comparison above means something only if each rule has failing rows to agree on."""
    crm = dirty_export(240, 1)
    twin = twin_positions(crm, AS_OF)
    assert all(len(twin[r.key]) for r in RULES), [r.key for r in RULES if not len(twin[r.key])]
    edge = set(np.flatnonzero(crm.deals["deal_id"].isin(["e1", "e2", "e3"]).to_numpy()))
    assert not edge & {int(p) for positions in twin.values() for p in positions}
