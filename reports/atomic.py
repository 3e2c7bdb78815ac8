"""Atomic writes: a temporary file in the target folder, then a rename.

A cron job killed mid-write never leaves a half-written report, and a report is never
written over one of the run's input files.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path
from typing import Iterator

from audit.model.errors import AuditError


@contextlib.contextmanager
def atomic_path(target: str | Path, *, protect: frozenset[Path] = frozenset()) -> Iterator[Path]:
    """Yield a temporary path beside `target`; on success it replaces `target`.

    Missing folders are created. `protect` holds resolved input paths that must never
    be overwritten.
    """
    target = Path(target)
    resolved = target.resolve()
    if resolved in protect:
        raise AuditError("refusing to write a report over an input file", path=target)
    if resolved.exists() and resolved.is_dir():
        raise AuditError("is a folder, not a file name", path=target)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    except OSError as exc:
        raise AuditError(f"cannot write here: {exc.strerror}", path=target) from None
    os.close(fd)
    tmp_path = Path(tmp)
    # mkstemp creates 0600; a report should get the permissions any new file would (umask).
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp_path, 0o666 & ~umask)
    try:
        yield tmp_path
        os.replace(tmp_path, target)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp_path.unlink()
        raise
