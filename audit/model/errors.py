"""Errors the user can act on. The CLI prints them as one line and exits 2."""

from __future__ import annotations

from pathlib import Path


class AuditError(Exception):
    """A usage or input problem: bad file, bad config, bad option value.

    `str(err)` is the one line shown to the user: the file first, then the problem,
    then a hint when one helps.
    """

    def __init__(self, problem: str, *, path: str | Path | None = None, hint: str | None = None):
        self.path = str(path) if path is not None else None
        self.problem = problem
        self.hint = hint
        text = f"{self.path}: {problem}" if self.path else problem
        if hint:
            text += f" ({hint})"
        super().__init__(text)


class InputError(AuditError):
    """An export that cannot be read or understood."""


class ConfigError(AuditError):
    """A crm-audit.toml that cannot be used."""
