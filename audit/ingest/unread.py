"""A deals export that could not be read is an input error, never an audit of zero deals.

A header-only deals file, or one whose quote on line 2 is never closed (0 of 100 deals read),
exited 0 with score 100 and "data as of 1970-01-01": a cron job would have reported all good.
Ingestion does not judge the sales data, but it does know when it failed to read it.
"""

from __future__ import annotations

import csv
from typing import Sequence

from audit.ingest.rawtable import RawTable
from audit.model.errors import InputError


def refuse_unread_deals(raw: RawTable, rows_read: int) -> None:
    """Most records of a deals table unreadable (wrong number of fields): exit 2 naming the file
    and the first failure, rather than audit what little was left."""
    malformed = raw.malformed
    if not malformed or malformed <= rows_read:
        return
    line, text = raw.dropped[0]
    what = "no deal could be read" if rows_read == 0 else f"{malformed:,} of {malformed + rows_read:,} records could not be read"
    raise InputError(f"{what}: {describe_malformed(line, text, raw)}", path=raw.label,
                     hint="fix the line, or re-export the file")


def describe_malformed(line: int, text: str, raw: RawTable) -> str:
    """What is wrong with a record set aside by the CSV reader, in words."""
    if ("\n" in text or "\r" in text) and text.count('"') % 2 == 1:
        return f"a quote opened on line {line} is never closed, so the rest of the file reads as one field"
    fields = next(csv.reader([text.splitlines()[0] if text else ""], delimiter=raw.delimiter or ","), [])
    return f"line {line} has {len(fields)} field(s) where the header has {len(raw.headers)}"


def refuse_empty_deals(deal_sources: Sequence[str], rows: int) -> None:
    """Deals files recognised but holding no record (a header and nothing else)."""
    if rows or not deal_sources:
        return
    named = deal_sources[0] if len(deal_sources) == 1 else ", ".join(deal_sources)
    raise InputError("the deals export holds no deal (a header and nothing else)", path=named,
                     hint="export the deals again, with the records")
