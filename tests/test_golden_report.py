"""Golden JSON report of the demo export: the contract (keys, types) and the verdicts.

Volatile fields (tool version, paths, digests, timings) are left out; what is compared is
each check's status, affected count, metric and threshold, the summary counts, and which
entities each check flagged. Regenerate after an intended change with
`UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/test_golden_report.py`, and review the diff.
"""

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from audit.cli import cli

GOLDEN = Path(__file__).parent / "fixtures" / "golden" / "demo_report.json"
FINDING_KEYS = {"code", "severity", "entity_type", "entity_id", "owner", "pipeline", "stage", "message", "evidence"}
CHECK_KEYS = {"code", "name", "family", "severity", "status", "metric", "threshold", "direction", "unit", "measure",
              "affected", "judged", "message", "skipped_reason"}
WARNING_KEYS = {"code", "file", "message", "message_ru", "numbers"}
OWNER_KEYS = {"owner", "deals", "open", "won", "lost", "win_rate", "activities", "findings"}


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo")
    result = CliRunner().invoke(cli, ["demo", "-o", str(out), "-q"])
    assert result.exit_code == 0, result.output
    return json.loads((out / "report.json").read_text(encoding="utf-8"))


def test_contract_shape(report):
    assert report["schema_version"] == 1 and report["tool"]["name"] == "crm-audit"
    assert set(report["summary"]["checks"]) >= {"pass", "fail", "skipped"}
    assert set(report["summary"]["findings"]) == {"high", "medium", "low", "info"}
    assert 0 <= report["summary"]["score"] <= 100
    coverage = report["summary"]["coverage"]
    assert set(coverage) == {"judged", "catalogue", "families_not_judged"}
    assert 0 < coverage["judged"] <= coverage["catalogue"] == len(report["checks"])
    assert report["input"]["crm"] == "amocrm"
    for w in report["input"]["warnings"]:
        assert set(w) == WARNING_KEYS and w["message"] and w["message_ru"]
    for f in report["input"]["files"]:
        assert {"path", "table", "rows", "encoding", "delimiter", "sha256"} <= set(f)
    for c in report["checks"]:
        assert CHECK_KEYS <= set(c)
        # No verdict without evidence: a pass always judged something, a skip says why.
        assert c["status"] != "pass" or c["judged"] > 0, c["code"]
        assert c["status"] != "skipped" or c["skipped_reason"], c["code"]
        if c["status"] == "fail":
            assert any(f["code"] == c["code"] for f in report["findings"]), c["code"]
    for f in report["findings"]:
        assert FINDING_KEYS <= set(f) and isinstance(f["evidence"], dict)
        assert f["entity_type"] in {"deal", "activity", "lead", "owner", "pipeline", "stage", "dataset"}
    for o in report["owners"]:
        assert OWNER_KEYS <= set(o)


def _verdicts(report: dict) -> dict:
    flagged: dict[str, list[str]] = {}
    for f in report["findings"]:
        flagged.setdefault(f["code"], []).append(f"{f['entity_type']}:{f['entity_id']}")
    return {
        "as_of": report["as_of"],
        "summary": {k: report["summary"][k] for k in ("score", "coverage", "checks", "findings")},
        "checks": {c["code"]: {k: c[k] for k in ("status", "affected", "judged", "metric", "threshold", "direction",
                                                 "unit", "severity")}
                   for c in report["checks"]},
        "warnings": [{k: w[k] for k in ("code", "numbers")} for w in report["input"]["warnings"]],
        "flagged": {code: sorted(ids) for code, ids in sorted(flagged.items())},
    }


def test_verdicts_match_golden(report):
    got = _verdicts(report)
    if os.environ.get("UPDATE_GOLDEN"):
        GOLDEN.write_text(json.dumps(got, ensure_ascii=False, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    expected = json.loads(GOLDEN.read_text(encoding="utf-8"))
    assert got["checks"] == expected["checks"]
    assert got["flagged"] == expected["flagged"]
    assert got == expected
