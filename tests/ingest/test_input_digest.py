"""Each input's SHA-256 in its source record (the JSON report's inputs[].sha256): a big file is
hashed on a thread while it is parsed and mapped, and the digest must still be the file's."""

import hashlib

from audit.ingest import load
from audit.ingest.readers import HEAD_BYTES, read_file


def _deals(path, rows):
    lines = ["deal_id,title,pipeline,stage,status,owner,amount,created_at,closed_at,lost_reason"]
    lines += [f"g{i},Deal {i},Sales,Won,won,Ann,100,2026-01-{1 + i % 28:02d},2026-02-01," for i in range(rows)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_a_big_file_is_recorded_with_its_digest(tmp_path):
    deals = _deals(tmp_path / "deals.csv", 60_000)
    assert deals.stat().st_size > HEAD_BYTES  # the threaded path
    loaded = load([deals])
    (source,) = [s for s in loaded.sources if s.table]
    assert source.sha256 == hashlib.sha256(deals.read_bytes()).hexdigest()


def test_a_small_file_is_recorded_with_its_digest(tmp_path):
    deals = _deals(tmp_path / "deals.csv", 5)
    loaded = load([deals])
    (source,) = [s for s in loaded.sources if s.table]
    assert source.sha256 == hashlib.sha256(deals.read_bytes()).hexdigest()


def test_the_digest_is_waited_for_once(tmp_path):
    deals = _deals(tmp_path / "deals.csv", 60_000)
    (raw,) = read_file(deals)
    expected = hashlib.sha256(deals.read_bytes()).hexdigest()
    assert raw.digest() == expected and raw.digesting is None and raw.digest() == expected
