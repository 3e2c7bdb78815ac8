"""Which encoding a text export is in: a byte order mark, UTF-8 when it decodes, else the
likeliest single-byte code page (Windows-1251 for a Russian CRM's export, 1252 for a western one)."""

from __future__ import annotations

import codecs
from pathlib import Path

import numpy as np

from audit.ingest.csvtext import encoding_hint, utf16_without_bom
from audit.model.errors import InputError

SNIFF_BYTES = 256 * 1024  # the sample a code page is guessed from, and a CSV's dialect


def detect_encoding(data: bytes, path: Path) -> str:
    """BOM, else UTF-8 if the first megabyte is valid UTF-8 (the CSV reader validates the rest
    and we come back here with `full=True` if it is not), else the best single-byte code page."""
    return detect_encoding_in(data, sample_only=True)


def detect_encoding_in(data: bytes, *, sample_only: bool) -> str:
    if data.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if b"\x00" in data[:4096]:
        bomless = utf16_without_bom(data)
        if bomless:
            return bomless
    probe = data[:1 << 20] if sample_only else data
    try:
        probe.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError as exc:
        # A multi-byte character cut by the sample's end (or the file's) is still UTF-8.
        if exc.start >= len(probe) - 3:
            return "utf-8"
    from charset_normalizer import from_bytes
    sample = data[:SNIFF_BYTES]
    best = from_bytes(sample, cp_isolation=["cp1251", "cp1252", "koi8_r", "cp866", "latin_1"]).best()
    if best is not None:
        return _canonical_encoding(best.encoding)
    return "cp1251" if _cyrillic_share(sample) > 0.5 else "cp1252"


def _canonical_encoding(name: str) -> str:
    return {"windows_1251": "cp1251", "windows_1252": "cp1252", "latin_1": "latin-1",
            "iso8859_1": "latin-1"}.get(name.replace("-", "_").lower(), name)


def _cyrillic_share(sample: bytes) -> float:
    high = np.frombuffer(sample, dtype=np.uint8)
    high = high[high >= 0x80]
    if not len(high):
        return 0.0
    return float(np.mean(high >= 0xC0))


def decode_text(data: bytes, encoding: str, path: Path, forced: bool) -> str:
    try:
        text = data.decode(encoding)
    except (UnicodeDecodeError, LookupError) as exc:
        if isinstance(exc, LookupError):
            raise InputError(f"unknown encoding {encoding!r}", path=path, hint=encoding_hint(encoding)) from None
        where = exc.start
        raise InputError(f"cannot decode as {encoding} at byte {where}", path=path,
                         hint=encoding_hint(encoding)) from None
    return text.lstrip("\ufeff")
