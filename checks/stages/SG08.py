"""SG08 objection-hub-stage."""

from __future__ import annotations

import numpy as np
import pandas as pd

from audit.flow import stage_table
from audit.flowindex import flow_index, group_ends, group_starts, visit_arrays
from audit.model import CrmData
from checks.base import Check, CheckResult, Family, RunContext, Severity

OPEN = 0


class ObjectionHubStage(Check):
    """Stages that deals enter from many stages, or leave backwards often: a state, not a step, whatever the name."""

    code = "SG08"
    name = "objection-hub-stage"
    title_ru = "Этап-«отстойник»"
    family = Family.STAGES
    severity = Severity.MEDIUM
    needs = {"deals": ("stage",), "stage_history": ()}
    params = {"min_sources": 3, "min_source_share": 0.1, "min_entries": 20, "backward_share": 0.3,
              "min_exits": 20}
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

    def run(self, crm: CrmData, ctx: RunContext) -> CheckResult:
        ix, v, st = flow_index(crm), visit_arrays(crm), stage_table(crm)
        k = len(st.keys)
        row = st.position(ix.key(v.pipe, v.stage))
        n = len(row)
        first, last = group_starts(v.deal), group_ends(v.deal)
        prev = np.full(n, -1, dtype=np.int64)
        nxt = np.full(n, -1, dtype=np.int64)
        if n:
            prev[1:] = np.where(first[1:], -1, row[:-1])
            nxt[:-1] = np.where(last[:-1], -1, row[1:])
        kind = np.append(st.kind, -1)  # index -1 -> not a stage
        order = np.append(st.order, np.nan)

        # Entries from another open stage (reopening a closed deal is not a source).
        entry = (row >= 0) & (prev >= 0) & (prev != row) & (kind[prev] == OPEN)
        entries = np.bincount(row[entry], minlength=k)
        pair_codes, pair_n = _count(row[entry] * k + prev[entry], k * k)
        sources = pd.DataFrame({"stage": pair_codes // max(k, 1), "source": pair_codes % max(k, 1), "n": pair_n})
        sources["share"] = sources["n"] / entries[sources["stage"]]
        strong = sources[sources["share"] >= float(ctx["min_source_share"])]
        n_sources = np.bincount(strong["stage"], minlength=k)

        # Exits to another stage; backward = to an earlier open stage. Returns (straight back to the
        # stage it came from) are evidence only: rework loops (C -> B -> C) return too.
        exit_ = (row >= 0) & (nxt >= 0) & (nxt != row)
        back = exit_ & (kind[nxt] == OPEN) & (order[nxt] < order[row])
        returns = exit_ & (nxt == prev)
        exits = np.bincount(row[exit_], minlength=k)
        backs = np.bincount(row[back], minlength=k)
        bounced = np.bincount(row[returns], minlength=k)
        with np.errstate(divide="ignore", invalid="ignore"):
            back_share = np.where(exits > 0, backs / np.maximum(exits, 1), 0.0)

        is_open = st.kind == OPEN
        hub = is_open & (entries >= int(ctx["min_entries"])) & (n_sources >= int(ctx["min_sources"]))
        bounce = is_open & (exits >= int(ctx["min_exits"])) & (back_share >= float(ctx["backward_share"]))
        flagged = np.flatnonzero(hub | bounce)
        findings = None
        if len(flagged):
            findings = self._findings(st, flagged, strong, entries, n_sources, exits, backs, bounced, back_share,
                                      hub, bounce)
        judged = int((is_open & ((entries >= int(ctx["min_entries"])) | (exits >= int(ctx["min_exits"])))).sum())
        text = (f"{len(flagged)} of {judged} open stages with enough traffic behave as a waiting room: fed from "
                f"≥ {ctx['min_sources']} stages or left backwards ≥ {float(ctx['backward_share']):.0%} of the time"
                if len(flagged) else f"all {judged} open stages with enough traffic are steps, not waiting rooms")
        return self.result(findings=findings, metric=round(len(flagged) / judged, 4) if judged else 0.0,
                           threshold=0.0, message=text)

    def _findings(self, st, rows, strong, entries, n_sources, exits, backs, bounced, back_share, hub, bounce):
        names = st.frame["stage"].to_numpy(dtype=object)
        strong = strong[strong["stage"].isin(rows)]
        strong = strong.assign(name=names[strong["source"].to_numpy()])
        listed = strong.sort_values(["stage", "n", "name"], ascending=[True, False, True])
        listed = listed.assign(text=[f"{name} {share:.0%}" for name, share in zip(listed["name"], listed["share"])])
        by_stage = listed.groupby("stage")
        source_text = by_stage["text"].agg(", ".join)
        source_names = by_stage["name"].agg(list)
        frame = st.frame.iloc[rows][["pipeline", "stage"]].reset_index(drop=True)
        idx = frame.index
        ent, src, ext = entries[rows], n_sources[rows], exits[rows]
        share = back_share[rows]
        fed = ("entered from " + pd.Series(src, index=idx).astype(str) + " stages ("
               + pd.Series(source_text.reindex(rows).fillna("").to_numpy(), index=idx) + ")")
        left = (pd.Series(np.round(share * 100).astype(int), index=idx).astype(str) + "% of its "
                + pd.Series(ext, index=idx).astype(str) + " exits go backwards")
        is_hub = pd.Series(hub[rows], index=idx)
        is_bounce = pd.Series(bounce[rows], index=idx)
        what = fed.where(is_hub & ~is_bounce, left.where(~is_hub, fed + " and " + left))
        message = "stage '" + frame["stage"] + "' is a waiting room, not a step: " + what
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
                             message=message, evidence=evidence, owner=None)


def _count(codes: np.ndarray, space: int) -> tuple[np.ndarray, np.ndarray]:
    """Distinct non-negative int codes (sorted) and how often each occurs."""
    if space <= 4_000_000:
        counts = np.bincount(codes, minlength=space)
        present = np.flatnonzero(counts)
        return present, counts[present]
    vc = pd.Series(codes).value_counts().sort_index()
    return vc.index.to_numpy(), vc.to_numpy()
