"""SG08 objection-hub-stage."""

from __future__ import annotations

import numpy as np
import pandas as pd

from audit.derived.flow import WAITING_ROOM, waiting_rooms
from audit.model import CrmData
from audit.model.gauge import Fails, Gauge, Unit
from checks.base import Check, CheckResult, Family, RunContext, Severity
from checks.links import skip_if_unlinked
from audit.model import text as ru
from audit.model.params import COUNT, SHARE, count

OPEN = 0


class ObjectionHubStage(Check):
    """Stages that deals enter from many stages, or leave backwards often: a state, not a step, whatever the name."""

    code = "SG08"
    name = "objection-hub-stage"
    title_ru = "Этап-«отстойник»"
    family = Family.STAGES
    severity = Severity.MEDIUM
    gauge = Gauge("share of open stages that are waiting rooms",
                  "доля открытых этапов-отстойников", Unit.SHARE, Fails.ABOVE)
    verdicts = ("hub",)
    evidence_keys = ("entries", "sources", "source_stages", "exits", "backward_exits", "returns", "backward_share",
                     "reason")
    needs = {"deals": ("stage",), "stage_history": ()}
    params = dict(WAITING_ROOM)  # min_sources 3, min_source_share 0.1, min_entries 20, backward_share 0.3, min_exits 20
    param_rules = {"min_sources": count(2), "min_source_share": SHARE, "min_entries": COUNT,
                   "backward_share": SHARE, "min_exits": COUNT}
    rationale = ("A real step is entered from the step before it and left forward. A stage fed from many "
                 "stages, or left backwards again and again, is a place where deals wait (objections, "
                 "thinking, on hold): it hides at which step the client is really stuck.")
    rationale_ru = ("Настоящий этап достигается с предыдущего и покидается вперёд. Этап, на который сделки "
                    "приходят с разных этапов или с которого их раз за разом возвращают назад, — это место "
                    "ожидания (возражения, раздумья, пауза): он скрывает, на каком шаге клиент застрял на самом "
                    "деле.")
    fix = ("Stop moving deals into the listed stages: keep each deal in the step it has reached and record "
           "the objection (reason, conditions to buy) as a field or a task; then remove the stage.")
    fix_ru = ("Перестаньте переводить сделки на перечисленные этапы: оставляйте сделку на достигнутом шаге, а "
              "возражение (причину и условия покупки) фиксируйте полем или задачей; затем удалите этап.")
    todo = "Stop parking deals here; record objections as a field"
    todo_ru = "Не ставьте сюда сделки; возражение — полем"

    def run(self, crm: CrmData, ctx: RunContext) -> CheckResult:
        # A history of no exported deal may be another export's: its traffic says nothing here.
        if (skipped := skip_if_unlinked(self, ctx.derived, "stage_history")) is not None:
            return skipped
        st, flow = ctx.derived.stage_table, ctx.derived.stage_flow
        entries, exits, backs, bounced = flow.entries, flow.exits, flow.backward_exits, flow.returns
        back_share = flow.backward_share
        strong = flow.sources[flow.sources["share"] >= float(ctx["min_source_share"])]
        n_sources = flow.strong_sources(float(ctx["min_source_share"]))

        is_open = st.kind == OPEN
        hub, bounce = waiting_rooms(ctx.derived, **{k: ctx[k] for k in WAITING_ROOM})
        flagged = np.flatnonzero(hub | bounce)
        findings = None
        if len(flagged):
            findings = self._findings(st, flagged, strong, entries, n_sources, exits, backs, bounced, back_share,
                                      hub, bounce)
        judged = int((is_open & ((entries >= int(ctx["min_entries"])) | (exits >= int(ctx["min_exits"])))).sum())
        if not judged:
            busiest = int(max(entries[is_open].max(initial=0), exits[is_open].max(initial=0)))
            return self.skip(
                f"no open stage has {ctx['min_entries']} entries or {ctx['min_exits']} exits (the busiest: {busiest}): "
                "too little traffic to tell a waiting room from a step",
                f"ни у одного открытого этапа нет {ctx['min_entries']} входов или {ctx['min_exits']} выходов (больше "
                f"всего — {busiest}): движения слишком мало, чтобы отличить отстойник от шага воронки")
        text = (f"{ru.num(len(flagged))} of {ru.num(judged)} open stages with enough traffic behave as a waiting room: fed from "
                f"≥ {ctx['min_sources']} stages or left backwards ≥ {ru.pct(float(ctx['backward_share']))} of the time"
                if len(flagged) else f"all {judged} open stages with enough traffic are steps, not waiting rooms")
        text_ru = (f"этапов-«отстойников»: {ru.num(len(flagged), 'ru')} из {ru.num(judged, 'ru')} открытых с достаточным движением (в них "
                   f"попадают с {ctx['min_sources']}+ этапов или ≥ {ru.pct(float(ctx['backward_share']), 'ru')} выходов из "
                   "них — назад)"
                   if len(flagged) else f"все открытые этапы с достаточным движением ({judged}) — шаги воронки, "
                                        "а не отстойники")
        return self.result(findings=findings, metric=round(len(flagged) / judged, 4),
                           threshold=0.0, message=text, message_ru=text_ru, judged=judged,
                           verdicts=self.verdict_table(findings, hub=True))

    def _findings(self, st, rows, strong, entries, n_sources, exits, backs, bounced, back_share, hub, bounce):
        names = st.frame["stage"].to_numpy(dtype=object)
        strong = strong[strong["stage"].isin(rows)]
        strong = strong.assign(name=names[strong["source"].to_numpy()])
        listed = strong.sort_values(["stage", "n", "name"], ascending=[True, False, True])
        by_stage = listed.groupby("stage")
        texts = {lang: listed.assign(text=[f"{name} {ru.pct(share, lang)}" for name, share
                                           in zip(listed["name"], listed["share"])]).groupby("stage")["text"]
                 .agg(", ".join) for lang in ("en", "ru")}
        source_text = texts["en"]
        source_names = by_stage["name"].agg(list)
        frame = st.frame.iloc[rows][["pipeline", "stage"]].reset_index(drop=True)
        idx = frame.index
        ent, src, ext = entries[rows], n_sources[rows], exits[rows]
        share = back_share[rows]
        fed = ("entered from " + pd.Series(src, index=idx).astype(str) + " stages ("
               + pd.Series(source_text.reindex(rows).fillna("").to_numpy(), index=idx) + ")")
        left = (ru.pcts(pd.Series(share, index=idx)) + " of its "
                + ru.nums(pd.Series(ext, index=idx)) + " exits go backwards")
        is_hub = pd.Series(hub[rows], index=idx)
        is_bounce = pd.Series(bounce[rows], index=idx)
        what = fed.where(is_hub & ~is_bounce, left.where(~is_hub, fed + " and " + left))
        message = "stage '" + frame["stage"] + "' is a waiting room, not a step: " + what
        src_s, ext_s = pd.Series(src, index=idx), pd.Series(ext, index=idx)
        fed_ru = ("в него попадают с " + src_s.astype(str) + " "
                  + ru.plurals(src_s, "этапа", "этапов", "этапов") + " ("
                  + pd.Series(texts["ru"].reindex(rows).fillna("").to_numpy(), index=idx) + ")")
        left_ru = (ru.pcts(pd.Series(share, index=idx), "ru") + " из "
                   + ru.nums(ext_s, "ru") + " " + ru.plurals(ext_s, "выхода", "выходов", "выходов")
                   + " из него — назад")
        what_ru = fed_ru.where(is_hub & ~is_bounce, left_ru.where(~is_hub, fed_ru + ", и " + left_ru))
        message_ru = "Этап «" + frame["stage"] + "» — отстойник, а не шаг воронки: " + what_ru
        reason = np.select([hub[rows] & bounce[rows], hub[rows]], ["fed-and-left-backwards", "fed-from-many"],
                           default="left-backwards")
        evidence = {
            "entries": pd.Series(ent, index=idx), "sources": pd.Series(src, index=idx),
            "source_stages": pd.Series(source_names.reindex(rows).to_numpy(), index=idx),
            "exits": pd.Series(ext, index=idx), "backward_exits": pd.Series(backs[rows], index=idx),
            "returns": pd.Series(bounced[rows], index=idx),
            "backward_share": pd.Series(np.round(share, 4), index=idx),
            "reason": pd.Series(reason, index=idx),
        }
        return self.findings(frame, entity_type="stage", entity_id=frame["pipeline"] + "/" + frame["stage"],
                             message=message, message_ru=message_ru, evidence=evidence, owner=None)
