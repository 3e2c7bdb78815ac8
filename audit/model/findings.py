"""Result types shared by checks, the runner and the reports: severities, families,
statuses, a check's result and the findings table's columns.

Reports import these (never `checks`), so they live beside the model.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum, StrEnum

import pandas as pd

from audit.model.gauge import Gauge
from audit.model.verdicts import Verdicts


class Severity(IntEnum):
    INFO = 0
    LOW = 1
    MEDIUM = 2
    HIGH = 3

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, text: str) -> "Severity":
        try:
            return cls[str(text).strip().upper()]
        except KeyError:
            raise ValueError(f"unknown severity {text!r} (use info, low, medium or high)") from None


class Family(StrEnum):
    STERILE = "sterile"    # ST: only the wins reach the CRM
    STAGES = "stages"      # SG: stages and pipelines that name no result
    ACTIVITY = "activity"  # OF: work done off the CRM, no logged contact
    FUNNEL = "funnel"      # FN: per-manager funnel statistics
    HYGIENE = "hygiene"    # HY: field-level data quality


FAMILY_PREFIX = {"ST": Family.STERILE, "SG": Family.STAGES, "OF": Family.ACTIVITY,
                 "FN": Family.FUNNEL, "HY": Family.HYGIENE}


class Status(StrEnum):
    PASS = "pass"
    FAIL = "fail"
    SKIPPED = "skipped"  # inputs missing: the reason says what to export
    ERROR = "error"      # the check itself failed; the rest of the audit goes on


ENTITY_TYPES = ("deal", "activity", "lead", "owner", "pipeline", "stage", "dataset")

FINDING_COLUMNS = ("code", "severity", "entity_type", "entity_id", "owner", "pipeline", "stage",
                   "message", "evidence")
# The finding's message in Russian, beside the contract columns: reports in Russian show it
# (English where a check gave none); the JSON findings keep the English message only.
MESSAGE_RU = "message_ru"
# The deal an activity finding is about, beside the contract columns, for the trust score
# (audit.derived.scoring); None where a check names none.
RELATED_DEAL = "related_deal"


def empty_findings() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object) for c in (*FINDING_COLUMNS, MESSAGE_RU, RELATED_DEAL)})


@dataclass(frozen=True)
class CheckResult:
    code: str
    name: str
    family: Family
    severity: Severity
    status: Status
    metric: float | None = None
    threshold: float | None = None
    gauge: Gauge | None = None  # what the metric measures and which side of the threshold fails
    affected: int = 0
    message: str = ""
    skipped_reason: str | None = None
    findings: pd.DataFrame = field(default_factory=empty_findings, repr=False)
    elapsed_s: float = 0.0  # run time of the check, set by the runner (benchmarks, -v)
    message_ru: str | None = None         # `message` in Russian (reports in Russian fall back to English)
    skipped_reason_ru: str | None = None  # `skipped_reason` in Russian
    # How many entities the check examined (deals, owners, stages, moves ... whatever its findings
    # are about): 0 when skipped for want of input, the too-small sample when below its minimum,
    # None when the check raised. A check never passes with judged 0 (checks.base.Check.result).
    judged: int | None = None
    # What the check says about each stage or pipeline it judged (audit.model.verdicts), for the
    # stage and pipeline tables; None when it publishes none, or did not judge.
    verdicts: Verdicts | None = field(default=None, repr=False)
    # The table whose rows link to no exported deal, when that is why the check was skipped
    # (checks.links): the coverage line names it instead of "too little data".
    unlinked: str | None = None

    @property
    def judged_anything(self) -> bool:
        """Whether the verdict rests on evidence: a failure (it has findings), or a pass that
        examined something."""
        return self.status is Status.FAIL or (self.status is Status.PASS and bool(self.judged))

    @property
    def failed(self) -> bool:
        return self.status is Status.FAIL

    def text(self, lang: str = "en") -> str:
        """The summary message in the report language (English when no Russian was given)."""
        return self.message_ru if lang == "ru" and self.message_ru else self.message

    def reason(self, lang: str = "en") -> str | None:
        """Why the check was skipped, in the report language."""
        return self.skipped_reason_ru if lang == "ru" and self.skipped_reason_ru else self.skipped_reason


def finding_messages(findings: pd.DataFrame, lang: str = "en") -> pd.Series:
    """The findings' messages in the report language: Russian where the check gave one."""
    english = findings["message"] if "message" in findings else pd.Series(None, index=findings.index, dtype=object)
    if lang != "ru" or MESSAGE_RU not in findings:
        return english
    russian = findings[MESSAGE_RU]
    return russian.where(russian.notna() & russian.astype(object).ne(""), english)


@dataclass(frozen=True)
class CheckInfo:
    """A check's documentation, for reports and `crm-audit explain` (no code attached)."""

    code: str
    name: str
    title_ru: str
    family: Family
    severity: Severity
    summary: str          # the one-line what (the check's docstring)
    rationale: str
    rationale_ru: str
    fix: str
    fix_ru: str
    params: tuple[tuple[str, object], ...] = ()
    todo: str = ""        # what to do about one finding, in a few words
    todo_ru: str = ""
    dated_by: tuple[str, ...] = ()  # evidence fields or `deal.<column>` that date a finding
    evidence_keys: tuple[str, ...] = ()   # what its findings' evidence may hold
    gauge: Gauge | None = None            # how its metric reads against its threshold

    def text(self, field_name: str, lang: str = "en") -> str:
        """rationale/fix/todo/title in the report language."""
        if field_name == "title":
            return self.title_ru if lang == "ru" else self.name
        return getattr(self, f"{field_name}_ru" if lang == "ru" else field_name)
