"""Errors the user can act on. The CLI prints them as one line and exits 2."""

from __future__ import annotations

from pathlib import Path


class AuditError(Exception):
    """A usage or input problem: bad file, bad config, bad option value.

    `str(err)` is the one line shown to the user: the file first, then the problem,
    then a hint when one helps.
    """

    def __init__(self, problem: str, *, path: str | Path | None = None, hint: str | None = None):
        self.path = printable_path(path) if path is not None else None
        self.problem = problem
        self.hint = hint
        text = f"{self.path}: {problem}" if self.path else problem
        if hint:
            text += f" ({hint})"
        super().__init__(text)


def printable_path(path: str | Path) -> str:
    """The path as text any output can hold: a name that is not UTF-8 (a Windows zip unpacked
    here keeps its cp866 or cp1251 bytes) reaches Python with surrogates, shown here as U+FFFD."""
    text = str(path)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    return text


class InputError(AuditError):
    """An export that cannot be read or understood."""


class ConfigError(AuditError):
    """A crm-audit.toml that cannot be used."""


def read_text_document(path: str | Path, what: str, error: type[AuditError] = AuditError) -> str:
    """A small UTF-8 document of ours (config, JSON report) as text, or `error` naming the file and
    what is wrong with it: not found, a folder, not UTF-8, unreadable."""
    p = Path(path)
    if p.is_dir():
        raise error(f"is a folder, not a {what}", path=p)
    try:
        return p.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise error(f"{what} not found", path=p) from None
    except UnicodeDecodeError:
        raise error(f"{what} is not UTF-8 text", path=p) from None
    except OSError as exc:
        raise error(f"cannot read {what}: {exc.strerror}", path=p) from None
