"""FN: per-manager funnel statistics."""

CHECKS = ()
