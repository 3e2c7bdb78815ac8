"""SG04 stage-skip."""

from __future__ import annotations

import numpy as np
import pandas as pd

from audit.derived.flowindex import deal_attr, group_starts, lookup, take_text
from audit.model import NO_PIPELINE, CrmData
from audit.derived.steps import MIN_ORDER_SUPPORT
from audit.model.gauge import Fails, Gauge, Unit
from checks.base import Check, CheckResult, Derived, Family, RunContext, Severity
from audit.model import text as ru
from audit.model.params import COUNT, SHARE, count

OPEN, WON = 0, 1


class StageSkip(Check):
    """Deals moved forward over two or more stages at once, or won straight from the first half of the pipeline."""

    code = "SG04"
    name = "stage-skip"
    title_ru = "Перескок через этапы"
    family = Family.STAGES
    severity = Severity.LOW
    gauge = Gauge("share of forward moves that skip stages",
                  "доля переходов вперёд с пропуском этапов", Unit.SHARE, Fails.ABOVE)
    evidence_keys = ("from_stage", "to_stage", "from_order", "to_order", "skipped_stages", "open_stages",
                     "changed_at", "reason", "flagged_moves")
    needs = {"deals": ("stage",), "stage_history": ()}
    params = {"min_step": 3, "won_from_share": 0.5, "min_support": MIN_ORDER_SUPPORT}
    param_rules = {"min_step": count(2), "won_from_share": SHARE, "min_support": COUNT}
    rationale = ("When deals jump over stages, the work of those stages happened outside the CRM, or the "
                 "stages are not real steps of the sale. Either way the funnel's conversion between stages "
                 "stops meaning anything.")
    rationale_ru = ("Если сделки перепрыгивают через этапы, работа этих этапов шла мимо CRM или сами этапы не "
                    "являются реальными шагами продажи. В обоих случаях конверсия между этапами воронки "
                    "теряет смысл.")
    fix = ("Ask the owners of the listed deals why the stages were skipped: move deals through each stage as "
           "its result is reached, or remove stages that the sales process does not really have.")
    fix_ru = ("Выясните у ответственных, почему этапы пропущены: проводите сделку через каждый этап по мере "
              "достижения его результата или уберите этапы, которых в реальном процессе продаж нет.")
    todo = "Ask why the stages were skipped"
    todo_ru = "Выясните, почему пропущены этапы"
    dated_by = ("changed_at",)

    def run(self, crm: CrmData, ctx: RunContext) -> CheckResult:
        min_step, won_share = float(ctx["min_step"]), float(ctx["won_from_share"])
        ix, st = ctx.derived.flow_index, ctx.derived.stage_table
        step_no, n_steps, trusted = _step_numbers(ctx.derived, int(ctx["min_support"]))
        from_row, to_row = st.position(ix.h_from_key), st.position(ix.h_to_key)  # -1 picks the sentinels
        kind, number = np.append(st.kind, -1), np.append(step_no, np.nan)
        from_kind, to_kind = kind[from_row], kind[to_row]
        from_order, to_order = number[from_row], number[to_row]
        # Won counts as the step after the last open one.
        n_open = n_steps[ix.h_pipe] if len(ix.h_pipe) else np.zeros(0, dtype=np.int64)
        target = np.where(to_kind == WON, n_open + 1, to_order)
        step = target - from_order
        # Moves into or out of a waiting room (unnumbered) are SG08's business, not skips; so are
        # pipelines whose order is a guess.
        judged = trusted[ix.h_pipe] if len(ix.h_pipe) else np.zeros(0, dtype=bool)
        # Moves of deals missing from the deals export link to nothing (HY06 lists them).
        judged &= ix.h_deal < ix.n_deals
        forward = (from_kind == OPEN) & ((to_kind == OPEN) | (to_kind == WON)) & (step > 0) & judged
        skip = forward & (step >= min_step)
        early_won = forward & (to_kind == WON) & (from_order <= n_open * won_share)
        flagged = np.flatnonzero(skip | early_won)

        # One finding per deal: its widest jump (the earliest of equal ones).
        pick = flagged[np.lexsort((ix.h_at[flagged], -step[flagged], ix.h_deal[flagged]))]
        first = group_starts(ix.h_deal[pick])
        per_deal = np.diff(np.append(np.flatnonzero(first), len(pick)))
        worst = pick[first]
        findings = self._findings(ix, worst, per_deal, from_order, target, step, n_open, early_won)
        n_forward, n_flagged = int(forward.sum()), len(flagged)
        unsure = sorted(set(take_text(ix.pipelines, np.unique(ix.h_pipe[~judged & (ix.h_deal < ix.n_deals)]))
                            .dropna()))
        if not n_forward:
            return self.skip(_no_moves(ix, unsure), _no_moves_ru(ix, unsure))
        share = n_flagged / n_forward
        text = (f"{ru.num(len(worst))} deals skipped {int(min_step) - 1} or more stages or were won from the first "
                f"half of the pipeline ({ru.num(n_flagged)} of {ru.num(n_forward)} forward moves, {ru.pct(share)})")
        jump = int(min_step) - 1
        text_ru = (f"сделок, перескочивших через {jump}+ {ru.plural(jump, 'этап', 'этапа', 'этапов')} или выигранных "
                   f"из первой половины воронки: {ru.num(len(worst), 'ru')} ({ru.num(n_flagged, 'ru')} из "
                   f"{ru.num(n_forward, 'ru')} "
                   f"{ru.plural(n_forward, 'перехода', 'переходов', 'переходов')} вперёд, {ru.pct(share, 'ru')})")
        if unsure:
            names = ", ".join("'" + str(p) + "'" for p in unsure[:5])
            text += (f"; not judged: {names}{'…' if len(unsure) > 5 else ''} "
                     f"(stage order neither declared nor clear from history: declare it in crm-audit.toml)")
            names_ru = ", ".join("«без воронки»" if p == NO_PIPELINE else f"«{p}»" for p in unsure[:5])
            text_ru += (f"; не оценивались: {names_ru}{'…' if len(unsure) > 5 else ''} (порядок этапов не задан "
                        "и не ясен из истории: задайте его в crm-audit.toml)")
        return self.result(findings=findings, metric=round(share, 4), threshold=0.0, message=text,
                           message_ru=text_ru, affected=len(worst), judged=n_forward)

    def _findings(self, ix, rows, moves_per_deal, from_order, target, step, n_open, early_won):
        if not len(rows):
            return None
        index = pd.RangeIndex(len(rows))
        frame = pd.DataFrame({
            "deal_id": take_text(ix.deal_ids, ix.h_deal[rows], index),
            "pipeline": take_text(ix.pipelines, ix.h_pipe[rows], index),
            "owner": take_text(ix.owners, deal_attr(ix, ix.deal_owner, ix.h_deal[rows], -1), index),
            "from_stage": take_text(ix.stages, ix.h_from[rows], index),
            "to_stage": take_text(ix.stages, ix.h_to[rows], index),
        })
        won = pd.Series(early_won[rows], index=index)
        skipped = pd.Series((step[rows] - 1).astype(int), index=index)
        from_o = pd.Series(from_order[rows].astype(int), index=index)
        to_o = pd.Series(target[rows].astype(int), index=index)
        total = pd.Series(n_open[rows], index=index).astype(str)
        noun = pd.Series(np.where(skipped == 1, " stage", " stages"), index=index)
        jump = ("moved from '" + frame["from_stage"] + "' (stage " + from_o.astype(str) + " of " + total
                + ") to '" + frame["to_stage"] + "' (stage " + to_o.astype(str) + "), skipping "
                + skipped.astype(str) + noun)
        won_early = ("won straight from '" + frame["from_stage"] + "' (stage " + from_o.astype(str) + " of "
                     + total + " open stages), skipping " + skipped.astype(str) + noun)
        message = won_early.where(won, jump)
        more = pd.Series(moves_per_deal - 1, index=index)
        message = message.where(more == 0, message + "; " + more.astype(str) + " more such moves")
        skipped_ru = (", " + ru.plurals(skipped, "пропущен", "пропущено", "пропущено") + " "
                      + ru.counts(skipped, "этап", "этапа", "этапов"))
        jump_ru = ("Переведена с этапа «" + frame["from_stage"] + "» (" + from_o.astype(str) + " из " + total
                   + ") на этап «" + frame["to_stage"] + "» (" + to_o.astype(str) + ")" + skipped_ru)
        won_ru = ("Выиграна сразу с этапа «" + frame["from_stage"] + "» (" + from_o.astype(str) + " из " + total
                  + " открытых)" + skipped_ru)
        message_ru = won_ru.where(won, jump_ru)
        message_ru = message_ru.where(more == 0, message_ru + "; ещё таких переходов: " + more.astype(str))
        return self.findings(frame, entity_type="deal", message=message, message_ru=message_ru,
                             stage=frame["to_stage"], evidence={
            "from_stage": frame["from_stage"], "to_stage": frame["to_stage"], "from_order": from_o,
            "to_order": to_o, "skipped_stages": skipped, "open_stages": pd.Series(n_open[rows], index=index),
            "changed_at": pd.Series(np.datetime_as_string(ix.h_at[rows].view("datetime64[us]"), unit="s"),
                                    index=index, dtype="str"),
            "reason": pd.Series(np.where(won, "won-early", "skip"), index=index),
            "flagged_moves": pd.Series(moves_per_deal, index=index),
        })


def _no_moves(ix, unsure: list[str]) -> str:
    linked = int((ix.h_deal < ix.n_deals).sum())
    if not linked:
        return (f"none of the {ru.num(len(ix.h_deal))} stage-history rows links to an exported deal: no move to judge"
                if len(ix.h_deal) else "the stage history has no rows: no move to judge")
    names = ", ".join("'" + str(p) + "'" for p in unsure[:5])
    why = (f"; {names}{'…' if len(unsure) > 5 else ''} not judged (stage order "
           "neither declared nor clear from history: declare it in crm-audit.toml)" if unsure else "")
    return f"no forward move between open stages of a known order among {ru.num(linked)} stage changes{why}"


def _no_moves_ru(ix, unsure: list[str]) -> str:
    linked = int((ix.h_deal < ix.n_deals).sum())
    if not linked:
        return (f"ни одна из {ru.num(len(ix.h_deal), 'ru')} строк истории этапов не связана с выгруженной сделкой: "
                "оценивать нечего" if len(ix.h_deal) else "в истории этапов нет строк: оценивать нечего")
    names = ", ".join("«без воронки»" if p == NO_PIPELINE else f"«{p}»" for p in unsure[:5])
    why = (f"; не оценивались: {names}{'…' if len(unsure) > 5 else ''} (порядок этапов не задан и не ясен из "
           "истории: задайте его в crm-audit.toml)" if unsure else "")
    return f"среди смен этапа ({ru.num(linked, 'ru')}) нет переходов вперёд между открытыми этапами известного порядка{why}"


def _step_numbers(d: Derived, min_support: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per stage_table row, the stage's number among its pipeline's real steps (open stages with a
    known order that are not waiting rooms, audit.derived.flow.waiting_rooms), NaN for the rest; per
    pipeline code the number of such steps, and whether its order can be trusted: declared, or
    each step entered after the previous one by at least `min_support` deals.

    Declared stages no deal entered are steps too: a deal that jumps over them skips them."""
    ix, st = d.flow_index, d.stage_table
    steps = d.order_steps
    step_no = _by_row(st, ix.keys_of(steps), steps["step"].to_numpy())
    weak = steps["support"].lt(min_support).to_numpy()
    per_pipe = steps.assign(weak=weak, declared=steps["declared"].astype(bool)).groupby("pipeline").agg(
        n=("step", "size"), weak=("weak", "any"), declared=("declared", "any"))
    codes = lookup(ix.pipelines, pd.Series(per_pipe.index, dtype="str"))
    found = codes >= 0
    n_steps = np.zeros(len(ix.pipelines), dtype=np.int64)
    n_steps[codes[found]] = per_pipe["n"].to_numpy()[found]
    trusted = np.zeros(len(ix.pipelines), dtype=bool)
    trusted[codes[found]] = (per_pipe["declared"] | ~per_pipe["weak"]).to_numpy()[found]
    return step_no, n_steps, trusted


def _by_row(st, keys: np.ndarray, values: np.ndarray) -> np.ndarray:
    """values placed at the stage_table rows of their keys (NaN elsewhere)."""
    out = np.full(len(st.keys), np.nan)
    row = st.position(keys)
    out[row[row >= 0]] = values[row >= 0]
    return out
