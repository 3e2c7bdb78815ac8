"""Print the hostile cases' exit code, wall-clock and peak memory as a Markdown table.

    .venv/bin/python -m tests.hostile.table            # every case
    .venv/bin/python -m tests.hostile.table csv        # the cases whose id contains "csv"
"""

from __future__ import annotations

import os
import shutil
import socket
import stat
import sys
import tempfile
from pathlib import Path

from tests.hostile.cases import CASES
from tests.hostile.harness import run_bounded

DEALS = Path(__file__).parent.parent / "fixtures" / "ingest" / "generic_deals.csv"


def _outputs(folder: Path) -> list[tuple[str, list[str]]]:
    """Output paths a report must not take, as (case, arguments)."""
    fifo = folder / "fifo.json"
    os.mkfifo(fifo)
    link = folder / "link.json"
    link.symlink_to(folder / "target.json")
    (folder / "dir").mkdir()
    config = folder / "crm-audit.toml"
    config.write_text("[report]\nlang = 'en'\n", encoding="utf-8")
    deals = folder / "deals.csv"
    shutil.copy(DEALS, deals)
    os.link(deals, folder / "hardlink.md")
    run = ["run", str(deals), "-q"]
    # A device node of our own (the device /dev/null is): never aim at the real one, which a
    # regression run as root would replace.
    device = folder / "null"
    cases = []
    try:
        os.mknod(device, stat.S_IFCHR | 0o666, os.makedev(1, 3))
        cases.append(("output-character-device", [*run, "--json", str(device)]))
    except PermissionError:
        pass
    return cases + [("output-FIFO", [*run, "--json", str(fifo)]),
            ("output-socket", [*run, "--md", str(folder / "sock.md")]),
            ("output-symlink", [*run, "--json", str(link)]), ("output-folder", [*run, "-o", str(folder / "dir")]),
            ("output-is-the-config", [*run, "-c", str(config), "--md", str(config)]),
            ("output-hard-link-to-input", [*run, "--md", str(folder / "hardlink.md")]),
            ("no-check-ran", [*run, "--ignore", "ST,SG,OF,FN,HY"]), ("as-of-3000", [*run, "--as-of", "3000-01-01"])]


def main(argv: list[str]) -> None:
    wanted = argv[0] if argv else ""
    print("| case | exit | seconds | peak MB |\n| --- | --- | --- | --- |")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for case in CASES:
            if wanted in case.id:
                folder = root / case.id
                folder.mkdir()
                outcome = run_bounded(case.build(folder), seconds=case.seconds, rss_mb=case.rss_mb)
                print(outcome.row(case.id), flush=True)
                shutil.rmtree(folder, ignore_errors=True)
        folder = root / "outputs"
        folder.mkdir()
        with socket.socket(socket.AF_UNIX) as sock:
            sock.bind(str(folder / "sock.md"))
            for name, args in _outputs(folder):
                if wanted in name:
                    print(run_bounded(args, seconds=60, rss_mb=800).row(name), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
