"""HY: field-level data quality (HY01-HY05 run as a Great Expectations suite)."""

CHECKS = ()
