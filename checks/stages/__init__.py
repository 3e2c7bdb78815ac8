"""SG: stages and pipelines that name no result."""

CHECKS = ()
