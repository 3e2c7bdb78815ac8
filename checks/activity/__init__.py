"""OF: work done off the CRM: stage changes and deals with no logged contact."""

CHECKS = ()
