"""FN: per-manager funnel statistics."""

from checks.funnel.FN01 import OwnerStageConversion

CHECKS = (OwnerStageConversion,)
