"""How much an input may cost before it is refused: `[limits]` in crm-audit.toml.

A 2.4 KB workbook with one cell at XFD1048576 made the sheet reader ask for 512 GiB; a
1.2 MB zip inflated to 1.26 GB. Nothing in a real export needs that, so each dimension of an
input has a ceiling, and a file past one is refused (exit 2, the file and the limit named,
and the setting that lifts it) before the memory is spent.

The defaults leave room for the largest real exports seen (1M deals, 5M activities as CSV;
workbooks up to Excel's own grid).
"""

from __future__ import annotations

from dataclasses import dataclass

MIB = 1 << 20
EXCEL_ROWS = 1_048_576
EXCEL_COLUMNS = 16_384


@dataclass(frozen=True)
class ReadLimits:
    # CSV: one field (a note, a mail body) and the columns of a table.
    field_mb: float = 1.0
    columns: int = EXCEL_COLUMNS
    # Workbooks (xlsx, xlsm, ods are zip files): what the zip may inflate to, per member and in
    # all, and how much one member may inflate (ratio of uncompressed to compressed size; real
    # sheets inflate 5-30x, a zip bomb 1000x). The ratio is judged on members over 1 MiB only.
    unzipped_mb: float = 2048.0
    unzipped_member_mb: float = 1024.0
    compression_ratio: float = 100.0
    # A sheet's grid (rows x columns from its first to its last cell) is what the reader
    # allocates, about 60 bytes a cell: `workbook_cells` bounds the grids of all sheets of a
    # workbook together (25M cells, about 1.5 GB); a grid mostly empty (one far cell) is refused
    # even below it.
    sheet_rows: int = EXCEL_ROWS
    sheet_columns: int = EXCEL_COLUMNS
    workbook_cells: int = 25_000_000
    sparse_factor: float = 16.0     # grid cells per cell present, above a 1M-cell grid
    # An API response saved as JSON is parsed whole (about 5 bytes of memory per byte of file):
    # past this size, export CSV or save the response in pages.
    json_mb: float = 512.0

    @property
    def field_bytes(self) -> int:
        return int(self.field_mb * MIB)


# Setting -> (kind, low, high): kept beside the defaults they bound. Rows and columns stay
# within Excel's own grid; the rest may be raised as far as the machine allows.
LIMIT_RANGES: dict[str, tuple[type, float, float]] = {
    "field_mb": (float, 0.001, 2048.0),
    "columns": (int, 1, EXCEL_COLUMNS * 64),
    "unzipped_mb": (float, 1.0, 1 << 20),
    "unzipped_member_mb": (float, 1.0, 1 << 20),
    "compression_ratio": (float, 1.0, 1e6),
    "sheet_rows": (int, 1, EXCEL_ROWS),
    "sheet_columns": (int, 1, EXCEL_COLUMNS),
    "workbook_cells": (int, 1, 1 << 40),
    "sparse_factor": (float, 1.0, 1e9),
    "json_mb": (float, 1.0, 1 << 20),
}


def lift_hint(setting: str) -> str:
    """The sentence that tells the user how to accept a bigger file."""
    return f"raise [limits] {setting} in crm-audit.toml if the file is genuine"
