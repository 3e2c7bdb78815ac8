"""The hostile inputs with their budgets: each case builds its input in a folder and gives the
`crm-audit` arguments, the exit code and message expected, and the wall-clock and memory it may
take (generous for a loaded 2-core machine; the real figures are a fraction, see
`python -m tests.hostile.table`)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from tests.hostile import bombs

QUICK_S, QUICK_MB = 20.0, 400.0      # a bomb refused "within seconds, under a few hundred MB"


@dataclass(frozen=True)
class Case:
    id: str
    build: Callable[[Path], list[str]]   # folder -> arguments after `crm-audit`
    code: int
    needle: str
    seconds: float = QUICK_S
    rss_mb: float = QUICK_MB


def _run(path: Path, *extra: str) -> list[str]:
    return ["run", str(path), "-q", *extra]


def _lifted_ratio(folder: Path) -> str:
    cfg = folder / "crm-audit.toml"
    cfg.write_text("[limits]\ncompression_ratio = 100000\nunzipped_member_mb = 100000\nunzipped_mb = 100000\n",
                   encoding="utf-8")
    return str(cfg)


CASES: tuple[Case, ...] = (
    Case("xlsx-one-cell-at-XFD1048576", lambda d: _run(bombs.far_cell(d / "far.xlsx")), 2, "17,179,869,184 cells"),
    Case("xlsx-one-cell-at-XFD5000", lambda d: _run(bombs.far_cell(d / "far.xlsx", "XFD5000")), 2,
         "81,920,000 cells"),
    Case("xlsx-declared-beyond-excel", lambda d: _run(bombs.declared_beyond_excel(d / "dim.xlsx")), 2,
         "declares 1,048,577 rows"),
    Case("xlsx-sparse-grid", lambda d: _run(bombs.sparse(d / "sparse.xlsx")), 2, "mostly empty grid"),
    Case("xlsx-zip-bomb-1.2GB-cell", lambda d: _run(bombs.one_huge_cell(d / "cell.xlsx")), 2,
         "inflates to 1,200 MiB"),
    Case("xlsx-zip-bomb-1.2GB-cell-limits-lifted",
         lambda d: _run(bombs.one_huge_cell(d / "cell.xlsx"), "-c", _lifted_ratio(d)), 2,
         "holds a text of more than"),
    Case("xlsx-10M-identical-rows", lambda d: _run(bombs.identical_rows(d / "rows.xlsx")), 2,
         "beyond the 1,048,576 rows"),
    Case("xlsx-1.1M-referenced-rows", lambda d: _run(bombs.tall_sheet(d / "tall.xlsx")), 2,
         "beyond the 1,048,576 rows"),
    Case("xlsx-directory-lies-about-size", lambda d: _run(bombs.lying_directory(d / "lie.xlsx")), 2, "Bad CRC-32"),
    Case("csv-2MiB-field", lambda d: _run(bombs.long_field_csv(d / "deals.csv")), 2, "line 3, column 2"),
    Case("csv-1M-column-header", lambda d: _run(bombs.wide_header_csv(d / "wide.csv")), 2,
         "more than 16,384 columns"),
    Case("csv-unterminated-quote", lambda d: _run(bombs.unterminated_quote_csv(d / "deals.csv")), 2,
         "a quote opened on line 2 is never closed"),
    Case("csv-header-only", lambda d: _run(bombs.header_only_csv(d / "deals.csv")), 2, "holds no deal"),
    Case("csv-named-in-cp1251", lambda d: _run(bombs.cp1251_named_csv(d / "export")), 2,
         "Сделки.csv".encode("cp1251").decode("utf-8", "replace") + ": the file's name is not UTF-8 text"),
    Case("csv-named-in-cp1251-in-a-folder", lambda d: _run(bombs.cp1251_named_csv(d / "export").parent), 2,
         "name is not UTF-8 text"),
    Case("5000-three-row-files", lambda d: _run(bombs.small_files(d / "days"), "--json", str(d / "out" / "r.json"),
                                                "-o", str(d / "out" / "r.xlsx"), "--fail-on", "never"),
         0, "", seconds=30.0, rss_mb=800.0),
)
