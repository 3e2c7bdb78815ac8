"""The console summary of a run: score, failed checks by severity, top problems, outputs."""

from __future__ import annotations

from audit.findings import Status
from audit.result import AuditResult


def render_summary(result: AuditResult, written, *, color: bool = False, lang: str = "en",
                   fail_on: str = "high") -> str:
    counts = result.counts()
    lines = [f"crm-audit  as of {result.as_of:%Y-%m-%d %H:%M}  crm: {result.crm or '?'}",
             f"trust score {result.scores.overall:.1f} / 100   checks: {counts['pass']} pass, "
             f"{counts['fail']} fail, {counts['skipped']} skipped"]
    for c in sorted((c for c in result.checks if c.status is Status.FAIL),
                    key=lambda c: (-c.severity, -c.affected)):
        lines.append(f"  {c.code} {c.severity.label:<6} {c.name:<28} {c.message}")
    for fmt, path in written:
        lines.append(f"{fmt}: {path}")
    return "\n".join(lines) + "\n"


def render_quiet_failure(result: AuditResult, failed, fail_on: str) -> str:
    codes = ", ".join(c.code for c in failed)
    return (f"crm-audit: {len(failed)} check(s) at or above {fail_on} failed: {codes} "
            f"(score {result.scores.overall:.1f})")
