"""ST05 entered-late."""

from __future__ import annotations

import numpy as np
import pandas as pd

from audit.derived.flowindex import NAT, group_starts, take_text
from audit.model import CrmData
from audit.derived.steps import MIN_ORDER_SUPPORT, guessed_pipelines
from audit.model.gauge import Fails, Gauge, Unit
from checks.base import Check, CheckResult, Derived, Family, RunContext, Severity
from checks.links import linked_rows
from audit.model import text as ru
from audit.model.params import COUNT, HOURS, SHARE

# The first visit must be the deal's creation: when the export stores no from_stage, the first
# history row may be a later move and the stage the deal was created in is unknown.
CREATION_GAP_US = 3_600_000_000  # one hour, in microseconds
# Leading visits of unknown order (inbox stages such as amoCRM's "Неразобранное") skipped at most.
MAX_INBOX_VISITS = 3
KIND_CODES = {"open": 0, "won": 1, "lost": 2}


class EnteredLate(Check):
    """Deals first recorded past the first third of their pipeline, or created and won within 24 h.

    Two rules, one finding per deal:

    * late entry (needs stage history): the deal's first recorded stage (its first stage
      visit) has at least `min_skipped_share` of its pipeline's open stages before it (0.33:
      of six open stages a deal may first appear in the first or second), or is a won stage.
      Stage order comes from audit.derived.stage_order (declared, else inferred from the flow). Leading
      visits to stages of unknown order - an inbox such as amoCRM's "Неразобранное" that a
      declared pipeline does not list - are passed over and the next stage counts as the
      entry; an inbox whose order is known (inferred first) is simply stage 1. A deal first recorded as lost is not flagged: recording a
      loss after the fact is the behaviour the audit asks for. Only deals created after the
      history starts, in pipelines the history covers and with `min_open_stages` open
      stages, are judged: older deals may have moved before the export window. A pipeline
      whose order is inferred from fewer than `min_support` deals per step is left out (and
      named): where a stage falls in a guessed order proves nothing. When no history row links
      to an exported deal the rule does not run at all.
    * fast win (needs only deals): status won and closed_at - created_at between 0 and
      `max_hours_to_win` hours - the deal was typed in after it was won. Only when both times
      carry a time of day: a date alone (midnight, or the 23:59:59 ingestion gives a bare close
      date) cannot tell a same-day win from a next-day one (the Maven sample's 158 "within 24 h"
      wins were next-day wins on date-only data).

    `judged` counts the deals either rule could examine; with none, the check is skipped.
    """

    code = "ST05"
    name = "entered-late"
    title_ru = "Сделка заведена задним числом"
    family = Family.STERILE
    severity = Severity.MEDIUM
    gauge = Gauge("share of deals entered late or won at once",
                  "доля сделок, заведённых поздно или сразу выигранными", Unit.SHARE, Fails.ABOVE)
    evidence_keys = ("first_stage", "first_stage_order", "open_stages", "hours_to_win")
    needs = {"deals": ("created_at", "status")}
    params = {"min_skipped_share": 0.33, "min_open_stages": 3, "max_hours_to_win": 24,
              "min_support": MIN_ORDER_SUPPORT}
    param_rules = {"min_skipped_share": SHARE, "min_open_stages": COUNT, "max_hours_to_win": HOURS,
                   "min_support": COUNT}
    rationale = ("A deal that appears in the CRM at the contract stage, or already won, was worked "
                 "somewhere else: in a notebook, a messenger, a spreadsheet. Its early stages, the "
                 "contacts behind them and every lost deal like it never reach the CRM, so the funnel "
                 "shows only the wins.")
    rationale_ru = ("Сделка, которая появляется в CRM сразу на этапе договора или уже выигранной, "
                    "велась где-то ещё: в блокноте, мессенджере, таблице. Её ранние этапы, контакты и "
                    "все похожие проигранные сделки в CRM не попадают, и воронка показывает только победы.")
    fix = ("Create the deal at the first contact, in the first stage; connect mail, telephony and "
           "messengers so the CRM records the work as it happens; ask the listed owners where these "
           "deals were kept before.")
    fix_ru = ("Заводите сделку при первом контакте, на первом этапе; подключите почту, телефонию и "
              "мессенджеры, чтобы CRM фиксировала работу по ходу; спросите менеджеров, где велись "
              "эти сделки до появления в CRM.")
    todo = "Ask where the deal was kept before"
    todo_ru = "Выясните, где сделка велась до CRM"
    dated_by = ("deal.created_at",)

    def run(self, crm: CrmData, ctx: RunContext) -> CheckResult:
        with_history = not crm.missing({"stage_history": ()})
        deals = crm.deals
        won = deals["status"].eq("won")
        hours = pd.Series(np.nan, index=deals.index)
        dated_only = 0  # won deals with both dates, one of them without a time of day
        if won.any() and not crm.missing({"deals": ("closed_at",)}):
            closed, created = _micros(deals["closed_at"]), _micros(deals["created_at"])
            span_h = (closed - created) / 3.6e9
            dated = (closed != NAT) & (created != NAT)
            timed = _has_time_of_day(closed) & _has_time_of_day(created)
            hours = pd.Series(np.where(dated & timed, span_h, np.nan), index=deals.index)
            dated_only = int((won.to_numpy() & dated & ~timed).sum())
        hours = hours.where(won)
        fast = hours.ge(0) & hours.le(float(ctx["max_hours_to_win"]))

        e = pd.DataFrame({"stage": pd.Series(None, index=deals.index, dtype="str"),
                          "kind": pd.Series(None, index=deals.index, dtype="str"),
                          "order": np.nan, "open_stages": np.nan}, index=deals.index)
        late = pd.Series(False, index=deals.index)
        placed = np.zeros(len(deals), dtype=bool)  # deals the late-entry rule could judge
        unlinked = with_history and len(crm.stage_history) and not linked_rows(ctx.derived, "stage_history")
        unsure: list[str] = []
        if with_history and not unlinked:
            found, placed_rows, unsure = _late_entries(ctx.derived, float(ctx["min_skipped_share"]),
                                                       int(ctx["min_open_stages"]), int(ctx["min_support"]))
            placed[placed_rows] = True
            if found is not None:
                rows = found.pop("row")
                late.iloc[rows] = True
                e.iloc[rows] = found[["stage", "kind", "order", "open_stages"]].to_numpy(dtype=object)
                e["order"] = e["order"].astype(float)
                e["open_stages"] = e["open_stages"].astype(float)
        judged = int((placed | hours.notna().to_numpy()).sum())
        if not judged:
            return self.skip(_nothing_to_judge(with_history, unlinked, len(deals), unsure, dated_only),
                             _nothing_to_judge_ru(with_history, unlinked, len(deals), unsure, dated_only))

        flagged_mask = late | fast
        bad = deals[flagged_mask]
        eb, lb, fb, hb = e[flagged_mask], late[flagged_mask], fast[flagged_mask], hours[flagged_mask]
        won_stage = eb["kind"].eq("won")
        late_msg = ("first recorded in stage '" + eb["stage"].astype(str) + "', "
                    + eb["order"].astype("Int64").astype(str) + " of "
                    + eb["open_stages"].astype("Int64").astype(str) + " open stages")
        late_msg = late_msg.where(~won_stage, "first recorded already won ('" + eb["stage"].astype(str) + "')")
        fast_msg = "created and won within " + ru.nums(hb, digits=1) + " h"
        message = late_msg.where(lb, "") + np.where(lb & fb, "; ", "") + fast_msg.where(fb, "")
        late_ru = ("Впервые появилась в CRM на этапе «" + eb["stage"].astype(str) + "» (этап "
                   + eb["order"].astype("Int64").astype(str) + " из "
                   + eb["open_stages"].astype("Int64").astype(str) + " открытых)")
        late_ru = late_ru.where(~won_stage,
                                "Впервые появилась в CRM уже выигранной («" + eb["stage"].astype(str) + "»)")
        fast_ru = "выиграна за " + ru.nums(hb, "ru", 1) + " ч"
        message_ru = (late_ru.where(lb, "") + np.where(lb & fb, "; создана и ", "")
                      + ("Создана и " + fast_ru).where(fb & ~lb, fast_ru.where(fb, "")))
        findings = self.findings(
            bad, entity_type="deal", message=message, message_ru=message_ru,
            evidence={"first_stage": eb["stage"].where(lb),
                      "first_stage_order": eb["order"].where(lb).astype("Int64"),
                      "open_stages": eb["open_stages"].where(lb).astype("Int64"),
                      "hours_to_win": hb.round(2)})

        message, message_ru = _summary(len(bad), judged, int(late.sum()), int(placed.sum()), int(fast.sum()),
                                       int(hours.notna().sum()), ctx["max_hours_to_win"], with_history,
                                       bool(unlinked), unsure, dated_only)
        return self.result(findings=findings, metric=round(len(bad) / judged, 4), threshold=0.0,
                           message=message, message_ru=message_ru, judged=judged)


def _summary(k: int, n: int, late: int, placed: int, fast: int, won: int, max_hours, with_history: bool,
             unlinked: bool, unsure: list[str], dated_only: int = 0) -> tuple[str, str]:
    """The check's message in English and Russian: deals flagged of those judged, per rule."""
    summary = f"{ru.num(k)} of {ru.num(n)} deals judged entered the CRM late or already won"
    if unlinked:
        parts = ["no stage-history row links to an exported deal: only the fast-win rule ran"]
    elif with_history:
        parts = [f"{ru.num(late)} of {ru.num(placed)} first recorded late in the funnel or already won"]
    else:
        parts = ["no stage history: only the fast-win rule ran"]
    parts.append(f"{ru.num(fast)} of {ru.num(won)} won deals created and won within {ru.num(max_hours, digits=1)} h")
    summary_ru = (f"{ru.num(k, 'ru')} из {ru.num(n, 'ru')} {ru.plural(n, 'оценённой сделки', 'оценённых сделок', 'оценённых сделок')} "
                  f"{ru.plural(k, 'заведена', 'заведены', 'заведены')} в CRM поздно или уже "
                  f"{ru.plural(k, 'выигранной', 'выигранными', 'выигранными')}")
    if unlinked:
        parts_ru = ["ни одна строка истории этапов не связана с выгруженной сделкой: проверялись только сделки, "
                    "выигранные сразу после создания"]
    elif with_history:
        parts_ru = [f"впервые появились на позднем этапе или сразу выигранными: {ru.num(late, 'ru')} из "
                    f"{ru.num(placed, 'ru')}"]
    else:
        parts_ru = ["истории этапов нет: проверялись только сделки, выигранные сразу после создания"]
    parts_ru.append(f"созданы и выиграны за {ru.num(max_hours, 'ru', 1)} ч: {ru.num(fast, 'ru')} из "
                    f"{ru.num(won, 'ru')} выигранных")
    if dated_only:
        parts.append(f"{ru.num(dated_only)} won deals with dates but no time of day left out of the "
                     f"{ru.num(max_hours, digits=1)} h rule")
        parts_ru.append(f"выигранных сделок с датами без времени, к которым правило {ru.num(max_hours, 'ru', 1)} ч "
                        f"не применялось: {ru.num(dated_only, 'ru')}")
    if unsure:
        names = ", ".join(f"'{p}'" for p in unsure[:5]) + ("…" if len(unsure) > 5 else "")
        names_ru = ", ".join(f"«{p}»" for p in unsure[:5]) + ("…" if len(unsure) > 5 else "")
        parts.append(f"late entry not judged in {names} (stage order guessed from too few deals: declare it "
                     "in crm-audit.toml)")
        parts_ru.append(f"позднее появление не оценивалось в {names_ru} (порядок этапов выведен по слишком "
                        "малому числу сделок: задайте его в crm-audit.toml)")
    return f"{summary} ({'; '.join(parts)})", f"{summary_ru} ({'; '.join(parts_ru)})"

def _nothing_to_judge(with_history: bool, unlinked: bool, n: int, unsure: list[str], dated_only: int = 0) -> str:
    guessed = (f"; stage order guessed from too few deals in {', '.join(repr(p) for p in unsure[:5])}: declare it "
               "in crm-audit.toml" if unsure else "")
    history = ("no stage-history row links to an exported deal" if unlinked
               else "the stage history places none of them (created before it starts, or in a pipeline whose "
                    f"stage order is unknown){guessed}" if with_history else "no stage history")
    timed = (f"no won deal of {ru.num(n)} has both a creation and a close time of day ({ru.num(dated_only)} carry "
             "dates alone, which cannot tell a same-day win from a next-day one)" if dated_only
             else f"no won deal of {ru.num(n)} has both a creation and a close date")
    return f"{timed}, and {history}"


def _nothing_to_judge_ru(with_history: bool, unlinked: bool, n: int, unsure: list[str], dated_only: int = 0) -> str:
    guessed = (f"; порядок этапов выведен по слишком малому числу сделок в {', '.join(f'«{p}»' for p in unsure[:5])}: "
               "задайте его в crm-audit.toml" if unsure else "")
    history = ("ни одна строка истории этапов не связана с выгруженной сделкой" if unlinked
               else "по истории этапов ни одну не оценить (созданы до её начала или в воронке с неизвестным "
                    f"порядком этапов){guessed}" if with_history else "истории этапов нет")
    if dated_only:
        return (f"ни у одной выигранной из {ru.num(n, 'ru')} {ru.plural(n, 'сделки', 'сделок', 'сделок')} нет времени "
                f"суток у обеих дат, создания и закрытия (только даты: {ru.num(dated_only, 'ru')}, по ним не "
                f"отличить победу в день создания от победы на следующий день), а {history}")
    return (f"ни у одной выигранной из {ru.num(n, 'ru')} {ru.plural(n, 'сделки', 'сделок', 'сделок')} нет одновременно даты "
            f"создания и закрытия, а {history}")


def _late_entries(d: Derived, min_skipped_share: float, min_open_stages: int,
                  min_support: int) -> tuple[pd.DataFrame | None, np.ndarray, list[str]]:
    """Deals whose entry stage is late: columns row (position in crm.deals), stage, kind,
    order, open_stages; the rows of every deal the rule judged; and the pipelines left out
    because their inferred order rests on fewer than `min_support` deals per step. Works on the
    integer-coded visits; text only for the flagged few."""
    ix, va = d.flow_index, d.visit_arrays
    nothing = np.empty(0, dtype=np.int64)
    if not len(ix.h_at) or not ix.n_deals:
        return None, nothing, []
    order = d.stage_order
    if order.empty:
        return None, nothing, []
    unsure = sorted(guessed_pipelines(d, min_support)["pipeline"].tolist())
    order = order[~order["pipeline"].isin(unsure)]
    declared = order["declared"].fillna(False).astype(bool)
    declared_pipes = order.loc[declared, "pipeline"].unique()
    # A stage a declared pipeline does not list (appended by stage_order) has no real place in it.
    known = order["order"].notna() & ~(order["pipeline"].isin(declared_pipes) & ~declared
                                       & order["kind"].eq("open"))
    order = order[known].reset_index(drop=True)
    stage_keys = ix.keys_of(order)
    seen = stage_keys >= 0
    # Dense lookups by stage key (pipelines x stage names: small), so each visit costs O(1).
    n_keys = max(len(ix.pipelines), 1) * max(ix.n_stages, 1)
    order_by_key = np.full(n_keys, np.nan)
    order_by_key[stage_keys[seen]] = order["order"].to_numpy(dtype=float)[seen]
    kind_by_key = np.zeros(n_keys, dtype=np.int8)
    kind_by_key[stage_keys[seen]] = order["kind"].map(KIND_CODES).fillna(0).to_numpy(dtype=np.int8)[seen]
    # Open stages per pipeline code, counting declared stages no deal ever reached.
    pipe_names = take_text(ix.pipelines, np.arange(len(ix.pipelines)))
    open_n = order[order["kind"].eq("open")].groupby("pipeline").size()
    open_by_pipe = pipe_names.map(open_n).fillna(0).to_numpy(dtype=float)

    n_visits = len(va.deal)
    v0 = np.flatnonzero(group_starts(va.deal))
    deal0 = va.deal[v0]
    in_deals = deal0 < ix.n_deals
    created = np.where(in_deals, ix.deal_created[np.where(in_deals, deal0, 0)], NAT)
    # The first visit must be the creation: an implied start stay or a silent deal always is;
    # a first history row is only when it is within CREATION_GAP of created_at.
    is_creation = (va.hist[v0] < 0) | (va.at[v0] - created <= CREATION_GAP_US)
    covered = np.zeros(len(ix.pipelines), dtype=bool)
    covered[ix.h_pipe[ix.h_pipe >= 0]] = True
    pipe0 = va.pipe[v0]
    judged = (in_deals & (created != NAT) & (created >= ix.h_at.min()) & is_creation
              & (pipe0 >= 0) & covered[np.maximum(pipe0, 0)])
    trusted_pipe = ~take_text(ix.pipelines, np.arange(len(ix.pipelines))).isin(unsure).to_numpy()
    judged &= trusted_pipe[np.maximum(pipe0, 0)]
    judged_rows = ix.deal_rows[deal0[judged]]

    # The entry: the first visit of known order, passing over up to MAX_INBOX_VISITS inbox
    # stays. A deal's visits are contiguous, so its next visit is the next position.
    pos, found = v0[judged], []
    for _ in range(MAX_INBOX_VISITS + 1):
        if not len(pos):
            break
        keys = ix.key(va.pipe[pos], va.stage[pos])
        known_order = (keys >= 0) & ~np.isnan(order_by_key[np.maximum(keys, 0)])
        found.append(pos[known_order])
        pos = pos[~known_order] + 1
        pos = pos[pos < n_visits]
        pos = pos[va.deal[pos] == va.deal[pos - 1]]
    entry = np.concatenate(found) if found else np.empty(0, dtype=np.int64)
    keys = ix.key(va.pipe[entry], va.stage[entry])
    orders, kinds = order_by_key[keys], kind_by_key[keys]
    open_stages = open_by_pipe[va.pipe[entry]]
    with np.errstate(divide="ignore", invalid="ignore"):
        skipped = (orders - 1) / open_stages
    late = (kinds == KIND_CODES["won"]) | ((kinds == KIND_CODES["open"]) & (open_stages >= min_open_stages)
                                          & (skipped >= min_skipped_share))
    entry = entry[late]
    if not len(entry):
        return None, judged_rows, unsure
    kind_names = np.array(list(KIND_CODES), dtype=object)
    return pd.DataFrame({"row": ix.deal_rows[va.deal[entry]],
                         "stage": take_text(ix.stages, va.stage[entry]).to_numpy(),
                         "kind": kind_names[kinds[late]], "order": orders[late],
                         "open_stages": open_stages[late]}), judged_rows, unsure


DAY_US = 86_400_000_000
END_OF_DAY_US = DAY_US - 1_000_000  # 23:59:59, how ingestion reads a bare close date beside timed ones


def _has_time_of_day(micros: np.ndarray) -> np.ndarray:
    """True where a timestamp carries a time of day: not midnight, not the end-of-day second."""
    of_day = np.mod(micros, DAY_US)
    return (micros != NAT) & (of_day != 0) & (of_day != END_OF_DAY_US)


def _micros(values: pd.Series) -> np.ndarray:
    return values.astype("datetime64[us]").to_numpy().view(np.int64)
