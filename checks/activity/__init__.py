"""OF: work done off the CRM: stage changes and deals with no logged contact."""

from checks.activity.OF06 import ThinkItOverStall

CHECKS = (ThinkItOverStall,)
