"""ST04 vague-loss-reason."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from audit.model import CrmData
from checks import vocab
from audit.model.gauge import Fails, Gauge, Unit
from checks.base import Check, CheckResult, Family, RunContext, Severity
from audit.model import text as ru
from audit.model.params import COUNT, SHARE


class VagueLossReason(Check):
    """Lost deals whose loss reason says nothing ("Other", "Прочее", "Думает", "-"), or one reason covering most losses."""

    code = "ST04"
    name = "vague-loss-reason"
    title_ru = "Причины отказа, которые ничего не объясняют"
    family = Family.STERILE
    severity = Severity.MEDIUM
    gauge = Gauge("share of loss reasons that say nothing",
                  "доля причин отказа, которые ничего не объясняют", Unit.SHARE, Fails.ABOVE)
    evidence_keys = ("lost_reason", "word", "deals", "lost_with_reason", "share", "max_share")
    needs = {"deals": ("status", "lost_reason")}
    params = {"max_top_share": 0.5, "min_lost": 20}
    param_rules = {"max_top_share": SHARE, "min_lost": COUNT}
    rationale = ("A loss reason is there to show what the team keeps losing to. \"Other\", \"Not relevant\" "
                 "or \"Thinking\" fill the required field and explain nothing; and when one reason covers "
                 "most losses it is usually the default value of the list, picked without thinking.")
    rationale_ru = ("Причина отказа нужна, чтобы видеть, чему команда проигрывает раз за разом. «Другое», "
                    "«Не актуально» или «Думает» заполняют обязательное поле, но ничего не объясняют; а если "
                    "одна причина покрывает большинство отказов, обычно это значение по умолчанию, выбранное "
                    "не глядя.")
    fix = ("Replace catch-all values in the loss-reason list with concrete reasons (price, competitor, timing, "
           "no budget, no decision maker) and ask for a comment when \"Other\" is chosen; review the listed deals.")
    fix_ru = ("Замените в списке причин отказа общие значения конкретными (цена, конкурент, сроки, нет бюджета, "
              "нет ЛПР) и требуйте комментарий при выборе «Другое»; разберите перечисленные сделки.")
    todo = "Replace the reason with a concrete one"
    todo_ru = "Замените причину отказа конкретной"
    dated_by = ("deal.closed_at",)

    def run(self, crm: CrmData, ctx: RunContext) -> CheckResult:
        deals = crm.deals
        # Empty reasons are ST03's: only reasons that are there but say nothing count here.
        explained = deals.loc[deals["status"].eq("lost") & deals["lost_reason"].notna(),
                              ["deal_id", "pipeline", "stage", "owner", "lost_reason"]]
        if explained.empty:
            n_lost = int(deals["status"].eq("lost").sum())
            return self.skip(
                f"none of {ru.num(n_lost)} lost deals gives a loss reason: nothing to judge (ST03 reports the empty ones)",
                f"ни у одной из {ru.num(n_lost, 'ru')} {ru.plural(n_lost, 'проигранной сделки', 'проигранных сделок', 'проигранных сделок')} "
                "нет причины отказа: оценивать нечего (пустые причины показывает ST03)")
        # Each distinct reason is judged once; `codes` say which one a deal gave.
        codes, distinct = pd.factorize(explained["lost_reason"])
        distinct = pd.Series(distinct, dtype="str")
        word_of = vocab.vague_reason_word(distinct, ctx.vocab)
        is_vague = word_of.notna().to_numpy()[codes]
        vague = explained[is_vague]
        word = pd.Series(word_of.to_numpy(dtype=object)[codes[is_vague]], index=vague.index, dtype="str")
        message = "loss reason '" + vague["lost_reason"] + "' says nothing about why the deal was lost"
        message_ru = "Причина отказа «" + vague["lost_reason"] + "» ничего не говорит о том, почему сделка проиграна"
        parts = [self.findings(vague, entity_type="deal", message=message, message_ru=message_ru,
                               evidence={"lost_reason": vague["lost_reason"], "word": word})]

        n = len(explained)
        top = _top_reason(distinct, vocab.normalize(distinct), np.bincount(codes, minlength=len(distinct)))
        max_share, min_lost = float(ctx["max_top_share"]), int(ctx["min_lost"])
        dominant = top is not None and n >= min_lost and top.share > max_share
        affected = int(is_vague.sum())
        if dominant:
            affected += int(top.count - top.vague_count(word_of.notna().to_numpy(), codes))
            parts.append(self.findings(
                pd.DataFrame(index=[0]), entity_type="dataset", entity_id="deals",
                message=(f"one loss reason, '{top.reason}', covers {ru.pct(top.share)} of {ru.num(n)} lost deals "
                         "with a reason"),
                message_ru=(f"На одну причину отказа, «{top.reason}», приходится {ru.pct(top.share, 'ru')} из "
                            f"{ru.num(n, 'ru')} "
                            f"{ru.plural(n, 'проигранной сделки', 'проигранных сделок', 'проигранных сделок')} "
                            "с указанной причиной"),
                evidence={"lost_reason": top.reason, "deals": top.count, "lost_with_reason": n,
                          "share": round(top.share, 4), "max_share": max_share},
            ))
        nonempty = [p for p in parts if len(p)]
        findings = pd.concat(nonempty, ignore_index=True) if nonempty else None

        vague_share = len(vague) / n if n else 0.0
        text = (f"{ru.num(len(vague))} of {ru.num(n)} lost deals with a reason ({ru.pct(vague_share)}) give a "
                "reason that says nothing")
        text_ru = (f"{ru.num(len(vague), 'ru')} из {ru.num(n, 'ru')} "
                   f"{ru.plural(n, 'указанной причины отказа', 'указанных причин отказа', 'указанных причин отказа')} "
                   f"({ru.pct(vague_share, 'ru')}) ничего не {ru.plural(len(vague), 'объясняет', 'объясняют', 'объясняют')}")
        if dominant:
            text += f"; '{top.reason}' alone covers {ru.pct(top.share)} of them"
            text_ru += f"; на одну причину «{top.reason}» приходится {ru.pct(top.share, 'ru')} из них"
        elif n < min_lost:
            text += f"; too few to judge whether one reason covers most losses, needs {min_lost}"
            text_ru += f"; слишком мало, чтобы судить, не покрывает ли одна причина большинство отказов (нужно {min_lost})"
        return self.result(findings=findings, metric=round(vague_share, 4), threshold=0.0, message=text,
                           message_ru=text_ru, affected=affected, judged=n)


@dataclass(frozen=True)
class TopReason:
    reason: str              # its commonest spelling
    members: np.ndarray      # distinct spellings (positions) that normalize to it
    count: int
    share: float

    def vague_count(self, vague_by_spelling: np.ndarray, codes: np.ndarray) -> int:
        """Deals giving this reason that are already flagged as vague (not counted twice)."""
        return int(np.isin(codes, self.members[vague_by_spelling[self.members]]).sum())


def _top_reason(distinct: pd.Series, key: pd.Series, counts: np.ndarray) -> TopReason | None:
    """The most frequent reason by normalized text `key` of the distinct spellings ("Цена"
    and "цена." are one reason), with its count and share of all given reasons."""
    if not len(distinct):
        return None
    totals = pd.Series(counts, index=key.to_numpy()).groupby(level=0, sort=False).sum()
    # Deterministic among ties: the larger count, then the alphabetically first text.
    top_n = int(totals.max())
    top_key = min(totals.index[totals.eq(top_n)])
    members = np.flatnonzero(key.eq(top_key).to_numpy())
    spellings = pd.DataFrame({"n": counts[members], "spelling": distinct.iloc[members].to_numpy(dtype=object)})
    spelling = spellings.sort_values(["n", "spelling"], ascending=[False, True])["spelling"].iloc[0]
    return TopReason(reason=str(spelling), members=members, count=top_n, share=top_n / int(counts.sum()))
