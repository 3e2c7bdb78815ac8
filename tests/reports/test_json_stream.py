"""The JSON report is written a slice of rows at a time: the file says what `build` says."""

from __future__ import annotations

import json

from reports import json_report
from tests.reports.sample import sample_result


def test_written_report_holds_every_finding_across_slices(tmp_path, monkeypatch):
    monkeypatch.setattr(json_report._Rows, "SLICE", 7)  # 250 findings: many slices, a partial last one
    result = sample_result(findings=250)
    path = tmp_path / "report.json"
    json_report.write(result, path)
    text = path.read_text(encoding="utf-8")
    assert json.loads(text) == json.loads(json.dumps(json_report.build(result), default=json_report._default))
    assert len(json.loads(text)["findings"]) == len(result.findings) > 7
    assert text == json_report.dump(result)


def test_one_slice_and_no_rows_read_as_before(tmp_path):
    result = sample_result(findings=0)
    path = tmp_path / "empty.json"
    json_report.write(result, path)
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert doc["findings"] == []
    assert json_report.dump(result).count('"findings": []') == 1
