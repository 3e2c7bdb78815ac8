"""The checks' shared tables are dropped once the result is built; asked again, they are rebuilt."""

from __future__ import annotations

import pandas as pd

from audit.model import CrmData


def test_forget_derived_drops_what_was_memoized():
    crm = CrmData.build(deals=pd.DataFrame({"deal_id": ["1"], "stage": ["New"],
                                            "created_at": [pd.Timestamp("2026-01-05")]}))
    calls = []
    assert crm.memo("table", lambda: calls.append(1) or "first") == "first"
    assert crm.memo("table", lambda: calls.append(1) or "again") == "first"
    crm.forget_derived()
    assert crm.memo("table", lambda: calls.append(1) or "rebuilt") == "rebuilt"
    assert calls == [1, 1]
