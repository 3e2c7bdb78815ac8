"""SG: stages and pipelines that name no result."""

from checks.stages.SG01 import VagueStage
from checks.stages.SG02 import ParkedInVagueStage
from checks.stages.SG03 import RottingDeal
from checks.stages.SG04 import StageSkip
from checks.stages.SG05 import PersonalPipeline
from checks.stages.SG06 import DuplicatePipelines
from checks.stages.SG07 import DeadStage
from checks.stages.SG08 import ObjectionHubStage

CHECKS = (VagueStage, ParkedInVagueStage, RottingDeal, StageSkip, PersonalPipeline, DuplicatePipelines,
          DeadStage, ObjectionHubStage)
