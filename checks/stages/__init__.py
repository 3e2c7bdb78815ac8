"""SG: stages and pipelines that name no result."""

from checks.stages.SG01 import VagueStage
from checks.stages.SG02 import ParkedInVagueStage

CHECKS = (VagueStage, ParkedInVagueStage)
