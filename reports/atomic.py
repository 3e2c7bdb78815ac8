"""Atomic writes of regular files: a temporary file in the target folder, then a rename.

A cron job killed mid-write never leaves a half-written report, and a report never replaces
what is not a report: a device (`--json /dev/null` run as root renamed a file over it), a
FIFO, a socket, a symbolic link or a folder is refused with one line before anything is
written. Every temporary thing lives in the target's own folder and carries the writer's
process id (`.NAME.PID.XXXXXXXX.tmp`): removed on every exit path Python sees (errors,
Ctrl-C, SIGTERM turned into an exit by the CLI), and swept by the next run when a kill -9
left it behind (its process is gone).
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import stat
import tempfile
from pathlib import Path
from typing import Iterator

from audit.model.errors import AuditError

_KINDS = ((stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"), (stat.S_ISFIFO, "a FIFO (named pipe)"),
          (stat.S_ISSOCK, "a socket"))


def refuse_unsafe_target(target: str | Path) -> None:
    """Raise unless `target` is a regular file or does not exist yet."""
    target = Path(target)
    try:
        info = target.lstat()
    except FileNotFoundError:
        return
    except OSError as exc:
        raise AuditError(f"cannot write here: {exc.strerror}", path=target) from None
    if stat.S_ISLNK(info.st_mode):
        raise AuditError("is a symbolic link; name the file itself (a report never replaces a link)",
                         path=target)
    if stat.S_ISDIR(info.st_mode):
        raise AuditError("is a folder, not a file name", path=target, hint="e.g. -o reports/audit.xlsx")
    for is_kind, name in _KINDS:
        if is_kind(info.st_mode):
            raise AuditError(f"is {name}, not a regular file: reports are written only as files",
                             path=target, hint="use --json - to print the JSON report")


def temp_prefix(target: Path) -> str:
    return f".{target.name}.{os.getpid()}."


@contextlib.contextmanager
def atomic_path(target: str | Path, *, protect: frozenset[Path] = frozenset()) -> Iterator[Path]:
    """Yield a temporary path beside `target`; on success it replaces `target`.

    Missing folders are created. `protect` holds resolved input paths that must never
    be overwritten.
    """
    target = Path(target)
    refuse_unsafe_target(target)
    if target.resolve() in protect:
        raise AuditError("refusing to write a report over an input file", path=target)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=temp_prefix(target), suffix=".tmp", dir=target.parent)
    except OSError as exc:
        raise AuditError(f"cannot write here: {exc.strerror}", path=target) from None
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        # mkstemp creates 0600; a report should get the permissions any new file would (umask).
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp_path, 0o666 & ~umask)
        yield tmp_path
        refuse_unsafe_target(target)  # what appeared there meanwhile is not replaced either
        os.replace(tmp_path, target)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp_path.unlink()
        raise


@contextlib.contextmanager
def scratch_dir(target: str | Path) -> Iterator[Path]:
    """A private folder beside `target` for a writer's own temporary files, removed on exit."""
    target = Path(target)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        folder = Path(tempfile.mkdtemp(prefix=temp_prefix(target), suffix=".tmp", dir=target.parent))
    except OSError as exc:
        raise AuditError(f"cannot write here: {exc.strerror}", path=target) from None
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@contextlib.contextmanager
def library_temp_files_in(folder: Path) -> Iterator[None]:
    """Libraries that write temporary files (openpyxl's write-only sheets) put them in `folder`
    rather than the system temp folder, where a killed run would leave them for good."""
    saved = tempfile.tempdir
    tempfile.tempdir = str(folder)
    try:
        yield
    finally:
        tempfile.tempdir = saved


_LEFTOVER = re.compile(r"^\.(?P<name>.+)\.(?P<pid>\d+)\.[^.]+\.tmp$")


def sweep_leftovers(target: str | Path) -> list[Path]:
    """Remove `.NAME.PID.*.tmp` files and folders beside `target` whose process is gone (a run
    killed with SIGKILL, or a power cut). Returns what was removed."""
    target = Path(target)
    removed: list[Path] = []
    try:
        entries = list(target.parent.iterdir())
    except OSError:
        return removed
    for entry in entries:
        match = _LEFTOVER.match(entry.name)
        if not match or match["name"] != target.name or _alive(int(match["pid"])):
            continue
        with contextlib.suppress(OSError):
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry)
            else:
                entry.unlink()
            removed.append(entry)
    return removed


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # EPERM: someone else's live process
        return True
    return True
