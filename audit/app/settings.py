"""The config as the app reads it: validated whole, against the check catalogue and the CRM
profiles, before any export is read.

The model floor parses crm-audit.toml but sees neither the checks (their codes, the rules of
their settings, the vocabulary lists they read) nor the ingest profiles (the CRM names): this
module hands them down.
"""

from __future__ import annotations

from pathlib import Path

from audit.model import config as config_mod
from audit.model.config import Catalogue, Config


def catalogue() -> Catalogue:
    from audit.ingest.profiles import CRM_CHOICES
    from checks import ALL_CHECKS
    from checks.vocab import LISTS
    return Catalogue(checks={c.code: dict(c.param_rules) for c in ALL_CHECKS}, crms=CRM_CHOICES,
                     vocab_lists=LISTS)


def load_config(path: str | Path | None) -> Config:
    """crm-audit.toml validated against what this build knows; the defaults without a path."""
    return config_mod.load(path, catalogue())
