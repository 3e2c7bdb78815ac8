"""amoCRM's deals export as it really comes: close times truncated to the minute, repeated
headers, a row with every field but the ID."""

import pandas as pd

from audit.ingest.inspect import render_inspection
from checks.hygiene.HY03 import DateOrder
from tests.builders import run_check

FILE = "amocrm_close_truncated_to_minute.csv"


def test_close_in_the_minute_of_creation_is_not_closed_before_created(load_fixture):
    loaded = load_fixture(FILE)
    d = loaded.crm.deals.set_index("deal_id", drop=False)
    # 13:32:00 means "some time in 13:32": read as its last second, after 13:32:57.
    assert d.loc["201", "closed_at"] == pd.Timestamp("2022-03-22 13:32:59")
    result = run_check(DateOrder, loaded.crm, as_of="2022-04-01")
    flagged = sorted(result.findings["entity_id"].dropna())
    assert flagged == ["203"]  # closed the day before it was created: a real error


def test_minute_precision_everywhere_keeps_close_times_as_they_are(tmp_path):
    from audit.ingest import load
    (tmp_path / "deals.csv").write_text(
        "ID;Название сделки;Бюджет;Ответственный;Дата создания сделки;Дата закрытия;Этап сделки\n"
        "1;А;1;Пётр;22.03.2022 13:32;22.03.2022 13:40;Успешно реализовано\n", encoding="utf-8")
    assert load([tmp_path / "deals.csv"]).crm.deals["closed_at"].iloc[0] == pd.Timestamp("2022-03-22 13:40")


def test_repeated_headers_are_listed_once_as_mapped_or_unmapped(load_fixture):
    loaded = load_fixture(FILE)
    src = loaded.sources[0]
    assert src.mapping["Источник"] == "source" and "Источник" not in src.unmapped
    assert src.unmapped == ("Товар", "cid")
    text = render_inspection(loaded)
    assert text.count("Товар") == 1 and text.count("cid") == 1


def test_row_with_every_field_but_the_id_is_a_row_without_an_id(load_fixture):
    loaded = load_fixture(FILE)
    src = loaded.sources[0]
    assert "1 row(s) without an id (row 5)" in src.note
    assert "wrong number of fields" not in src.note
    d = loaded.crm.deals
    assert d["title"].tolist()[-1] == "Без номера" and pd.isna(d["deal_id"].iloc[-1])
    assert loaded.crm.parse_issues.empty
