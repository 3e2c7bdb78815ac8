"""CRM profiles, in detection priority order (generic last: a CRM's own headers win)."""

from audit.ingest.profiles import (
    amocrm,
    bitrix24,
    generic,
    hubspot,
    pipedrive,
    salesforce,
    telephony,
    zoho,
)
from audit.ingest.profiles.base import Assembly, FinishContext, Profile, TableSpec, norm_header

PROFILES: tuple[Profile, ...] = (
    amocrm.PROFILE, bitrix24.PROFILE, hubspot.PROFILE, salesforce.PROFILE, pipedrive.PROFILE,
    zoho.PROFILE, generic.PROFILE,
)
BY_NAME = {p.name: p for p in PROFILES}
# Phone systems: detected whatever `--crm` names (a call log is read beside any CRM's exports).
CALL_LOGS: tuple[Profile, ...] = (telephony.PROFILE,)
# What `--crm` and crm-audit.toml `[input] crm` accept: detection, or one profile by name.
CRM_CHOICES: tuple[str, ...] = ("auto", *BY_NAME)

__all__ = ["PROFILES", "BY_NAME", "CRM_CHOICES", "CALL_LOGS", "Profile", "TableSpec", "FinishContext", "Assembly",
           "norm_header"]
