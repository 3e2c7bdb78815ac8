"""The check catalogue. Every check is listed here once, by family; a test guards that
each module under checks/<family>/ is registered and each code is unique."""

from checks.activity import CHECKS as ACTIVITY
from checks.funnel import CHECKS as FUNNEL
from checks.hygiene import CHECKS as HYGIENE
from checks.stages import CHECKS as STAGES
from checks.sterile import CHECKS as STERILE

ALL_CHECKS = (*STERILE, *STAGES, *ACTIVITY, *FUNNEL, *HYGIENE)
BY_CODE = {c.code: c for c in ALL_CHECKS}
