"""The 0-100 trust score. See SCORE_EXPLANATION (shown by `crm-audit explain score`).

Every failed check marks the deals its findings touch (see `_touched`); the check then costs
a share of the score that grows with its severity and with the share of deals it touches.
Costs multiply, so the score stays within 0-100, each extra problem lowers it, and the
order of the checks does not matter.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd

from audit.deal_index import deal_index, owner_codes
from audit.findings import CheckResult, Severity, Status
from audit.model import CrmData
from audit.result import Scores

# The most a single failed check can take off (as a share of what is left), by severity.
WEIGHTS = {Severity.HIGH: 0.20, Severity.MEDIUM: 0.10, Severity.LOW: 0.04, Severity.INFO: 0.0}
# A failed check costs at least this part of its weight overall, however few deals it touches:
# the failure is itself evidence about the whole CRM (a vague stage name, a missing channel).
BASE_SHARE = 0.25

SCORE_EXPLANATION = {
    "en": """\
Trust score (0-100): how far the CRM can be trusted to hold the whole sales story.

100 means no check failed. Every failed check lowers the score; checks that passed,
were skipped (their data was not exported) or could not run do not count.

How much a failed check costs depends on its severity and on the share of deals its
findings touch:
  weight      high 20 %, medium 10 %, low 4 %, info 0 %
  touched     a deal finding touches its deal; an activity finding its activity's deal;
              an owner finding all of the owner's deals (in the finding's pipeline, when
              it names one); a pipeline finding the pipeline's deals; a stage finding the
              deals now in that stage; a dataset finding every deal; a lead finding
              counts by the share of leads flagged.
  overall     each failed check multiplies the score by
                1 - weight x (0.25 + 0.75 x share of all deals touched),
              so a high check costs between 5 and 20 points of 100, and two problems
              always cost more than one.
  per owner / per pipeline
              the same product over the owner's (pipeline's) own deals, with the share
              of those deals the check touched and no 0.25 floor: an owner none of whose
              deals is touched keeps 100.
Scores are rounded to one decimal. The same data and settings always give the same score;
a severity changed in crm-audit.toml changes the weight.""",
    "ru": """\
Индекс доверия (0-100): насколько CRM отражает всю историю продаж.

100 значит, что ни одна проверка не провалена. Каждая проваленная проверка снижает индекс;
пройденные, пропущенные (данные не выгружены) и не сработавшие проверки не учитываются.

Сколько стоит проваленная проверка, зависит от её важности и от доли сделок, которых
касаются её находки:
  вес         high 20 %, medium 10 %, low 4 %, info 0 %
  охват       находка по сделке касается этой сделки; по активности — её сделки;
              по менеджеру — всех его сделок (в воронке находки, если она указана);
              по воронке — сделок воронки; по этапу — сделок, стоящих на этапе сейчас;
              по набору данных — всех сделок; по лидам — считается доля отмеченных лидов.
  общий       каждая проваленная проверка умножает индекс на
                1 - вес x (0,25 + 0,75 x доля затронутых сделок),
              так что проверка high стоит от 5 до 20 баллов из 100, а две проблемы всегда
              стоят больше одной.
  по менеджеру и по воронке
              то же произведение по собственным сделкам менеджера (воронки): доля его
              сделок, которых коснулась проверка, без порога 0,25; менеджер, чьих сделок
              не коснулась ни одна находка, сохраняет 100.
Индексы округляются до десятых. Одни и те же данные и настройки всегда дают один и тот же
индекс; важность, изменённая в crm-audit.toml, меняет вес.""",
}


def trust_scores(crm: CrmData, results: Sequence[CheckResult], findings: pd.DataFrame) -> Scores:
    """Overall, per-owner and per-pipeline trust scores (see SCORE_EXPLANATION)."""
    deals = deal_index(crm).deals
    n_deals = len(deals)
    codes, owner_labels = owner_codes(crm)
    pipe_codes, pipe_labels = pd.factorize(deals["pipeline"], sort=True)
    n_owner, n_pipe = len(owner_labels), len(pipe_labels)
    deals_per_owner = np.bincount(codes, minlength=n_owner)
    deals_per_pipe = np.bincount(pipe_codes, minlength=n_pipe)

    overall = 1.0
    by_owner = np.ones(n_owner)
    by_pipe = np.ones(n_pipe)
    for result in results:
        if result.status is not Status.FAIL:
            continue
        weight = WEIGHTS.get(result.severity, 0.0)
        if weight <= 0:
            continue
        # The check's own findings; the audit's table only when a result comes without them.
        own = result.findings
        if not len(own) and findings is not None and len(findings):
            own = findings[findings["code"] == result.code]
        touched, lead_share = _touched(crm, own)
        if n_deals:
            share = max(touched.mean(), lead_share)
        else:  # nothing to touch: a dataset finding still speaks for the whole CRM
            share = max(float(own["entity_type"].eq("dataset").any()), lead_share)
        overall *= 1 - weight * (BASE_SHARE + (1 - BASE_SHARE) * min(share, 1.0))
        if n_deals and touched.any():
            owner_share = np.bincount(codes[touched], minlength=n_owner) / np.maximum(deals_per_owner, 1)
            pipe_share = np.bincount(pipe_codes[touched], minlength=n_pipe) / np.maximum(deals_per_pipe, 1)
            by_owner *= 1 - weight * owner_share
            by_pipe *= 1 - weight * pipe_share
    return Scores(
        overall=_score(overall),
        by_owner={str(o): _score(s) for o, s in zip(owner_labels, by_owner)},
        by_pipeline={str(p): _score(s) for p, s in zip(pipe_labels, by_pipe)},
    )


def _score(factor: float) -> float:
    return round(float(np.clip(factor, 0.0, 1.0)) * 100, 1)


def _touched(crm: CrmData, findings: pd.DataFrame) -> tuple[np.ndarray, float]:
    """Which deals (a boolean per deal row) the findings touch, and the share of leads flagged."""
    index = deal_index(crm)
    deals = index.deals
    touched = np.zeros(len(deals), dtype=bool)
    if not len(findings) or not len(deals):
        return touched, _lead_share(crm, findings)
    kind = findings["entity_type"].to_numpy(dtype=object)

    def rows(ids: pd.Series) -> np.ndarray:
        pos = index.positions(ids)
        return pos[pos >= 0]

    if (kind == "dataset").any():
        touched[:] = True
        return touched, _lead_share(crm, findings)
    is_deal = kind == "deal"
    touched[rows(findings["entity_id"][is_deal])] = True
    is_activity = kind == "activity"
    if is_activity.any():
        deal_ids = pd.Series([ev.get("deal_id") if isinstance(ev, dict) else None
                              for ev in findings["evidence"][is_activity]], dtype=object)
        touched[rows(deal_ids[deal_ids.notna()])] = True
    pipeline = deals["pipeline"].astype(object).to_numpy()
    for entity, col in (("owner", "owner"), ("pipeline", "pipeline"), ("stage", "stage")):
        sub = findings[kind == entity]
        if sub.empty:
            continue
        if entity == "owner":
            owner = deals["owner"].astype(object).to_numpy()
            scoped = sub["pipeline"].notna()
            touched |= np.isin(owner, sub.loc[~scoped, "owner"].dropna().unique())
            for _pipe, grp in sub[scoped].groupby("pipeline"):  # one pass per pipeline named
                touched |= (pipeline == _pipe) & np.isin(owner, grp["owner"].dropna().unique())
        elif entity == "pipeline":
            names = sub["pipeline"].fillna(sub["entity_id"]).dropna().unique()
            touched |= np.isin(pipeline, names)
        else:
            stage = deals["stage"].astype(object).to_numpy()
            pairs = pd.MultiIndex.from_frame(sub[["pipeline", "stage"]].astype(object))
            here = pd.MultiIndex.from_arrays([pipeline, stage]).isin(pairs)
            touched |= here
    return touched, _lead_share(crm, findings)


def _lead_share(crm: CrmData, findings: pd.DataFrame) -> float:
    if crm.leads is None or not len(crm.leads) or not len(findings):
        return 0.0
    flagged = findings.loc[findings["entity_type"] == "lead", "entity_id"].nunique()
    return min(flagged / len(crm.leads), 1.0)
