"""SG06 duplicate-pipelines."""

from __future__ import annotations

import numpy as np
import pandas as pd

from audit.model import NO_PIPELINE, CrmData
from checks import vocab
from audit.model.gauge import Fails, Gauge, Unit
from checks.base import Check, CheckResult, Derived, Family, RunContext, Severity
from audit.model import text as ru
from audit.model.params import COUNT, SHARE


class DuplicatePipelines(Check):
    """Pipelines whose open stages are (nearly) the same steps as another pipeline's."""

    code = "SG06"
    name = "duplicate-pipelines"
    title_ru = "Дублирующие воронки"
    family = Family.STAGES
    severity = Severity.MEDIUM
    gauge = Gauge("share of pipelines with a near twin",
                  "доля воронок, у которых есть почти копия", Unit.SHARE, Fails.ABOVE)
    verdicts = ("twin", "similarity")
    evidence_keys = ("twin", "similarity", "shared_stages", "stages", "twin_stages", "twins")
    needs = {"deals": ("pipeline", "stage")}
    params = {"min_similarity": 0.8, "min_stages": 2}
    param_rules = {"min_similarity": SHARE, "min_stages": COUNT}
    rationale = ("Two pipelines with the same steps are one sales process split in two: each has half the "
                 "data, their conversion cannot be compared stage by stage, and every change to the process "
                 "has to be made twice.")
    rationale_ru = ("Две воронки с одинаковыми этапами — это один процесс продаж, разрезанный надвое: в каждой "
                    "половина данных, конверсию по этапам не сравнить, а любое изменение процесса приходится "
                    "вносить дважды.")
    fix = ("Merge each pair into one pipeline and keep what told them apart (product line, region, channel) "
           "as a deal field; keep separate pipelines only for really different sales processes.")
    fix_ru = ("Объедините каждую пару в одну воронку, а то, что их различало (продукт, регион, канал), храните "
              "полем сделки; отдельные воронки оставляйте только для действительно разных процессов продаж.")
    todo = "Merge the twin pipelines into one"
    todo_ru = "Объедините воронки-двойники в одну"

    def run(self, crm: CrmData, ctx: RunContext) -> CheckResult:
        min_similarity, min_stages = float(ctx["min_similarity"]), int(ctx["min_stages"])
        stages = pipeline_steps(ctx.derived, ctx.vocab)
        sizes = stages.groupby("pipeline").size()
        judged = sizes[sizes >= min_stages].index
        stages = stages[stages["pipeline"].isin(judged)]
        if len(judged) < 2:
            return self.too_few(len(judged), 2, f"pipeline{'' if len(judged) == 1 else 's'} with {min_stages}+ open steps", "compare pipelines",
                                f"воронок с {min_stages}+ открытыми этапами", "сравнивать воронки")
        pipes, similarity, shared = jaccard(stages)
        np.fill_diagonal(similarity, -1.0)
        twin_of = similarity >= min_similarity - 1e-9
        has_twin = twin_of.any(axis=1)
        rows = np.flatnonzero(has_twin)
        findings = twins = None
        if len(rows):
            # The closest twin names the finding; ties go to the first name.
            best = np.argmax(similarity[rows], axis=1)
            n_steps = sizes.reindex(pipes).to_numpy()
            frame = pd.DataFrame({
                "pipeline": pipes[rows], "twin": pipes[best], "similarity": similarity[rows, best].round(3),
                "shared": shared[rows, best], "steps": n_steps[rows], "twin_steps": n_steps[best],
            })
            frame["twins"] = [list(pipes[np.flatnonzero(twin_of[r])]) for r in rows]  # per pipeline, not per deal
            frame["more"] = frame["twins"].map(len) - 1
            message = ("pipeline '" + frame["pipeline"] + "' has the same steps as '" + frame["twin"] + "' ("
                       + frame["shared"].astype(str) + " shared of " + frame["steps"].astype(str) + " and "
                       + frame["twin_steps"].astype(str) + " stages, " + ru.pcts(frame["similarity"]) + " alike)")
            message = message.where(frame["more"] == 0,
                                    message + " and " + frame["more"].astype(str) + " more alike")
            message_ru = ("У воронки «" + frame["pipeline"] + "» те же этапы, что у «" + frame["twin"]
                          + "»: общих " + frame["shared"].astype(str) + " (всего " + frame["steps"].astype(str)
                          + " и " + frame["twin_steps"].astype(str) + "), сходство "
                          + ru.pcts(frame["similarity"], "ru"))
            message_ru = message_ru.where(frame["more"] == 0,
                                          message_ru + "; похожих воронок ещё: " + frame["more"].astype(str))
            evidence = {"twin": frame["twin"], "similarity": frame["similarity"],
                        "shared_stages": frame["shared"], "stages": frame["steps"],
                        "twin_stages": frame["twin_steps"]}
            if (frame["more"] > 0).any():
                evidence["twins"] = frame["twins"].where(frame["more"] > 0)
            twins = self.verdict_table(frame, twin=frame["twin"], similarity=frame["similarity"])
            findings = self.findings(frame, entity_type="pipeline", message=message, message_ru=message_ru,
                                     evidence=evidence)
        n, k = len(pipes), len(rows)
        pairs = int(np.triu(twin_of).sum())
        text = (f"{ru.en_count(pairs, 'pair', 'pairs')} of pipelines share ≥ {ru.pct(min_similarity)} of their "
                f"stages ({k} of {n} pipelines)" if k else f"no two of {n} pipelines share ≥ {ru.pct(min_similarity)} of their stages")
        text_ru = (f"пар воронок, у которых совпадает ≥ {ru.pct(min_similarity, 'ru')} этапов: {pairs} ({k} из {n} "
                   f"{ru.plural(n, 'воронки', 'воронок', 'воронок')})"
                   if k else f"ни в одной паре из {n} {ru.plural(n, 'воронки', 'воронок', 'воронок')} не совпадает "
                             f"≥ {ru.pct(min_similarity, 'ru')} этапов")
        return self.result(findings=findings, metric=round(k / n, 4), threshold=0.0, message=text,
                           message_ru=text_ru, judged=n, verdicts=twins)


def pipeline_steps(d: Derived, extra=None) -> pd.DataFrame:
    """Distinct normalized open-stage names per pipeline (CRM inboxes such as "Неразобранное"
    are not steps; deals without a pipeline are not a pipeline)."""
    order = d.stage_order
    steps = order.loc[order["kind"].eq("open") & order["pipeline"].ne(NO_PIPELINE), ["pipeline", "stage"]]
    steps = steps[~vocab.is_inbox_stage(steps["stage"], extra).to_numpy()]
    steps = steps.assign(step=vocab.normalize(steps["stage"]))
    steps = steps[steps["step"].fillna("").ne("")]
    return steps[["pipeline", "step"]].drop_duplicates().reset_index(drop=True)


def jaccard(steps: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pipelines (sorted), their pairwise Jaccard similarity of step sets and shared step counts.

    Jaccard of the sets, not an ordered comparison: the order of stages is often inferred
    from history and a hub stage can shift it, while "the same steps" is the question here.
    """
    p_codes, pipes = pd.factorize(steps["pipeline"], sort=True)
    s_codes, _ = pd.factorize(steps["step"])
    incidence = np.zeros((len(pipes), int(s_codes.max()) + 1 if len(s_codes) else 0), dtype=np.float32)
    incidence[p_codes, s_codes] = 1.0
    shared = (incidence @ incidence.T).round().astype(np.int64)
    size = np.diag(shared)
    union = size[:, None] + size[None, :] - shared
    with np.errstate(divide="ignore", invalid="ignore"):
        similarity = np.where(union > 0, shared / union, 0.0)
    return np.asarray(pipes, dtype=object), similarity, shared
