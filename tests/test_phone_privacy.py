"""Clients' phone numbers stay out of every output unless asked (--show-numbers), and
--mask-pii always wins: the demo's numbers (its deals' contact phones and its PBX call log)
are looked for in the workbook's XML, the JSON, the Markdown and the console."""

from __future__ import annotations

import csv
import re
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from audit.app.demo import CONFIG_NAME, write_demo
from audit.cli import cli

NUMBERISH = re.compile(r"\+?\d[\d\s().\-]{8,}\d")


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    root = tmp_path_factory.mktemp("privacy")
    export = write_demo(root / "export")
    return export, root / CONFIG_NAME


def client_numbers(export: Path) -> set[str]:
    """The last ten digits of every number in the export: contacts and both ends of each call."""
    found: set[str] = set()
    with open(export / "deals.csv", encoding="cp1251") as fh:
        for row in csv.DictReader(fh, delimiter=";"):
            found.add(re.sub(r"\D", "", row["Рабочий телефон (контакт)"])[-10:])
    with open(export / "Master.csv", encoding="utf-8") as fh:
        for row in csv.reader(fh):
            found.update(re.sub(r"\D", "", v)[-10:] for v in (row[1], row[2]) if len(re.sub(r"\D", "", v)) >= 10)
    return found


def outputs(tmp: Path, export: Path, config: Path, *flags: str) -> dict[str, str]:
    out = tmp / "_".join(flags or ("default",))
    result = CliRunner().invoke(cli, ["run", str(export), "-c", str(config), "--lang", "ru", "--fail-on", "never",
                                      "-o", str(out / "r.xlsx"), "--json", str(out / "r.json"),
                                      "--md", str(out / "r.md"), *flags])
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(out / "r.xlsx") as book:
        xml = "\n".join(book.read(name).decode("utf-8") for name in book.namelist() if name.endswith(".xml"))
    return {"xlsx": xml, "json": (out / "r.json").read_text(encoding="utf-8"),
            "md": (out / "r.md").read_text(encoding="utf-8"), "console": result.output}


def leaked(texts: dict[str, str], numbers: set[str]) -> dict[str, list[str]]:
    out = {}
    for name, text in texts.items():
        hits = [m for m in NUMBERISH.findall(text) if re.sub(r"\D", "", m)[-10:] in numbers]
        if hits:
            out[name] = hits[:5]
    return out


@pytest.mark.parametrize("flags", [(), ("--mask-pii",), ("--mask-pii", "--show-numbers")],
                         ids=["default", "mask-pii", "mask-pii-wins"])
def test_no_full_number_in_any_output(demo, tmp_path, flags):
    export, config = demo
    numbers = client_numbers(export)
    assert len(numbers) > 1000
    texts = outputs(tmp_path, export, config, *flags)
    assert leaked(texts, numbers) == {}
    assert "+7 *** ***-**-" in texts["json"]  # OF08 lists the numbers, masked


def test_show_numbers_shows_them(demo, tmp_path):
    export, config = demo
    texts = outputs(tmp_path, export, config, "--show-numbers")
    assert leaked(texts, client_numbers(export)).get("json")
