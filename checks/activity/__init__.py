"""OF: work done off the CRM: stage changes and deals with no logged contact, and (OF07-OF09) the
phone system's call log against the CRM."""

from checks.activity.OF01 import SilentStageChange
from checks.activity.OF02 import SilentOpenDeal
from checks.activity.OF03 import OwnerLowLogging
from checks.activity.OF04 import ActivityOutsideLifetime
from checks.activity.OF05 import MissingChannel
from checks.activity.OF06 import ThinkItOverStall
from checks.activity.OF07 import CallsNotLogged
from checks.activity.OF08 import ClientsOutsideCrm
from checks.activity.OF09 import DealAfterTheTalk

CHECKS = (SilentStageChange, SilentOpenDeal, OwnerLowLogging, ActivityOutsideLifetime, MissingChannel,
          ThinkItOverStall, CallsNotLogged, ClientsOutsideCrm, DealAfterTheTalk)
