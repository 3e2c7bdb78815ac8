"""ST: only the wins reach the CRM (losses, reasons and dead leads kept elsewhere)."""

from checks.sterile.ST03 import LostWithoutReason
from checks.sterile.ST04 import VagueLossReason

CHECKS = (LostWithoutReason, VagueLossReason)
