"""What the human-facing reports (workbook, console, Markdown) share: the ranking of the
top problems, deltas against the previous run, and text made safe to print.

Rendering only: nothing here judges the data.
"""

from __future__ import annotations

import math
import re
from typing import Any, Mapping

import numpy as np
import pandas as pd

from audit.model.findings import CheckResult, Status
from audit.model.result import AuditResult
from reports.i18n import t

# C0 controls except tab/newline/carriage return, DEL and C1 controls: a value from the
# CRM must not clear a terminal, move its cursor or break an XML file.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def clean(value: Any) -> str:
    """Text safe for a terminal, Markdown or a workbook: control characters removed."""
    return _CONTROL.sub("", str(value))


_BREAKS = re.compile(r"[ \t\r\n\f\v]+")


def one_line(value: Any, limit: int | None = None) -> str:
    """Clean text on one line, shortened with an ellipsis past `limit` characters (the
    non-breaking spaces of numbers - "1 143", "5,8 %" - stay as they are)."""
    text = _BREAKS.sub(" ", clean(value)).strip()
    if limit is not None and len(text) > limit:
        text = text[: max(limit - 1, 0)].rstrip() + "…"
    return text


def top_problems(result: AuditResult) -> list[CheckResult]:
    """Failed checks ranked by what they cost the trust score - severity times the share of
    deals they touch (`crm-audit explain score`), so a check about one manager or one pipeline
    weighs that manager's or pipeline's deals - then severity, deals touched, code. Results
    without the score's impacts (built by hand) rank by severity and affected records."""
    failed = [c for c in result.checks if c.status is Status.FAIL]
    impacts = result.scores.impacts

    def key(c: CheckResult):
        impact = impacts.get(c.code)
        if impact is None:
            return (1, 0.0, -int(c.severity), -int(c.affected or 0), c.code)
        return (0, -impact.cost, -int(c.severity), -impact.deals, c.code)
    return sorted(failed, key=key)


# What a check's findings are about, for saying how far it reaches: (entity, one, few, many)
# in English and Russian; the deals it touches are counted beside.
_UNITS = {
    "owner": (("manager", "managers"), ("менеджер", "менеджера", "менеджеров")),
    "pipeline": (("pipeline", "pipelines"), ("воронка", "воронки", "воронок")),
    "stage": (("stage", "stages"), ("этап", "этапа", "этапов")),
    "lead": (("lead", "leads"), ("лид", "лида", "лидов")),
    "deal": (("deal", "deals"), ("сделка", "сделки", "сделок")),
}


def severity_counts(counts: Mapping[str, int], lang: str, skip_zero: bool = False) -> str:
    """'521 high · 310 medium' / 'высокой важности: 521 · средней важности: 310' (a Russian
    adjective does not agree with a number, so the count follows it)."""
    from audit.model import text
    from reports.i18n import t
    parts = []
    for label, n in counts.items():
        if skip_zero and not n:
            continue
        parts.append(f"{t('sev_of.' + label, lang)}: {text.num(n, lang)}" if lang == "ru"
                     else f"{text.num(n, lang)} {t('sev_of.' + label, lang)}")
    return " · ".join(parts)


def count_text(n: int, unit: str, lang: str) -> str:
    """'1 manager', '3 deals', '21 сделка', '1 234 сделки'."""
    from audit.model import text
    en, ru = _UNITS[unit]
    if lang == "ru":
        return f"{text.num(n, lang)} {text.plural(n, *ru)}"
    return f"{text.num(n, lang)} {en[0] if n == 1 else en[1]}"


def of_count(n: int, unit: str, lang: str) -> str:
    """The word after "of N" / "из N": 'of 1 deal', 'of 5 deals'; 'из 21 сделки', 'из 5 сделок'
    (after «из» a Russian count takes the genitive: singular after 1, 21, 101 ..., else plural)."""
    from audit.model import text
    en, ru = _OF_UNITS[unit]
    if lang == "ru":
        return text.plural(n, ru[0], ru[1], ru[1])
    return en[0] if n == 1 else en[1]


_OF_UNITS = {"deal": (("deal", "deals"), ("сделки", "сделок")),
             "check": (("check", "checks"), ("проверки", "проверок"))}


def reach(result: AuditResult, check: CheckResult) -> tuple[str, int]:
    """What a failed check is mostly about ('deal', 'owner', 'pipeline', 'stage', 'lead',
    'dataset') and how many of those it names (distinct)."""
    return reaches(result).get(check.code, ("deal", 0))


def reaches(result: AuditResult) -> dict[str, tuple[str, int]]:
    """`reach` of every check with findings, in one pass over the findings (a report asks for
    each check several times). Kept on the result: findings do not change once the audit ran."""
    memo = result.__dict__.get("_reaches")
    if memo is not None and memo[0] is result.findings:
        return memo[1]
    f = result.findings
    out: dict[str, tuple[str, int]] = {}
    if len(f):
        # Integer codes throughout: a million findings are counted in a fraction of a second.
        code, codes = pd.factorize(f["code"].to_numpy(dtype=object))
        kind, kinds = pd.factorize(f["entity_type"].astype(object).replace({"activity": "deal"}).to_numpy(dtype=object))
        deal_ids = f["deal_id"] if "deal_id" in f else f["entity_id"].where(f["entity_type"].eq("deal"))
        is_deal = kind == (list(kinds).index("deal") if "deal" in list(kinds) else -2)
        key = pd.factorize(np.where(is_deal, deal_ids.to_numpy(dtype=object), f["entity_id"].to_numpy(dtype=object)),
                           use_na_sentinel=True)[0].astype(np.int64)
        per_kind = np.bincount(code * len(kinds) + kind, minlength=len(codes) * len(kinds)).reshape(len(codes), -1)
        # The unit each check mostly names (ties: the kind seen first); its distinct ids.
        unit = per_kind.argmax(axis=1)
        mine = (kind == unit[code]) & (key >= 0)
        pairs = pd.unique(code[mine] * (int(key.max()) + 1) + key[mine])  # hashing: no sort of a million ids
        distinct = np.bincount(pairs // (int(key.max()) + 1), minlength=len(codes))
        out = {str(c): (str(kinds[u]), int(d)) for c, u, d in zip(codes, unit, distinct)}
    object.__setattr__(result, "_reaches", (f, out))  # a cache, not a field: the result stays as it was
    return out


def reach_text(result: AuditResult, check: CheckResult, lang: str) -> str:
    """'476 deals', '1 manager · 90 deals', '2 pipelines · 1 474 deals': the unit the check
    judges and, when it is not deals, the deals that weigh in the score beside it."""
    unit, n = reach(result, check)
    impact = result.scores.impacts.get(check.code)
    if unit == "dataset":
        deals = impact.deals if impact is not None else 0
        return count_text(deals, "deal", lang) if deals else ""
    text = count_text(n, unit, lang)
    if unit != "deal" and impact is not None and impact.deals:
        text += " · " + count_text(impact.deals, "deal", lang)
    return text


def worst_of(result: AuditResult, check: CheckResult) -> tuple[str, str, int] | None:
    """The manager (or, for checks about pipelines, stages or the whole export, the pipeline)
    with the most deals this check touches: ('owner' | 'pipeline', name, deals); None when the
    score's impacts are unknown."""
    impact = result.scores.impacts.get(check.code)
    if impact is None:
        return None
    unit, _n = reach(result, check)
    by, kind = (impact.by_pipeline, "pipeline") if unit in ("pipeline", "stage", "dataset") \
        else (impact.by_owner, "owner")
    if not by:
        return None
    name, deals = min(by.items(), key=lambda item: (-item[1], item[0]))  # ties: the first name
    return kind, name, int(deals)


def is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def score_delta(result: AuditResult) -> float | None:
    """Trust score now minus at the previous run (None without history)."""
    prev = (result.previous or {}).get("score")
    if not is_number(prev) or not is_number(result.scores.overall):
        return None
    return round(float(result.scores.overall) - float(prev), 1)


def previous_text(result: AuditResult, lang: str = "en") -> str:
    """The previous run's date, and what differs from this run when it is not simply an earlier
    export: the same data audited as of another date, or another export of the same date."""
    previous = result.previous or {}
    when = as_of_text(previous.get("as_of"), lang)
    if previous.get("same_inputs") and not previous.get("same_as_of"):
        return t("summary.previous.same_data", lang, as_of=when)
    if previous.get("same_as_of") and not previous.get("same_inputs"):
        return t("summary.previous.reexport", lang, as_of=when)
    return when


def previous_affected(result: AuditResult) -> Mapping[str, Any]:
    """code -> affected count at the previous run (None when it did not run then)."""
    return (result.previous or {}).get("checks") or {}


def affected_delta(result: AuditResult, check: CheckResult) -> int | None:
    prev = previous_affected(result).get(check.code)
    if not is_number(prev) or check.status not in (Status.PASS, Status.FAIL):
        return None
    return int(check.affected) - int(prev)


def signed(value: float | int | None, digits: int = 0, lang: str = "en") -> str:
    """+3, −2, ±0 (a real minus sign reads better than a hyphen); +1,5 in Russian."""
    from audit.model import text
    if value is None:
        return ""
    if value == 0:
        return "±0"
    shown = f"{abs(value):,.{digits}f}"
    if lang == "ru":
        shown = text.num(abs(value), lang, digits) if digits == 0 else shown.replace(",", text.NBSP).replace(".", ",")
    return ("+" if value > 0 else "−") + shown


def as_of_text(ts: Any, lang: str = "en") -> str:
    """The data's date as the report's language writes it, with the time when it has one."""
    from audit.model import text
    try:
        stamp = pd.Timestamp(ts)
    except (ValueError, TypeError):
        return str(ts)
    if pd.isna(stamp):
        return ""
    return text.date(stamp, lang, with_time=(stamp.hour, stamp.minute, stamp.second) != (0, 0, 0))


def score_text(score: Any, lang: str = "en") -> str:
    """'61.5' / '61,5' (one decimal, always); '—' without a score."""
    if not is_number(score):
        return "—"
    text = f"{float(score):.1f}"
    return text.replace(".", ",") if lang == "ru" else text


def coverage_text(result: AuditResult, lang: str = "en") -> str:
    """What the score rests on: "based on 17 of 31 checks; not judged: work outside the CRM (no
    activities)"; with nothing judged, that there is no score at all."""
    from reports.i18n import family, t
    cov = result.coverage_or_count()
    if not cov.judged:
        return t("coverage.not_scored", lang, judged=cov.judged, catalogue=cov.catalogue)
    text = t("coverage.based_on", lang, judged=cov.judged, catalogue=cov.catalogue,
             checks_word=of_count(cov.catalogue, "check", lang))
    if cov.not_judged:
        names = ", ".join(f"{_lower_first(family(g.family.value, lang))} ({g.text(lang)})" for g in cov.not_judged)
        text += "; " + t("coverage.not_judged", lang, families=names)
    return text


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def warning_lines(result: AuditResult, lang: str = "en") -> list[str]:
    """One line per input warning, led by the file it is about (its name, not its path); one
    about no file reads as a sentence."""
    from pathlib import PurePath
    out = []
    for w in result.warnings:
        text = w.text(lang)
        out.append(one_line(f"{PurePath(w.file).name}: {text}" if w.file else text[:1].upper() + text[1:]))
    return out
