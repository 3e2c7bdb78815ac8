"""The README's catalogue table lists exactly the checks of the catalogue, by code and name."""

from __future__ import annotations

import re
from pathlib import Path

from checks import ALL_CHECKS

README = Path(__file__).resolve().parents[1] / "README.md"
# "ST01 lost-deals-missing" or a range without names, "HY01-HY05".
LISTED = re.compile(r"\b(?P<code>[A-Z]{2}\d\d)(?:-(?P<last>[A-Z]{2}\d\d))?(?: (?P<name>[a-z0-9]+(?:-[a-z0-9]+)+))?")


def readme_catalogue() -> dict[str, tuple[str, str | None]]:
    """code -> (family prefix of its row, name as written or None) from "## What it checks"."""
    section = README.read_text(encoding="utf-8").split("\n## What it checks\n", 1)[1].split("\n## ", 1)[0]
    listed: dict[str, tuple[str, str | None]] = {}
    for row in section.splitlines():
        cells = [c.strip() for c in row.strip().strip("|").split("|")]
        if len(cells) < 3 or not re.fullmatch(r"[A-Z]{2} .+", cells[0]):
            continue
        family = cells[0][:2]
        for m in LISTED.finditer(cells[1]):
            first, last = int(m["code"][2:]), int((m["last"] or m["code"])[2:])
            for n in range(first, last + 1):
                code = f"{m['code'][:2]}{n:02d}"
                assert code not in listed, f"{code} listed twice in the README"
                listed[code] = (family, m["name"])
    return listed


def test_readme_table_lists_exactly_the_catalogue():
    listed = readme_catalogue()
    codes = {c.code for c in ALL_CHECKS}
    assert set(listed) == codes, (f"missing from the README: {sorted(codes - set(listed))}; "
                                  f"not in the catalogue: {sorted(set(listed) - codes)}")


def test_readme_names_each_check_as_the_catalogue_does_in_its_family_row():
    listed = readme_catalogue()
    for check in ALL_CHECKS:
        family, name = listed[check.code]
        assert family == check.code[:2], f"{check.code} sits in the {family} row"
        assert name in (None, check.name), f"README calls {check.code} {name!r}, the catalogue {check.name!r}"
