"""ST04 vague-loss-reason."""

from __future__ import annotations

import pandas as pd

from audit.model import CrmData
from checks import vocab
from checks.base import Check, CheckResult, Family, RunContext, Severity


class VagueLossReason(Check):
    """Lost deals whose loss reason says nothing ("Other", "Прочее", "Думает", "-"), or one reason covering most losses."""

    code = "ST04"
    name = "vague-loss-reason"
    title_ru = "Причины отказа, которые ничего не объясняют"
    family = Family.STERILE
    severity = Severity.MEDIUM
    needs = {"deals": ("status", "lost_reason")}
    params = {"max_top_share": 0.5, "min_lost": 20}
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

    def run(self, crm: CrmData, ctx: RunContext) -> CheckResult:
        deals = crm.deals
        # Empty reasons are ST03's: only reasons that are there but say nothing count here.
        explained = deals[deals["status"].eq("lost") & deals["lost_reason"].notna()]
        word = vocab.vague_reason_word(explained["lost_reason"], ctx.vocab)
        vague = explained[word.notna()]
        word = word[word.notna()]
        message = "loss reason '" + vague["lost_reason"] + "' says nothing about why the deal was lost"
        parts = [self.findings(vague, entity_type="deal", message=message,
                               evidence={"lost_reason": vague["lost_reason"], "word": word})]

        n = len(explained)
        key = vocab.normalize(explained["lost_reason"])
        top = _top_reason(explained["lost_reason"], key)
        max_share, min_lost = float(ctx["max_top_share"]), int(ctx["min_lost"])
        dominant = top is not None and n >= min_lost and top[3] > max_share
        affected = pd.Series(explained.index.isin(vague.index), index=explained.index)
        if dominant:
            reason, top_key, count, share = top
            affected |= key.eq(top_key)
            parts.append(self.findings(
                pd.DataFrame(index=[0]), entity_type="dataset", entity_id="dataset",
                message=f"one loss reason, '{reason}', covers {share:.0%} of {n} lost deals with a reason",
                evidence={"lost_reason": reason, "deals": count, "lost_with_reason": n,
                          "share": round(share, 4), "max_share": max_share},
            ))
        nonempty = [p for p in parts if len(p)]
        findings = pd.concat(nonempty, ignore_index=True) if nonempty else None

        vague_share = len(vague) / n if n else 0.0
        text = f"{len(vague)} of {n} lost deals with a reason ({vague_share:.0%}) give a reason that says nothing"
        if dominant:
            text += f"; '{top[0]}' alone covers {top[3]:.0%} of them"
        return self.result(findings=findings, metric=round(vague_share, 4), threshold=0.0, message=text,
                           affected=int(affected.sum()))


def _top_reason(reasons: pd.Series, key: pd.Series) -> tuple[str, str, int, float] | None:
    """The most frequent reason by normalized text `key` ("Цена" = "цена."): its commonest
    spelling, its key, its count and its share of all given reasons; None when there are none."""
    counts = key.value_counts()
    if counts.empty:
        return None
    # Deterministic among ties: the larger count, then the alphabetically first text.
    counts = counts.rename_axis("key").reset_index(name="n").sort_values(["n", "key"], ascending=[False, True])
    top_key, top_n = counts["key"].iloc[0], int(counts["n"].iloc[0])
    spellings = reasons[key.eq(top_key)].value_counts()
    spelling = sorted(spellings[spellings.eq(spellings.max())].index)[0]
    return str(spelling), str(top_key), top_n, top_n / len(reasons)
