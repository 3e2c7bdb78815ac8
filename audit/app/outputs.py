"""Report paths for unattended runs: placeholders, what a report may replace, and a lock
against overlapping runs.

A report is written only as a regular file, and never over the run's own inputs or its
config (`--md crm-audit.toml` overwrote the config): such a path is refused with one line
before anything is written, and before any export is read when the path has no placeholder.

A nightly cron job writes `reports/crm-{as_of:%Y-%m-%d}.xlsx`; the folder is created when
missing (the writers go through reports.atomic, so a report is never half-written). When
one run is still writing while the next starts, the second waits for the first to finish
(up to LOCK_TIMEOUT_S, or $CRM_AUDIT_LOCK_TIMEOUT seconds) and then gives up with exit 2
and a message naming the lock, rather than interleaving two runs' reports and history.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import math
import os
import re
import time
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path

from audit.model.errors import AuditError, printable_path
from reports.atomic import refuse_unsafe_target

LOCK_NAME = ".crm-audit.lock"
LOCK_TIMEOUT_S = 30.0
LOCK_TIMEOUT_ENV = "CRM_AUDIT_LOCK_TIMEOUT"
_POLL_S = 0.1


def render_path(template: str, result, owner: str | None = None) -> Path:
    """'reports/crm-{as_of:%Y-%m-%d}.xlsx' -> reports/crm-2026-11-20.xlsx.

    Placeholders: {as_of} (a datetime, so any strftime format after the colon) and {crm}
    (the profile that read the deals, 'crm' when unknown); for a manager's own workbook also
    {owner} (`owner`, already a safe file name). Literal braces are doubled.
    """
    values = {"as_of": result.as_of.to_pydatetime(), "crm": result.crm or "crm"}
    if owner is not None:
        values["owner"] = owner
    try:
        return Path(str(template).format(**values))
    except (KeyError, ValueError, IndexError, AttributeError) as exc:
        names = "{as_of:%Y-%m-%d}, {crm}" + (" or {owner}" if owner is not None else "")
        raise AuditError(f"bad placeholder in output path: {exc} (use {names})", path=template) from None


# Characters Windows refuses in file names, and the names it reserves for devices.
_UNSAFE = re.compile(r'[<>:"/\\|?*\x00-\x1f\x7f]')
_RESERVED = re.compile(r"^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³])(\..*)?$", re.IGNORECASE)
MAX_NAME = 100


def safe_file_name(name: str) -> str:
    """A manager's name as a file name any system accepts: characters Windows refuses become
    "_", trailing dots and spaces go, device names (CON, NUL, COM1 ...) get a "_" in front, and
    the name is cut at MAX_NAME characters."""
    text = _UNSAFE.sub("_", str(name)).strip()
    text = text[:MAX_NAME].rstrip(". ") or "_"
    if _RESERVED.match(text):
        text = "_" + text
    return text


def owner_paths(template: str, result, names: Mapping[str, str]) -> dict[str, Path]:
    """owner -> the path of his workbook, from `names` (owner -> the name to show, e.g. the
    label of deals without an owner in the report's language). `template` is a folder (each
    manager gets `FOLDER/<name>.xlsx`) or a path holding {owner}; other placeholders as for -o.
    Two names that come out the same (or differ only in case, as Windows sees them) are numbered."""
    if "{owner}" not in template:
        template = str(Path(template) / "{owner}.xlsx")
    out: dict[str, Path] = {}
    taken: set[str] = set()
    for owner, shown in names.items():
        base = safe_file_name(shown)
        name, n = base, 1
        while name.casefold() in taken:
            n += 1
            name = f"{base} ({n})"
        taken.add(name.casefold())
        out[owner] = render_path(template, result, owner=name)
    return out


def refuse_bad_outputs(paths: Iterable[str | Path], *, inputs: Iterable[str | Path] = (),
                       config: str | Path | None = None) -> None:
    """Raise unless each path may receive a report: a regular file or nothing yet, not an input,
    not the config, and not named twice. Identity is the file itself (device and inode), so a
    hard link or another spelling of an input is caught too."""
    protected: dict[object, str] = {}
    for path in inputs:
        protected.update({key: "an input file" for key in _keys(path)})
    if config is not None:
        protected.update({key: "the config file" for key in _keys(config)})
    seen: dict[object, Path] = {}
    for raw in paths:
        path = Path(raw)
        if printable_path(path) != str(path):  # openpyxl's XML writer and the console refuse it
            raise AuditError("the report's path is not UTF-8 text", path=path,
                             hint="name the report or its folder in UTF-8")
        refuse_unsafe_target(path)
        for key in _keys(path):
            if key in protected:
                raise AuditError(f"is {protected[key]}: a report is never written over it", path=path,
                                 hint="name another file for the report")
            if key in seen:
                raise AuditError(f"is named for two reports (also as {seen[key]})", path=path)
        for key in _keys(path):
            seen[key] = path


def _keys(path: str | Path) -> list[object]:
    """The resolved path, and the file's (device, inode) when it exists."""
    path = Path(path)
    keys: list[object] = [path.resolve()]
    try:
        info = os.stat(path)
    except OSError:
        return keys
    keys.append((info.st_dev, info.st_ino))
    return keys


def lock_timeout() -> float:
    """Seconds an overlapping run waits for the lock: $CRM_AUDIT_LOCK_TIMEOUT, else 30."""
    raw = os.environ.get(LOCK_TIMEOUT_ENV)
    if raw is None or not raw.strip():
        return LOCK_TIMEOUT_S
    try:
        value = float(raw)
    except ValueError:
        raise AuditError(f"{LOCK_TIMEOUT_ENV}={raw!r} is not a number of seconds") from None
    if math.isnan(value) or value < 0:
        raise AuditError(f"{LOCK_TIMEOUT_ENV}={raw!r} must be zero or more seconds")
    return value


def lock_files(paths: Iterable[str | Path], history_dir: str | Path | None = None) -> list[Path]:
    """One lock file per folder that receives output, in a fixed order (no lock-order deadlock)."""
    folders = {Path(p).parent.resolve() for p in paths if str(p) != "-"}
    if history_dir is not None:
        folders.add(Path(history_dir).resolve())
    return sorted(folder / LOCK_NAME for folder in folders)


@contextlib.contextmanager
def output_lock(paths: Iterable[str | Path], history_dir: str | Path | None = None, *,
                timeout: float | None = None) -> Iterator[None]:
    """Hold an exclusive lock beside every output (and in the history folder) while the
    block runs. Folders are created if missing; the lock files stay (removing a lock file
    that another run is waiting on would let a third run slip past both)."""
    wait = lock_timeout() if timeout is None else timeout
    with contextlib.ExitStack() as stack:
        deadline = time.monotonic() + wait
        for lock_path in lock_files(paths, history_dir):
            stack.enter_context(_flock(lock_path, deadline, wait))
        yield


@contextlib.contextmanager
def _flock(lock_path: Path, deadline: float, wait: float) -> Iterator[None]:
    try:
        lock_path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o666)
    except OSError as exc:
        raise AuditError(f"cannot create the lock file: {exc.strerror}", path=lock_path) from None
    try:
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError as exc:
                if exc.errno not in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                    raise AuditError(f"cannot lock: {exc.strerror}", path=lock_path) from None
            if time.monotonic() >= deadline:
                raise AuditError(
                    f"another crm-audit run is still writing here; gave up after waiting {wait:g} s",
                    path=lock_path, hint=f"let it finish, or set {LOCK_TIMEOUT_ENV} to wait longer")
            time.sleep(_POLL_S)
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
