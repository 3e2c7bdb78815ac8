"""Every command has help; checks, explain, init and inspect work and stay light."""

import subprocess
import sys
import tomllib

import pytest
from click.testing import CliRunner

from audit.cli import cli
from checks import ALL_CHECKS
from tests.ingest.conftest import FIXTURES

COMMANDS = sorted(cli.commands)


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help(command):
    result = CliRunner().invoke(cli, [command, "--help"])
    assert result.exit_code == 0 and "Usage:" in result.output
    assert (cli.commands[command].help or "").strip(), f"{command} has no help text"


def test_checks_lists_the_catalogue_in_both_languages():
    en = CliRunner().invoke(cli, ["checks"]).output
    ru = CliRunner().invoke(cli, ["checks", "--lang", "ru"]).output
    for check in ALL_CHECKS:
        assert check.code in en and check.name in en and check.title_ru in ru


@pytest.mark.parametrize("code", [c.code for c in ALL_CHECKS] + ["score"])
def test_explain_every_code(code):
    for lang in ("en", "ru"):
        result = CliRunner().invoke(cli, ["explain", code.lower(), "--lang", lang])
        assert result.exit_code == 0 and len(result.output) > 80


def test_explain_unknown_code_exits_2():
    result = CliRunner().invoke(cli, ["explain", "ZZ99"])
    assert result.exit_code == 2 and "unknown check" in result.output


def test_init_writes_valid_toml_and_refuses_to_overwrite(tmp_path):
    target = tmp_path / "crm-audit.toml"
    assert CliRunner().invoke(cli, ["init", "-o", str(target)]).exit_code == 0
    tomllib.loads(target.read_text(encoding="utf-8"))
    again = CliRunner().invoke(cli, ["init", "-o", str(target)])
    assert again.exit_code == 2 and "already exists" in again.output


def test_inspect_names_table_profile_encoding_and_failures():
    result = CliRunner().invoke(cli, ["inspect", str(FIXTURES / "deals_cp1251_semicolon.csv")])
    assert result.exit_code == 0
    out = result.output
    for needle in ("table: deals", "profile: amocrm", "cp1251", "Бюджет -> amount", "could not parse: amount: 1"):
        assert needle in out, needle


def test_the_console_script_freezes_the_heap_on_its_way_out():
    """The interpreter's last garbage collection need not walk a finished run's heap; the exit
    code and the output are the command's."""
    code = ("import atexit, gc, sys; atexit.register(lambda: print('frozen', gc.get_freeze_count() > 0)); "
            "sys.argv = ['crm-audit', 'explain', 'ST03']; from audit.cli import main; main()")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0
    assert "ST03" in done.stdout and done.stdout.strip().endswith("frozen True")


def test_light_commands_do_not_import_heavy_modules():
    code = ("import sys; from audit.cli import cli; from click.testing import CliRunner; "
            "CliRunner().invoke(cli, ['explain', 'ST03']); CliRunner().invoke(cli, ['checks']); "
            "heavy = [m for m in ('great_expectations', 'openpyxl', 'scipy') if m in sys.modules]; "
            "print(','.join(heavy))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == ""
