"""ST: only the wins reach the CRM (losses, reasons and dead leads kept elsewhere)."""

from checks.sterile.ST01 import LostDealsMissing
from checks.sterile.ST02 import OwnerNeverLoses
from checks.sterile.ST03 import LostWithoutReason
from checks.sterile.ST04 import VagueLossReason
from checks.sterile.ST05 import EnteredLate
from checks.sterile.ST06 import WonWithoutTrail
from checks.sterile.ST07 import LeadsOnlyQualified
from checks.sterile.ST08 import BulkBackfill

# In code order.
CHECKS = (LostDealsMissing, OwnerNeverLoses, LostWithoutReason, VagueLossReason, EnteredLate,
          WonWithoutTrail, LeadsOnlyQualified, BulkBackfill)
