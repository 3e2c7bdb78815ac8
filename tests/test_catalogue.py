"""The catalogue is complete and consistent: codes, metadata, registration, explain."""

import importlib
import pkgutil
import re

import pytest

from audit.model import SCHEMA, TABLES
from audit.model.verdicts import VERDICT_COLUMNS, scope_of
from checks import ALL_CHECKS, BY_CODE
from checks.base import FAMILY_PREFIX, Check
from checks.catalog import explain_text


def _modules():
    for fam in ("sterile", "stages", "activity", "funnel", "hygiene"):
        pkg = importlib.import_module(f"checks.{fam}")
        for mod in pkgutil.iter_modules(pkg.__path__):
            if re.fullmatch(r"[A-Z]{2}\d\d", mod.name):
                yield importlib.import_module(f"checks.{fam}.{mod.name}")


def test_codes_unique_and_well_formed():
    codes = [c.code for c in ALL_CHECKS]
    assert len(codes) == len(set(codes))
    for c in ALL_CHECKS:
        assert re.fullmatch(r"(ST|SG|OF|FN|HY)\d\d", c.code), c.code
        assert FAMILY_PREFIX[c.code[:2]] == c.family, c.code
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", c.name), c.name


def test_every_check_module_is_registered_and_named_by_its_code():
    registered = set(ALL_CHECKS)
    for mod in _modules():
        classes = [v for v in vars(mod).values()
                   if isinstance(v, type) and issubclass(v, Check) and v is not Check
                   and v.__module__ == mod.__name__]
        assert classes, f"{mod.__name__} defines no check"
        for cls in classes:
            assert cls in registered, f"{cls.__name__} in {mod.__name__} is not in checks.ALL_CHECKS"
            assert mod.__name__.endswith(cls.code), f"{cls.code} lives in {mod.__name__}"


@pytest.mark.parametrize("check", ALL_CHECKS, ids=lambda c: c.code)
def test_metadata_complete(check):
    for attr in ("rationale", "rationale_ru", "fix", "fix_ru", "title_ru"):
        assert len(getattr(check, attr, "") or "") > 10, f"{check.code}.{attr} missing"
    assert (check.__doc__ or "").strip(), f"{check.code} has no docstring"
    assert re.search("[а-яА-Я]", check.rationale_ru) and re.search("[а-яА-Я]", check.fix_ru)
    # What to do about one finding: a few words, for a to-do list's column.
    for attr, letters in (("todo", "[a-zA-Z]"), ("todo_ru", "[а-яА-Я]")):
        text = getattr(check, attr)
        assert 10 < len(text) <= 60 and re.search(letters, text) and not text.endswith("."), (check.code, text)
    # What dates a finding: evidence fields or the deal's own columns.
    deal_columns = {c.name for c in SCHEMA["deals"]}
    for name in check.dated_by:
        assert re.fullmatch(r"[a-z_]+", name.removeprefix("deal.")), (check.code, name)
        if name.startswith("deal."):
            assert name[5:] in deal_columns, (check.code, name)
    # What the runner skips on and the skip reason names: canonical tables and their columns only.
    assert check.needs, f"{check.code} declares no input"
    for table, columns in check.needs.items():
        assert table in TABLES, f"{check.code} needs unknown table {table!r}"
        known = {c.name for c in SCHEMA[table]}
        assert set(columns) <= known, f"{check.code} needs {sorted(set(columns) - known)} of {table}"


# -- what a check declares: evidence keys and the verdict columns it publishes ---------------------

def test_demo_findings_carry_only_declared_evidence_keys(demo_audit):
    from tests.builders import undeclared_evidence
    for result in demo_audit.checks:
        check = BY_CODE[result.code]
        assert not undeclared_evidence(check, result.findings), (result.code, undeclared_evidence(check, result.findings))
    used = {key for ev in demo_audit.findings["evidence"] for key in ev}
    assert used, "the demo's findings carry evidence"


@pytest.mark.parametrize("check", ALL_CHECKS, ids=lambda c: c.code)
def test_explain_lists_the_evidence_keys_and_verdict_columns(check):
    for lang in ("en", "ru"):
        text = explain_text(check.code, lang)
        for key in (*check.evidence_keys, *check.verdicts):
            assert re.search(rf"(?<![\w]){key}(?![\w])", text), (check.code, lang, key)
    assert len(set(check.evidence_keys)) == len(check.evidence_keys), check.code


def test_each_verdict_column_is_published_by_one_check():
    declared = [(column, c.code) for c in ALL_CHECKS for column in c.verdicts]
    assert sorted(column for column, _ in declared) == sorted(VERDICT_COLUMNS), declared
    for check in ALL_CHECKS:
        if check.verdicts:
            scope_of(check.verdicts)  # known columns of a single scope


def test_demo_verdicts_are_published_with_the_declared_columns(demo_audit):
    for result in demo_audit.checks:
        check = BY_CODE[result.code]
        if not check.verdicts or result.status.value not in ("pass", "fail"):
            assert result.verdicts is None, result.code
            continue
        assert result.verdicts.columns == tuple(check.verdicts), result.code
        assert len(result.verdicts.table) <= len(result.findings) or not len(result.findings), result.code
    stages = demo_audit.stages
    assert stages["vague"].eq(True).any() and stages["hub"].eq(True).any() and stages["dead"].eq(True).any()
    assert demo_audit.pipelines["twin"].notna().any() and demo_audit.pipelines["personal"].eq(True).any()
