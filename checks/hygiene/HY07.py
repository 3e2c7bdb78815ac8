"""HY07 duplicate-deals."""

from __future__ import annotations

import numpy as np
import pandas as pd

from audit.model import CrmData
from audit.model import text as ru
from audit.model.gauge import Fails, Gauge, Unit
from audit.model.params import COUNT, DAYS, FLAG, SHARE
from checks.base import Check, CheckResult, Family, RunContext, Severity
from checks.hygiene._titles import (normalize_party, normalize_titles, party_codes, title_signatures,
                                    title_similarity)
from checks.hygiene._twins import find_twins, similar_title_pairs

# The title and client helpers are part of what HY07 offers (its tests read them here).
__all__ = ["DuplicateDeals", "find_twins", "normalize_party", "normalize_titles", "party_codes",
           "similar_title_pairs", "title_signatures", "title_similarity"]


class DuplicateDeals(Check):
    """Deals that look like a second copy of another: same client, similar title, created while the other was open.

    The twin is the closest earlier deal of the same client (company, else contact) with the
    same or a similar title (`checks.hygiene._twins`).
    """

    code = "HY07"
    name = "duplicate-deals"
    title_ru = "Вероятные дубли сделок"
    family = Family.HYGIENE
    severity = Severity.LOW
    gauge = Gauge("share of deals that look like copies", "доля сделок, похожих на копии", Unit.SHARE, Fails.ABOVE)
    evidence_keys = ("twin_id", "twin_title", "similarity", "days_apart", "matched_on", "party")
    needs = {"deals": ("title", "created_at")}
    # min_similarity: Dice coefficient of the titles' word stems (1 = same words; "Поставка насосов"
    # vs "Поставка насосов (повтор)" = 0.8). window_days: the later deal was created at most this
    # long after the earlier one. same_contact: when both deals of a company name a contact, it must
    # be the same person (two people of one client asking for the same thing are two requests).
    # neighbors: a bound for pathological exports - how many earlier deals of its client and title
    # a deal looks back through, and how many other titles of its client a title is compared with.
    params = {"window_days": 30, "min_similarity": 0.8, "same_contact": True, "neighbors": 20}
    param_rules = {"window_days": DAYS, "min_similarity": SHARE, "same_contact": FLAG, "neighbors": COUNT}
    rationale = ("The same request entered twice (by two managers, or again after a lost import) inflates "
                 "the pipeline and, once one copy is closed as lost, fakes a loss; the funnel counts the "
                 "client twice. A copy is made while the original is still open: a client ordering the same "
                 "thing again after the earlier deal was closed is repeat business, so only a deal created "
                 "while a similar deal of the same client was open (and at most window_days after it) counts; "
                 "two different contacts of one company asking for the same thing are two requests.")
    rationale_ru = ("Одна и та же заявка, заведённая дважды (двумя менеджерами или повторно после "
                    "импорта), раздувает воронку, а когда одну копию закрывают как проигранную — "
                    "создаёт мнимый проигрыш; клиент считается дважды. Копию заводят, пока исходная "
                    "сделка ещё открыта: повторный заказ того же после закрытия прежней сделки — это "
                    "повторные продажи, а не дубль, поэтому учитывается только сделка, созданная, пока "
                    "похожая сделка того же клиента была открыта (и не позже window_days после неё); "
                    "два разных контактных лица одной компании с одинаковой просьбой — две заявки.")
    fix = ("Turn on duplicate control for deals (by company, contact and phone) in the CRM; merge the "
           "listed pairs.")
    fix_ru = ("Включите в CRM контроль дублей сделок (по компании, контакту и телефону); объедините "
              "перечисленные пары.")
    todo = "Merge it with its twin"
    todo_ru = "Объедините с дублем"
    dated_by = ("deal.created_at",)

    def run(self, crm: CrmData, ctx: RunContext) -> CheckResult:
        deals = crm.deals
        window = pd.Timedelta(days=float(ctx["window_days"]))
        threshold = float(ctx["min_similarity"])
        neighbors = int(ctx["neighbors"])
        provided = crm.provided.get("deals", ())
        company = party_codes(deals["company"]) if "company" in provided else None
        contact = party_codes(deals["contact"]) if "contact" in provided else None
        keys = {} if company is None else {"company": company}
        if contact is not None and (company is None or (company < 0).any()):
            keys["contact"] = contact      # a client by contact: only for deals without a company
        if not keys:
            return self.skip("the deals export has neither company nor contact: no client to match deals by",
                             "в выгрузке сделок нет ни компании, ни контакта: сделки не сопоставить по клиенту",
                             ran=False)
        # Deals with a client to match by: the ones the check can judge.
        named = np.zeros(len(deals), dtype=bool)
        for codes in keys.values():
            named |= codes >= 0
        judged = int(named.sum())
        if judged < 2:
            return self.too_few(judged, 2, "deal with a company or contact" if judged == 1
                                else "deals with a company or contact", "look for duplicates",
                                "сделок с компанией или контактом", "искать дубли")
        twin_row, similarity, days, kind, compared = find_twins(
            deals, keys, window, threshold, max(neighbors, 1), contact if bool(ctx["same_contact"]) else None)
        flagged = np.flatnonzero(twin_row >= 0)
        if not len(flagged):
            return self.result(metric=0.0, threshold=0.0, judged=judged,
                               message=f"no likely duplicates among {ru.num(compared)} close pairs of deals",
                               message_ru=f"среди близких пар сделок ({ru.num(compared, 'ru')}) вероятных дублей нет")
        later = deals.iloc[flagged]
        twin = deals.iloc[twin_row[flagged]]
        idx = later.index
        twin_id = pd.Series(twin["deal_id"].to_numpy(), index=idx, dtype=object)
        twin_title = pd.Series(twin["title"].to_numpy(), index=idx, dtype=object)
        days = pd.Series(days[flagged], index=idx).round(1)
        matched = pd.Series(np.array(list(keys), dtype=object)[kind[flagged]], index=idx, dtype=object)
        party = pd.Series(np.where(matched == "company", later["company"].to_numpy(dtype=object),
                                   later["contact"].to_numpy(dtype=object) if "contact" in keys else None),
                          index=idx, dtype=object)
        message = ("likely duplicate of deal " + twin_id + " '" + twin_title + "' (same " + matched + " '"
                   + party.astype(str) + "', created " + ru.nums(days, digits=1) + " days later)")
        same_ru = matched.map({"company": "та же компания", "contact": "тот же контакт"}).fillna(matched)
        message_ru = ("Вероятный дубль сделки " + twin_id + " " + ru.quoted(twin_title) + " (" + same_ru + " "
                      + ru.quoted(party) + ", создана на " + ru.counts(days, "день", "дня", "дней") + " позже)")
        findings = self.findings(later, entity_type="deal", message=message, message_ru=message_ru, evidence={
            "twin_id": twin_id, "twin_title": twin_title, "similarity": pd.Series(similarity[flagged],
                                                                                 index=idx).round(3),
            "days_apart": days, "matched_on": matched, "party": party})
        return self.result(
            findings=findings, metric=round(len(flagged) / len(deals), 4), threshold=0.0,
            message=(f"{ru.num(len(flagged))} deals look like copies of an earlier deal ({ru.num(compared)} close "
                     "pairs compared)"),
            message_ru=(f"сделок, похожих на копию более ранней: {ru.num(len(flagged), 'ru')} (сравнено близких пар: "
                        f"{ru.num(compared, 'ru')})"),
            judged=judged,
        )
