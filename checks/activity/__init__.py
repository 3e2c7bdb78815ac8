"""OF: work done off the CRM: stage changes and deals with no logged contact."""

from checks.activity.OF01 import SilentStageChange
from checks.activity.OF02 import SilentOpenDeal
from checks.activity.OF03 import OwnerLowLogging
from checks.activity.OF04 import ActivityOutsideLifetime
from checks.activity.OF05 import MissingChannel
from checks.activity.OF06 import ThinkItOverStall

CHECKS = (SilentStageChange, SilentOpenDeal, OwnerLowLogging, ActivityOutsideLifetime, MissingChannel,
          ThinkItOverStall)
