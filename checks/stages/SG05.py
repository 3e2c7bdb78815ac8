"""SG05 personal-pipeline."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from audit.model import NO_PIPELINE, CrmData
from checks import vocab
from audit.model.gauge import Fails, Gauge, Unit
from checks.base import Check, CheckResult, Derived, Family, RunContext, Severity
from audit.model import text as ru
from audit.model.params import COUNT, SHARE

# Words of owner names that are not names: accounts such as "Менеджер 3", "Sales Team", "Admin".
GENERIC_WORDS = frozenset([
    "менеджер", "менеджеры", "manager", "managers", "admin", "administrator", "администратор", "sales",
    "продажи", "продаж", "отдел", "отдела", "department", "team", "команда", "группа", "group", "user",
    "пользователь", "bot", "бот", "робот", "support", "поддержка", "office", "офис", "system", "система",
    "integration", "интеграция", "api", "crm", "test", "тест", "общий", "общая", "общие", "shared", "main",
    "основной", "основная", "new", "новый", "новая", "lead", "лиды", "лидов", "head", "руководитель",
    "директор", "director", "account", "аккаунт", "служба", "service", "сервис",
])

# How a name word may appear declined inside a pipeline name ("Воронка Петрова", "Pipeline of
# Smith"): (pattern of the owner's word, how many letters to drop for the stem, endings the stem may take).
_SURNAME_ENDINGS = frozenset(["", "а", "у", "ым", "ом", "е", "ой", "ых", "ыми", "ы"])
_ADJECTIVE_ENDINGS = frozenset(["ий", "ой", "ая", "ого", "ому", "им", "ом", "ую", "ие", "их", "ими", "ей"])
_DECLENSIONS = (
    (re.compile(r"(ов|ев|ин|ын)а$"), 1, _SURNAME_ENDINGS),          # Петрова -> петров + а/ой/у
    (re.compile(r"(ов|ев|ин|ын)$"), 0, _SURNAME_ENDINGS),           # Петров -> петров + а/у/ым
    (re.compile(r"(ск|цк)(ий|ой|ая)$"), 2, _ADJECTIVE_ENDINGS),     # Вишневский -> вишневск + ого
    (re.compile(r"[ая]$"), 1, frozenset(["а", "я", "ы", "и", "е", "у", "ю", "ой", "ей", "ою"])),  # Анна
    (re.compile(r"[йь]$"), 1, frozenset(["й", "ь", "я", "ю", "ем", "е", "и"])),                    # Сергей
    (re.compile(r"[бвгджзклмнпрстфхцчшщ]$"), 0, frozenset(["", "а", "у", "ом", "е", "ым", "ой"])),  # Иван
    (re.compile(r"[a-z]$"), 0, frozenset(["", "s"])),                                             # Smith('s)
)
_ALL_ENDINGS = sorted({e for _p, _d, ends in _DECLENSIONS for e in ends}, key=len, reverse=True)


class PersonalPipeline(Check):
    """Pipelines worked by a single owner, or named after one: funnels split by person, not by business line."""

    code = "SG05"
    name = "personal-pipeline"
    title_ru = "Личные воронки менеджеров"
    family = Family.STAGES
    severity = Severity.MEDIUM
    gauge = Gauge("share of pipelines that belong to one person", "доля личных воронок", Unit.SHARE, Fails.ABOVE)
    verdicts = ("personal",)
    evidence_keys = ("deals", "owners", "top_owner", "top_owner_share", "named_after", "reason")
    needs = {"deals": ("pipeline", "owner")}
    params = {"min_deals": 10, "owner_share": 1.0}
    param_rules = {"min_deals": COUNT, "owner_share": SHARE}
    rationale = ("Pipelines should follow the business (product line, sales process), and managers should be "
                 "compared inside them. A pipeline per manager hides who is strong at which stage, breaks "
                 "when people change, and usually means each keeps their own rules.")
    rationale_ru = ("Воронки строятся по направлениям бизнеса (продукт, процесс продаж), а менеджеров "
                    "сравнивают внутри них. Личная воронка прячет, кто на каком этапе силён, ломается при "
                    "смене сотрудника и обычно означает, что у каждого свои правила.")
    fix = ("Merge personal pipelines into the pipeline of their business line and keep the manager as the "
           "deal owner; compare managers with the per-owner statistics of that pipeline.")
    fix_ru = ("Объедините личные воронки с воронкой их направления, а менеджера оставьте ответственным за "
              "сделку; сравнивайте менеджеров по статистике внутри общей воронки.")
    todo = "Merge into the pipeline of its business line"
    todo_ru = "Объедините с воронкой своего направления"

    def run(self, crm: CrmData, ctx: RunContext) -> CheckResult:
        min_deals, owner_share = int(ctx["min_deals"]), float(ctx["owner_share"])
        stats = ctx.derived.pipeline_owners
        judged = stats[stats["pipeline"] != NO_PIPELINE]
        team = _team(ctx.derived)
        if judged.empty:
            return self.skip("no deal names a pipeline: nothing to judge",
                             "ни у одной сделки не указана воронка: оценивать нечего")
        if len(team) < 2:
            # One person's CRM: every pipeline is "theirs", and there is nobody to split by.
            return self.too_few(len(team), 2, "owner in the data" if len(team) == 1 else "owners in the data", "tell a personal pipeline from a shared one",
                                "менеджеров в данных", "отличить личную воронку от общей", judged=len(judged))
        one_owner = (judged["owned"] >= min_deals) & (judged["main_owner_share"] >= owner_share)
        named = _named_after(judged["pipeline"], team, judged["main_owner"])
        flagged = judged[one_owner | named.notna()].copy()
        flagged["named_after"] = named[flagged.index]
        flagged["one_owner"] = one_owner[flagged.index]
        findings = self._findings(flagged) if len(flagged) else None
        n, k = len(judged), len(flagged)
        share = k / n
        names = ", ".join(f"'{p}'" for p in flagged["pipeline"].head(5)) + ("…" if k > 5 else "")
        text = (f"{k} of {n} pipelines belong to one person: {names}" if k
                else f"none of {n} pipelines is worked by one owner alone or named after one")
        names_ru = ", ".join(f"«{p}»" for p in flagged["pipeline"].head(5)) + ("…" if k > 5 else "")
        text_ru = (f"{k} из {n} {ru.plural(n, 'воронки', 'воронок', 'воронок')} "
                   f"{ru.plural(k, 'принадлежит', 'принадлежат', 'принадлежат')} одному человеку: {names_ru}" if k
                   else f"ни одна из {n} {ru.plural(n, 'воронки', 'воронок', 'воронок')} не ведётся одним менеджером "
                        "и не названа по имени менеджера")
        return self.result(findings=findings, metric=round(share, 4), threshold=0.0, message=text,
                           message_ru=text_ru, judged=n, verdicts=self.verdict_table(findings, personal=True))

    def _findings(self, flagged: pd.DataFrame) -> pd.DataFrame:
        main, main_share = flagged["main_owner"], flagged["main_owner_share"]
        share, deals = ru.pcts(main_share), ru.nums(flagged["owned"])
        whose = ("all " + deals + " deals belong to " + main).where(
            main_share >= 1, share + " of its " + deals + " deals belong to " + main)
        named = "pipeline '" + flagged["pipeline"] + "' is named after owner " + flagged["named_after"]
        single = "pipeline '" + flagged["pipeline"] + "' is worked by one owner: " + whose
        has_name = flagged["named_after"].notna()
        message = single.where(~has_name, named.where(~flagged["one_owner"], named + "; " + whose))
        deals_ru = ru.nums(flagged["owned"], "ru")
        whose_ru = ("все сделки (" + deals_ru + ") ведёт " + main).where(
            main_share >= 1, ru.pcts(main_share, "ru") + " из " + deals_ru + " " + ru.plurals(flagged["owned"], "сделки", "сделок", "сделок")
            + " ведёт " + main)
        named_ru = "Воронка «" + flagged["pipeline"] + "» названа по имени менеджера (" + flagged["named_after"] + ")"
        single_ru = "Воронку «" + flagged["pipeline"] + "» ведёт один менеджер: " + whose_ru
        message_ru = single_ru.where(~has_name, named_ru.where(~flagged["one_owner"], named_ru + "; " + whose_ru))
        owner = flagged["named_after"].where(has_name, main)
        reason = pd.Series(np.select([has_name & flagged["one_owner"], has_name], ["named-and-one-owner", "named"],
                                     default="one-owner"), index=flagged.index)
        return self.findings(flagged, entity_type="pipeline", message=message, message_ru=message_ru,
                             owner=owner, stage=None,
                             evidence={"deals": flagged["owned"], "owners": flagged["owners_count"],
                                       "top_owner": main, "top_owner_share": main_share.round(4),
                                       "named_after": flagged["named_after"], "reason": reason})


def _team(d: Derived) -> list[str]:
    """Every owner name known: deal owners and the users table."""
    names = set(d.flow_index.owners.to_pylist())
    if d.crm.users is not None:
        names |= set(d.crm.users["owner"].dropna().tolist())
    return sorted(n for n in names if n)


def _named_after(pipelines: pd.Series, owners: list[str], top_owner: pd.Series) -> pd.Series:
    """Per pipeline, the owner whose name (any declined form of a name word) appears in it, else NA.
    When several owners match, the one holding most of the pipeline's deals wins, then the first by name."""
    index: dict[str, list[tuple[str, frozenset[str]]]] = {}
    words = vocab.normalize(pd.Series(owners, dtype="str"))
    for owner, normalized in zip(owners, words.fillna("")):
        for word in normalized.split():
            if len(word) < 3 or word in GENERIC_WORDS or not word.isalpha():
                continue
            stem, endings = _declension(word)
            index.setdefault(stem, []).append((owner, endings))
    out = pd.Series(pd.NA, index=pipelines.index, dtype="str")
    if not index:
        return out
    for i, (name, normalized) in enumerate(zip(pipelines, vocab.normalize(pipelines).fillna(""))):
        found = set()
        for word in normalized.split():
            for ending in _ALL_ENDINGS:
                if not word.endswith(ending):
                    continue
                stem = word[:len(word) - len(ending)] if ending else word
                for owner, endings in index.get(stem, ()):
                    if ending in endings:
                        found.add(owner)
        if found:
            top = top_owner.iloc[i]
            out.iloc[i] = top if top in found else min(found)
    return out


def _declension(word: str) -> tuple[str, frozenset[str]]:
    for pattern, drop, endings in _DECLENSIONS:
        if pattern.search(word):
            return (word[:len(word) - drop] if drop else word), endings
    return word, frozenset([""])
