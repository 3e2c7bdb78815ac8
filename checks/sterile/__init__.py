"""ST: only the wins reach the CRM (losses, reasons and dead leads kept elsewhere)."""

from checks.sterile.ST03 import LostWithoutReason

CHECKS = (LostWithoutReason,)
