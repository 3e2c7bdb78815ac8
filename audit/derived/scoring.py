"""The 0-100 trust score. See SCORE_EXPLANATION (shown by `crm-audit explain score`).

Every failed check marks the deals its findings touch (see `_touched`); the check then costs
a share of the score that grows with its severity and with the share of deals it touches.
Costs multiply, so the score stays within 0-100, each extra problem lowers it, and the
order of the checks does not matter.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from audit.derived.deal_index import value_codes
from audit.model import CrmData
from audit.model.findings import RELATED_DEAL, CheckResult, Severity, Status
from audit.model.result import CheckImpact, Scores

if TYPE_CHECKING:
    from audit.derived.tables import Derived

# The most a single failed check can take off (as a share of what is left), by severity.
WEIGHTS = {Severity.HIGH: 0.20, Severity.MEDIUM: 0.10, Severity.LOW: 0.04, Severity.INFO: 0.0}
# A failed check costs at least this part of its weight overall, however few deals it touches:
# the failure is itself evidence about the whole CRM (a vague stage name, a missing channel).
BASE_SHARE = 0.25

SCORE_EXPLANATION = {
    "en": """\
Trust score (0-100): how far the CRM can be trusted to hold the whole sales story.

100 means no check failed. Every failed check lowers the score; checks that passed,
were skipped (their data was not exported, or too little to judge) or could not run do not
count. The score is always shown with what it rests on: how many checks of the catalogue
judged something, and the families none of whose checks could. When no check judged
anything there is no score at all ("not scored"), never a clean 100.

How much a failed check costs depends on its severity and on the share of deals its
findings touch:
  weight      high 20%, medium 10%, low 4%, info 0%
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
  why the overall score can sit below every manager's
              it also carries the problems of no single manager (pipelines, stage names,
              data hygiene), and overall every failed check costs at least a quarter of
              its weight, however few deals it touches; a manager's score counts only the
              checks that touched his own deals.
  top problems
              the reports rank failed checks by this cost (severity x deals touched), so a
              check about one manager or one pipeline weighs that manager's or pipeline's
              deals; the check that costs a manager most names his biggest problem.
  colours     the same absolute bands everywhere: below 60 red, 60-80 amber, 80 and
              above green.
Scores are rounded to one decimal. The same data and settings always give the same score;
a severity changed in crm-audit.toml changes the weight.""",
    "ru": """\
Индекс доверия (0-100): насколько CRM отражает всю историю продаж.

100 значит, что ни одна проверка не провалена. Каждая проваленная проверка снижает индекс;
пройденные, пропущенные (данные не выгружены или их слишком мало) и не сработавшие проверки
не учитываются. Индекс всегда показывается вместе с тем, на чём он основан: сколько проверок
каталога что-то оценили и какие группы проверок не оценены совсем. Если не оценила ни одна
проверка, индекса нет («без оценки»), а не чистые 100.

Сколько стоит проваленная проверка, зависит от её важности и от доли сделок, которых
касаются её находки:
  вес         высокая важность (high) 20 %, средняя (medium) 10 %, низкая (low) 4 %,
              инфо (info) 0 %
  охват       находка по сделке касается этой сделки; по активности — её сделки;
              по менеджеру — всех его сделок (в воронке находки, если она указана);
              по воронке — сделок воронки; по этапу — сделок, стоящих на этапе сейчас;
              по набору данных — всех сделок; по лидам — считается доля отмеченных лидов.
  общий       каждая проваленная проверка умножает индекс на
                1 - вес x (0,25 + 0,75 x доля затронутых сделок),
              так что проверка высокой важности стоит от 5 до 20 баллов из 100, а две проблемы всегда
              стоят больше одной.
  по менеджеру и по воронке
              то же произведение по собственным сделкам менеджера (воронки): доля его
              сделок, которых коснулась проверка, без порога 0,25; менеджер, чьих сделок
              не коснулась ни одна находка, сохраняет 100.
  почему общий индекс бывает ниже, чем у любого менеджера
              в нём есть и проблемы, не относящиеся к одному менеджеру (воронки, названия
              этапов, качество данных), и в общем индексе каждая проваленная проверка стоит
              не меньше четверти своего веса, сколько бы сделок она ни затронула; индекс
              менеджера учитывает только проверки, затронувшие его сделки.
  главные проблемы
              отчёты упорядочивают проваленные проверки по этой цене (важность x доля
              затронутых сделок), поэтому проверка про одного менеджера или одну воронку
              весит столько, сколько их сделки; проверка, которая больше всего снижает
              индекс менеджера, называется его главной проблемой.
  цвета       везде одни и те же границы: ниже 60 — красный, 60-80 — жёлтый, от 80 —
              зелёный.
Индексы округляются до десятых. Одни и те же данные и настройки всегда дают один и тот же
индекс; важность, изменённая в crm-audit.toml, меняет вес.""",
}


def trust_scores(d: Derived, results: Sequence[CheckResult], findings: pd.DataFrame) -> Scores:
    """Overall, per-owner and per-pipeline trust scores (see SCORE_EXPLANATION)."""
    crm = d.crm
    deals = _Deals(d)
    failed, codes = [], []
    for result in results:
        weight = WEIGHTS.get(result.severity, 0.0)
        if result.status is not Status.FAIL:  # info checks weigh 0: counted, costing nothing
            continue
        # The check's own findings; the audit's table only when a result comes without them.
        own = result.findings
        if not len(own) and findings is not None and len(findings):
            own = findings[findings["code"] == result.code]
        failed.append((weight, own))
        codes.append(result.code)
    # Deal ids of all checks in one lookup: each lookup hashes the whole deals table.
    id_lists = [_deal_ids(own) for _w, own in failed]
    rows = deals.positions(pd.concat(id_lists, ignore_index=True)) if id_lists else np.zeros(0, np.int64)
    bounds = np.cumsum([0, *(len(ids) for ids in id_lists)])

    overall = 1.0
    by_owner = np.ones(len(deals.owner_labels))
    by_pipe = np.ones(len(deals.pipe_labels))
    impacts: dict[str, CheckImpact] = {}
    about_work = np.array([own["entity_type"].isin(("deal", "activity", "owner")).any() for _w, own in failed],
                          dtype=bool)
    # Per owner (pipeline), what each check takes off: the costliest names his biggest problem.
    owner_cost = np.zeros((len(failed), len(by_owner)))
    pipe_cost = np.zeros((len(failed), len(by_pipe)))
    for k, (weight, own) in enumerate(failed):
        touched = deals.touched(own, rows[bounds[k]:bounds[k + 1]])
        lead_share = _lead_share(crm, own)
        if deals.n:
            share = max(touched.mean(), lead_share)
        else:  # nothing to touch: a dataset finding still speaks for the whole CRM
            share = max(float(own["entity_type"].eq("dataset").any()), lead_share)
        cost = weight * (BASE_SHARE + (1 - BASE_SHARE) * min(share, 1.0))
        overall *= 1 - cost
        owner_hits = np.bincount(deals.owner[touched], minlength=len(by_owner))
        pipe_hits = np.bincount(deals.pipe[touched], minlength=len(by_pipe))
        if deals.n and touched.any():
            owner_cost[k] = weight * deals.share_by(deals.owner, touched, len(by_owner))
            pipe_cost[k] = weight * deals.share_by(deals.pipe, touched, len(by_pipe))
            by_owner *= 1 - owner_cost[k]
            by_pipe *= 1 - pipe_cost[k]
        impacts[codes[k]] = CheckImpact(
            deals=int(touched.sum()), share=round(float(min(share, 1.0)), 4), cost=round(float(cost), 4),
            by_owner=_nonzero(deals.owner_labels, owner_hits), by_pipeline=_nonzero(deals.pipe_labels, pipe_hits))
    return Scores(
        overall=_score(overall),
        by_owner={str(o): _score(s) for o, s in zip(deals.owner_labels, by_owner)},
        by_pipeline={str(p): _score(s) for p, s in zip(deals.pipe_labels, by_pipe)},
        impacts=impacts,
        # A manager's biggest problem is one about his own work (his deals, activities, himself);
        # a pipeline or stage finding (twin pipelines, a vague stage name) is the CRM's set-up.
        costliest_by_owner=_costliest(deals.owner_labels, owner_cost, codes, prefer=about_work),
        costliest_by_pipeline=_costliest(deals.pipe_labels, pipe_cost, codes),
    )


def _nonzero(labels: pd.Index, counts: np.ndarray) -> dict[str, int]:
    return {str(label): int(n) for label, n in zip(labels, counts) if n}


def _costliest(labels: pd.Index, cost: np.ndarray, codes: list[str],
               prefer: np.ndarray | None = None) -> dict[str, str]:
    """label -> the code that takes most off its score (ties: the check listed first, i.e. the
    catalogue's order), among the `prefer`red checks when one of them touches the label at all;
    labels no failed check touches are left out."""
    if not len(codes) or not cost.size:
        return {}
    if prefer is not None and prefer.any():
        preferred = np.where(prefer[:, None], cost, 0.0)
        cost = np.where((preferred > 0).any(axis=0)[None, :], preferred, cost)
    top = cost.argmax(axis=0)
    return {str(label): codes[k] for label, k, c in zip(labels, top, cost.max(axis=0)) if c > 0}


def _score(factor: float) -> float:
    return round(float(np.clip(factor, 0.0, 1.0)) * 100, 1)


def _deal_ids(findings: pd.DataFrame) -> pd.Series:
    """Deal ids named by deal findings and by activity findings (the deal each is about)."""
    if not len(findings):
        return pd.Series([], dtype=object)
    kind = findings["entity_type"]
    ids = findings.loc[kind.eq("deal"), "entity_id"]
    if RELATED_DEAL in findings:
        ids = pd.concat([ids, findings.loc[kind.eq("activity"), RELATED_DEAL]], ignore_index=True)
    return ids.dropna().astype(object).reset_index(drop=True)


class _Deals:
    """The deals as integer codes (owner, pipeline, stage) for marking what findings touch."""

    def __init__(self, d: Derived):
        self.index = d.deal_index
        frame = self.index.deals
        self.n = len(frame)
        self.owner, self.owner_labels = d.owner_codes
        pipe, labels = pd.factorize(frame["pipeline"], sort=True)
        self.pipe, self.pipe_labels = pipe.astype(np.int64), pd.Index(labels, dtype=object)
        self._frame = frame
        self._stage = None

    def positions(self, ids: pd.Series) -> np.ndarray:
        return self.index.positions(ids)

    @staticmethod
    def share_by(codes: np.ndarray, touched: np.ndarray, size: int) -> np.ndarray:
        """Per group: the share of its deals that are touched."""
        return np.bincount(codes[touched], minlength=size) / np.maximum(np.bincount(codes, minlength=size), 1)

    def stage_keys(self) -> tuple[np.ndarray, pd.Index]:
        if self._stage is None:
            self._stage = value_codes(self._frame["stage"])
        codes, labels = self._stage
        return self.pipe * (len(labels) + 1) + codes, labels

    def touched(self, findings: pd.DataFrame, deal_rows: np.ndarray) -> np.ndarray:
        """Which deals (a boolean per deal row) the findings touch."""
        touched = np.zeros(self.n, dtype=bool)
        if not len(findings) or not self.n:
            return touched
        kind = findings["entity_type"]
        if kind.eq("dataset").any():
            touched[:] = True
            return touched
        touched[deal_rows[deal_rows >= 0]] = True
        owners = findings[kind.eq("owner")]
        if len(owners):
            owner_code = _codes(self.owner_labels, owners["owner"])
            pipe_code = _codes(self.pipe_labels, owners["pipeline"])
            whole = owners["pipeline"].isna().to_numpy()
            touched |= np.isin(self.owner, owner_code[whole & (owner_code >= 0)])
            # An owner finding that names a pipeline (FN01) touches the owner's deals there only.
            scoped = ~whole & (owner_code >= 0) & (pipe_code >= 0)
            if scoped.any():
                n_pipe = len(self.pipe_labels)
                wanted = owner_code[scoped] * n_pipe + pipe_code[scoped]
                touched |= np.isin(self.owner * n_pipe + self.pipe, wanted)
        pipes = findings[kind.eq("pipeline")]
        if len(pipes):
            names = pipes["pipeline"].fillna(pipes["entity_id"])
            touched |= np.isin(self.pipe, _codes(self.pipe_labels, names))
        stages = findings[kind.eq("stage")]
        if len(stages):
            keys, labels = self.stage_keys()
            wanted = (_codes(self.pipe_labels, stages["pipeline"]) * (len(labels) + 1)
                      + _codes(labels, stages["stage"]))
            ok = _codes(self.pipe_labels, stages["pipeline"]) >= 0
            touched |= np.isin(keys, wanted[ok & (_codes(labels, stages["stage"]) >= 0)])
        return touched


def _codes(labels: pd.Index, values: pd.Series) -> np.ndarray:
    """Position of each value in `labels` (-1 when absent or missing); small arrays only."""
    return pd.Index(labels, dtype=object).get_indexer(values.astype(object)).astype(np.int64)


def _lead_share(crm: CrmData, findings: pd.DataFrame) -> float:
    if crm.leads is None or not len(crm.leads) or not len(findings):
        return 0.0
    flagged = findings.loc[findings["entity_type"] == "lead", "entity_id"].nunique()
    return min(flagged / len(crm.leads), 1.0)
