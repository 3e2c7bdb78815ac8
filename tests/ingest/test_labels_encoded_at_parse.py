"""The activities' label columns (audit.model.tables.LABEL_COLUMNS) are encoded as each file
is parsed when no finish or assemble step of the profile edits them (audit.ingest.canonical.
early_labels): the text they hold is what parsing it as text gave, CRM types are mapped to
canonical ones per distinct label, and user ids still become names through the users table."""

import pandas as pd

from audit.ingest import load
from audit.ingest.canonical import _activity_types
from audit.model.memory import hand_back_memory
from audit.model.tables import as_labels
from tests.ingest.conftest import FIXTURES

FOLDER = "labels_encoded_at_parse"


def _as_text(values: pd.Series) -> list:
    return [None if pd.isna(v) else v for v in values.tolist()]


def test_labels_hold_trimmed_text_types_mapped_and_user_ids_resolved(load_fixture):
    acts = load_fixture(f"{FOLDER}/deals.csv", f"{FOLDER}/activities_padded_labels.csv",
                        f"{FOLDER}/users_with_ids.csv").crm.activities.sort_values("activity_id")
    assert all(isinstance(acts[c].dtype, pd.CategoricalDtype) for c in ("type", "owner", "direction", "subject",
                                                                       "result"))
    assert _as_text(acts["type"]) == ["call", "email", None, "meeting"]
    assert _as_text(acts["owner"]) == ["Anna", "Boris", "u9", None]  # an unknown id is kept as it was
    assert _as_text(acts["subject"]) == ["Call back", "Offer", None, "Demo"]  # trimmed, blank missing
    assert _as_text(acts["direction"]) == ["in", None, "out", "out"]
    assert _as_text(acts["result"]) == ["ok", None, "no answer", "ok"]


def test_two_files_with_different_labels_keep_each_rows_text(tmp_path):
    (tmp_path / "deals.csv").write_text((FIXTURES / FOLDER / "deals.csv").read_text())
    (tmp_path / "activities_1.csv").write_text((FIXTURES / FOLDER / "activities_padded_labels.csv").read_text())
    (tmp_path / "activities_2.csv").write_text(
        "activity_id,deal_id,type,owner,at,direction,subject,result\n"
        "b1,2,task,Clara,2026-10-04 10:00:00,,Follow up,done\n")
    acts = load([tmp_path]).crm.activities.sort_values("activity_id")
    assert _as_text(acts["owner"]) == ["u1", "u2", "u9", None, "Clara"]
    assert _as_text(acts["type"]) == ["call", "email", None, "meeting", "task"]
    assert _as_text(acts["result"]) == ["ok", None, "no answer", "ok", "done"]


def test_activity_types_of_labels_are_those_of_the_text():
    text = pd.Series(["Звонок", None, "email", "Встреча", "что-то", "call"], dtype="str")
    mapped = _activity_types(as_labels(text))
    assert isinstance(mapped.dtype, pd.CategoricalDtype)
    assert _as_text(mapped) == _as_text(_activity_types(text)) == ["call", None, "email", "meeting", "other", "call"]
    assert _as_text(_activity_types(as_labels(pd.Series([None, None], dtype="str")))) == [None, None]


def test_hand_back_memory_runs_where_there_is_no_malloc_trim(monkeypatch):
    import audit.model.memory as memory
    hand_back_memory()
    monkeypatch.setattr(memory, "_malloc_trim", lambda: None)
    hand_back_memory()
