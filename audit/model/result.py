"""The audit's one immutable result: what reports render and history records.

Reports read this and nothing else; they never recompute audit logic.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

import pandas as pd

from audit.model.findings import CheckInfo, CheckResult, Family, Severity, Status
from audit.model import SourceFile
from audit.model.warnings import InputWarning


@dataclass(frozen=True)
class CheckImpact:
    """What one failed check weighs in the trust score (see `crm-audit explain score`)."""

    deals: int                   # distinct deals its findings touch
    share: float                 # the same as a share of all deals (or of leads, for lead findings)
    cost: float                  # the part of the score it takes: weight x (0.25 + 0.75 x share)
    by_owner: Mapping[str, int] = field(default_factory=dict)     # touched deals per owner (non-zero)
    by_pipeline: Mapping[str, int] = field(default_factory=dict)  # touched deals per pipeline (non-zero)


@dataclass(frozen=True)
class Scores:
    """0-100 trust scores: overall, per owner and per pipeline (see `crm-audit explain score`),
    what each failed check weighs, and the check that costs each owner and pipeline most.

    `overall` is None when no check judged anything: a score of 100 would read as a clean CRM."""

    overall: float | None
    by_owner: Mapping[str, float] = field(default_factory=dict)
    by_pipeline: Mapping[str, float] = field(default_factory=dict)
    impacts: Mapping[str, CheckImpact] = field(default_factory=dict)  # code -> weight in the score
    costliest_by_owner: Mapping[str, str] = field(default_factory=dict)     # owner -> code
    costliest_by_pipeline: Mapping[str, str] = field(default_factory=dict)  # pipeline -> code


@dataclass(frozen=True)
class FamilyGap:
    """A check family none of whose checks judged anything, and why (`summary.coverage`)."""

    family: Family
    reason: str                  # short: "no activities", "too little data", "not selected"
    reason_ru: str

    def text(self, lang: str = "en") -> str:
        return self.reason_ru if lang == "ru" else self.reason

    def as_json(self) -> dict[str, str]:
        return {"family": self.family.value, "reason": self.reason, "reason_ru": self.reason_ru}


@dataclass(frozen=True)
class Coverage:
    """What the score rests on: checks that judged something, of the whole catalogue, and the
    families left without a judged check."""

    judged: int
    catalogue: int
    not_judged: tuple[FamilyGap, ...] = ()

    def as_json(self) -> dict[str, Any]:
        return {"judged": self.judged, "catalogue": self.catalogue,
                "families_not_judged": [g.as_json() for g in self.not_judged]}


@dataclass(frozen=True)
class AuditResult:
    as_of: pd.Timestamp
    crm: str | None
    inputs: tuple[SourceFile, ...]
    checks: tuple[CheckResult, ...]
    # All findings, one row each: FINDING_COLUMNS, `message_ru`, `family`, and for the human
    # reports the context of audit.derived.finding_context (the deal of a deal or activity
    # finding: `deal_id`, `title`, `amount`, `company`; `at`, when the problem happened).
    findings: pd.DataFrame
    owners: pd.DataFrame         # scorecard, one row per owner
    funnel: pd.DataFrame         # pipeline, stage, owner ('' = team): entered, advanced, conversion...
    stages: pd.DataFrame         # every stage with its verdicts
    pipelines: pd.DataFrame      # every pipeline with owners and near-duplicate twin
    scores: Scores
    parse_issues: pd.DataFrame
    catalogue: Mapping[str, CheckInfo] = field(default_factory=dict)  # code -> docs of the checks run
    tool_version: str = "0"
    previous: Mapping[str, Any] | None = None  # summary of the last run from --history
    trend: tuple[Mapping[str, Any], ...] = ()    # earlier runs' as_of and score, oldest first
    warnings: tuple[InputWarning, ...] = ()      # the export looks misread or incomplete (input.warnings)
    # The manager whose client talk left the least trace in the CRM: (owner, talk_in_crm_share),
    # None without a call log (audit.derived.calls.off_system_leader).
    off_system: tuple[str, float] | None = None
    coverage: Coverage | None = None             # what the score rests on (summary.coverage)
    team: Mapping[str, Any] = field(default_factory=dict)  # the scorecard's figures for all deals together

    def coverage_or_count(self) -> Coverage:
        """The coverage, or one counted from the checks for results built without it."""
        if self.coverage is not None:
            return self.coverage
        return Coverage(judged=sum(c.judged_anything for c in self.checks), catalogue=len(self.checks))

    def counts(self) -> dict[str, int]:
        """Checks by status: pass, fail, skipped (error counted apart when present)."""
        out = {"pass": 0, "fail": 0, "skipped": 0}
        for c in self.checks:
            out[c.status.value] = out.get(c.status.value, 0) + 1
        return out

    def finding_counts(self) -> dict[str, int]:
        counts = self.findings["severity"].value_counts() if len(self.findings) else {}
        return {s.label: int(counts.get(s.label, 0)) for s in sorted(Severity, reverse=True)}

    def failed_at_or_above(self, level: Severity) -> list[CheckResult]:
        return [c for c in self.checks if c.status is Status.FAIL and c.severity >= level]

    def errored(self) -> list[CheckResult]:
        return [c for c in self.checks if c.status is Status.ERROR]
