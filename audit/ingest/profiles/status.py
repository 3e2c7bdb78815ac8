"""A deal's status (open / won / lost), one step for every profile.

Evidence, strongest first:
1. `[status] won/lost` in crm-audit.toml (the user knows their stages best);
2. the export's own flags (Salesforce IsWon/IsClosed, HubSpot "Is Closed Won" / "Is Deal Closed?",
   Bitrix24's stage group, Pipedrive's status) - a flag may say only "closed";
3. the profile's system final stages ("Closed Won", "Успешно реализовано");
4. a stage name that states an outcome ("Closed: lost", "Won", "Lost - no budget", "Отказ",
   "Закрыто и реализовано") - portals rename their final stages. What was read this way is
   named in an input warning, so a misreading is visible and can be declared away;
5. a deal flagged closed whose stage states nothing: the stage probability corroborates
   (1.0 won, 0.0 lost), else lost (a closed deal that was not won), also named in the warning.
Everything else is open.
"""

from __future__ import annotations

import pandas as pd

from audit.ingest.profiles.base import FinishContext, stage_status
from audit.model import text
from audit.model.warnings import InputWarning

# Order matters: negations first ("не реализовано" before "реализовано"), then won, then lost.
# Text is lowercased with ё -> е; groups are for reading only.
OUTCOME_RULES = [
    (r"не\s*реализ|неуспеш|\bunsuccess|\bnot\s+won\b", "lost"),
    (r"^(closed|закрыт[аоы]?)?\s*[:\-–—(]?\s*(won|win)(?!['’]t)\b|\bwon$|\(won\)", "won"),
    (r"успешн|выигр|^success|реализован[оа]?$|\bclosed\s*[:\-–—(]?\s*(success|sold)\b", "won"),
    (r"^(closed|закрыт[аоы]?)?\s*[:\-–—(]?\s*(lost|lose|abandon\w*|disqualified|dead)\b|\blost$|\(lost\)",
     "lost"),
    (r"проигр|провал|отказ|^fail|\bfailed\b|\bclosed\s*[:\-–—(]?\s*(no\s+deal|rejected|cancel\w*)", "lost"),
]

NAMES_ALWAYS, NAMES_FALLBACK, NAMES_NEVER = "always", "fallback", "never"


def stage_outcome(stages: pd.Series) -> pd.Series:
    """won / lost for stage names that state an outcome, None for the rest."""
    from audit.ingest.values import map_labels
    outcome, _ = map_labels(stages, OUTCOME_RULES)
    return outcome


def deal_status(stages: pd.Series, ctx: FinishContext, *, flags: pd.Series | None = None,
                probability: pd.Series | None = None, names: str = NAMES_ALWAYS,
                what: str = "stage names") -> pd.Series:
    """Status per deal from the evidence listed in the module doc.

    `flags`: per deal "won" / "lost" / "open" / "closed" (outcome unknown) / None (no flag).
    `probability`: the stage's win probability (0..1 or 0..100) that corroborates a closed flag.
    `names`: whether stage names stating an outcome are read: always, only when nothing else
    closed any deal (a CRM whose final stages are fixed), or never (the status is explicit).
    """
    status = stage_status(stages, ctx.declared_won, ctx.declared_lost)
    if flags is not None:
        status = status.fillna(flags)
    todo = status.isna() | status.eq("closed")
    system = stage_status(stages, ctx.system_won, ctx.system_lost)
    status = status.where(~(todo & system.notna()), system)
    todo = status.isna() | status.eq("closed")
    read = pd.Series(False, index=stages.index)
    closed_somehow = status.isin(["won", "lost"]).any()
    if names == NAMES_ALWAYS or (names == NAMES_FALLBACK and not closed_somehow):
        words = stage_outcome(stages)
        read = todo & words.notna()
        status = status.where(~read, words)
    unknown = status.eq("closed")
    corroborated = pd.Series(False, index=stages.index)
    if probability is not None and unknown.any():
        share = pd.to_numeric(probability, errors="coerce")
        share = share.where(share <= 1, share / 100)
        by_share = pd.Series(None, index=stages.index, dtype=object)
        by_share[share.eq(1)] = "won"
        by_share[share.eq(0)] = "lost"
        corroborated = unknown & by_share.notna()
        status = status.where(~corroborated, by_share)
    guessed = status.eq("closed")
    status = status.where(~guessed, "lost").fillna("open")
    if read.any() or guessed.any():
        ctx.warn(_names_warning(stages, status, read, guessed, what))
    return status


def _counts(stages: pd.Series, mask: pd.Series) -> dict[str, int]:
    counts = stages[mask].fillna("(no stage)").value_counts()
    return {str(k): int(v) for k, v in counts.items()}


def _listing(counts: dict[str, int], lang: str = "en") -> str:
    if lang == "ru":
        return ", ".join(f"«{k}» ({text.num(v, 'ru')})" for k, v in counts.items())
    return ", ".join(f"'{k}' ({text.num(v)})" for k, v in counts.items())


def _names_warning(stages: pd.Series, status: pd.Series, read: pd.Series, guessed: pd.Series,
                   what: str) -> InputWarning:
    won = _counts(stages, read & status.eq("won"))
    lost = _counts(stages, read & status.eq("lost"))
    closed = _counts(stages, guessed)
    parts, parts_ru = [], []
    if won:
        parts.append(f"won: {_listing(won)}")
        parts_ru.append(f"выиграны: {_listing(won, 'ru')}")
    if lost:
        parts.append(f"lost: {_listing(lost)}")
        parts_ru.append(f"проиграны: {_listing(lost, 'ru')}")
    if closed:
        parts.append(f"closed with no outcome stated, read as lost: {_listing(closed)}")
        parts_ru.append(f"закрыты без указания исхода, считаются проигранными: {_listing(closed, 'ru')}")
    message = (f"The export has no won/lost flag for these deals: their status was read from {what} "
               f"({'; '.join(parts)}); every other stage is open. If this is wrong, declare the final "
               f"stages in crm-audit.toml: [status] won = [...], lost = [...].")
    message_ru = (f"В выгрузке нет признака «выиграна/проиграна» для этих сделок: статус определён по "
                  f"названиям этапов ({'; '.join(parts_ru)}); остальные этапы считаются открытыми. Если это "
                  f"не так, перечислите финальные этапы в crm-audit.toml: [status] won = [...], lost = [...].")
    return InputWarning(code="status-from-stage-names", message=message, message_ru=message_ru,
                        numbers={"won_stages": won, "lost_stages": lost, "closed_read_as_lost": closed,
                                 "deals": int((read | guessed).sum())})
