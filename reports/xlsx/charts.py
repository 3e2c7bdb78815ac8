"""Charts that draw without recalculation.

openpyxl writes a chart's series as references to cells only. Excel and LibreOffice read the
cells, but previews (mail clients, file managers, online viewers) draw from the values cached
in the chart itself and show an empty frame without them. `cache_series` stores the values
and the category labels beside each reference.
"""

from __future__ import annotations

from typing import Any, Sequence

from openpyxl.chart.data_source import AxDataSource, NumData, NumRef, NumVal, StrData, StrRef, StrVal
from openpyxl.chart.series import SeriesLabel

from reports.common import is_number


def cache_series(series, values: Sequence[Any], categories: Sequence[Any] | None = None,
                 title: str | None = None) -> None:
    """Cache `values` (numbers; missing as gaps) and text `categories` in `series`."""
    points = [NumVal(idx=i, v=float(v)) for i, v in enumerate(values) if is_number(v)]
    ref = series.val.numRef
    series.val.numRef = NumRef(f=ref.f, numCache=NumData(formatCode="General", ptCount=len(values), pt=points))
    if categories is not None and series.cat is not None:
        cat_ref = series.cat.numRef.f if series.cat.numRef is not None else series.cat.strRef.f
        labels = [StrVal(idx=i, v=str(c)) for i, c in enumerate(categories) if c is not None]
        series.cat = AxDataSource(strRef=StrRef(f=cat_ref, strCache=StrData(ptCount=len(categories), pt=labels)))
    if title is not None:
        if series.tx is not None and series.tx.strRef is not None:
            series.tx = SeriesLabel(strRef=StrRef(f=series.tx.strRef.f, strCache=StrData(
                ptCount=1, pt=[StrVal(idx=0, v=str(title))])))
        else:
            series.tx = SeriesLabel(v=str(title))
