"""Every check's metric reads the same way against its threshold (audit.model.gauge)."""

import re

import pytest

from audit.model.gauge import Fails, Gauge, Unit
from checks import ALL_CHECKS

LOST = Gauge("lost share of closed deals", "доля проигранных среди закрытых сделок", Unit.SHARE, Fails.BELOW)


@pytest.mark.parametrize("gauge, metric, threshold, en, ru", [
    pytest.param(LOST, 0.6357, 0.2, "lost share of closed deals: 64%, fails below 20%",
                 "доля проигранных среди закрытых сделок: 64\u00a0%; не пройдена, если ниже 20\u00a0%", id="share-below"),
    pytest.param(Gauge("share of lost deals without a reason", "доля без причины", Unit.SHARE, Fails.ABOVE),
                 0.0035, 0.0, "share of lost deals without a reason: 0.35%, fails above 0",
                 "доля без причины: 0,35\u00a0%; не пройдена, если выше 0", id="small-share-keeps-its-digits"),
    pytest.param(Gauge("values that could not be read", "значений", Unit.COUNT, Fails.ABOVE), 1234, 0,
                 "values that could not be read: 1,234, fails above 0", "значений: 1\u00a0234; не пройдена, если выше 0",
                 id="count"),
    pytest.param(Gauge("lowest logging", "самая низкая фиксация", Unit.Z_SCORE, Fails.BELOW), -3.65, -3.0,
                 "lowest logging: \u22123.65, fails below \u22123", "самая низкая фиксация: \u22123,65; не пройдена, если ниже \u22123",
                 id="z-score"),
    pytest.param(Gauge("lowest q-value", "наименьшее q", Unit.Q_VALUE, Fails.BELOW), 0.00001, 0.05,
                 "lowest q-value: <0.0001, fails below 0.05", "наименьшее q: <0,0001; не пройдена, если ниже 0,05",
                 id="tiny-q-value"),
    pytest.param(Gauge("lowest q-value", "наименьшее q", Unit.Q_VALUE, Fails.BELOW), 0.0, 0.05,
                 "lowest q-value: <0.0001, fails below 0.05", "наименьшее q: <0,0001; не пройдена, если ниже 0,05",
                 id="q-value-too-small-for-a-float"),
    pytest.param(Gauge("bursts of records entered at once", "пакетов", Unit.COUNT, Fails.ABOVE), 1, 0,
                 "bursts of records entered at once: 1, fails above 0", "пакетов: 1; не пройдена, если выше 0",
                 id="one-needs-no-plural"),
])
def test_reading(gauge, metric, threshold, en, ru):
    assert gauge.reading(metric, threshold) == en
    assert gauge.reading(metric, threshold, "ru") == ru


@pytest.mark.parametrize("metric, threshold", [(None, 0.2), (0.5, None), (float("nan"), 0.2), (True, 0.2)])
def test_no_reading_without_both_numbers(metric, threshold):
    assert LOST.reading(metric, threshold) is None


def test_json_fields():
    assert LOST.as_json() == {"measure": "lost share of closed deals", "unit": "share", "direction": "below"}


@pytest.mark.parametrize("check", ALL_CHECKS, ids=lambda c: c.code)
def test_every_check_states_how_its_metric_reads(check):
    gauge = check.gauge
    assert isinstance(gauge, Gauge), check.code
    assert gauge.measure and re.search("[а-яё]", gauge.measure_ru), check.code
    assert check.info().gauge is gauge
