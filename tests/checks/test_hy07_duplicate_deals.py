import numpy as np
import pandas as pd
import pytest

from checks.base import Status
from checks.hygiene.HY07 import (
    DuplicateDeals,
    normalize_party,
    normalize_titles,
    title_similarity,
)
from tests.builders import deal, flagged_ids, make_crm, run_check


def d(i, company, title, created, contact=None):
    return deal(i, company=company, contact=contact, title=title, created_at=created)


@pytest.mark.parametrize("deals, expected", [
    pytest.param([d(1, 'ООО "Ромашка"', "Поставка насосов", "2026-10-01"),
                  d(2, "Ромашка, ООО", "поставка  насосов!", "2026-10-05")], ["2"],
                 id="same-company-despite-legal-form-and-punctuation"),
    pytest.param([d(1, "Ромашка", "Поставка насосов", "2026-10-01"),
                  d(2, "Ромашка", "Поставка насосов", "2026-12-01")], [],
                 id="outside-the-date-window-is-a-new-deal"),
    pytest.param([d(1, "Ромашка", "Заказ 1041", "2026-10-01"), d(2, "Ромашка", "Заказ 1042", "2026-10-02")], [],
                 id="titles-differing-in-a-number-are-different-orders"),
    pytest.param([d(1, "Ромашка", "Поставка насосов", "2026-10-01"),
                  d(2, "Лютик", "Поставка насосов", "2026-10-02")], [], id="different-company-is-not-a-duplicate"),
    pytest.param([d(1, "-", "Монтаж", "2026-10-01", contact="Иван Петров"),
                  d(2, None, "монтаж", "2026-10-03", contact="иван  петров")], ["2"],
                 id="placeholder-company-falls-back-to-contact"),
    pytest.param([d(1, "Ромашка", "Поставка насосов", "2026-10-01"),
                  d(2, "Ромашка", "Аудит безопасности", "2026-10-02")], [], id="dissimilar-titles-are-fine"),
    pytest.param([d(1, "Ромашка", "Поставка насосов", "2026-10-01"),
                  d(2, "Ромашка", "Поставка насосов", "2026-10-02"),
                  d(3, "Ромашка", "Поставка насосов", "2026-10-03")], ["2", "3"], id="triplet-gives-two-findings"),
    pytest.param([d(1, "Ромашка", None, "2026-10-01"), d(2, "Ромашка", None, "2026-10-02")], [],
                 id="no-titles-no-evidence"),
    pytest.param([d(1, "Ромашка", "Монтаж", "2026-10-01", contact="Иван Петров"),
                  d(2, "Лютик", "Монтаж", "2026-10-02", contact="Иван Петров")], [],
                 id="same-contact-name-in-two-companies-is-two-people"),
    pytest.param([d(1, "Ромашка", "Поставка насосов", "2026-10-01"),
                  d(2, "Ромашка", "поставки насоса", "2026-10-02")], ["2"], id="word-endings-do-not-matter"),
    pytest.param([d(1, "Ромашка", "Поставка", "2026-10-01")], [], id="one-deal"),
])
def test_duplicate_deals(deals, expected):
    crm = make_crm([*deals, deal(99, company="Zeta", contact="z", title="t", created_at="2026-01-01")])
    result = run_check(DuplicateDeals, crm)
    assert flagged_ids(result) == expected
    assert result.status is (Status.FAIL if expected else Status.PASS)


def test_evidence_names_the_earlier_twin():
    crm = make_crm([d(1, "Ромашка", "Поставка насосов", "2026-10-01"),
                    d(2, "Ромашка", "Поставка насосов (повтор)", "2026-10-04 12:00")])
    row = run_check(DuplicateDeals, crm).findings.iloc[0]
    assert row["entity_id"] == "2"
    assert row["evidence"]["twin_id"] == "1" and row["evidence"]["matched_on"] == "company"
    assert row["evidence"]["days_apart"] == 3.5 and row["evidence"]["similarity"] == 0.8
    assert row["message"] == ("likely duplicate of deal 1 'Поставка насосов' (same company 'Ромашка', "
                              "created 3.5 days later)")


def test_neighbors_bound_the_comparisons():
    # Blocking compares each deal with at most `neighbors` later deals of its block.
    crm = make_crm([d(i, "Ромашка", "Поставка насосов", f"2026-10-01 10:{i:02d}") for i in range(5)])
    assert len(run_check(DuplicateDeals, crm).findings) == 4
    assert len(run_check(DuplicateDeals, crm, neighbors=1).findings) == 4  # chain: each to the previous one


def test_without_company_or_contact_nothing_is_judged():
    crm = make_crm([deal(1, title="A"), deal(2, title="A")])
    result = run_check(DuplicateDeals, crm)
    assert result.status is Status.PASS and "neither company nor contact" in result.message


@pytest.mark.parametrize("raw, key", [
    pytest.param('ООО "Ромашка"', "ромашка", id="legal-form-first"),
    pytest.param("Ромашка, ООО", "ромашка", id="legal-form-last"),
    pytest.param("Acme Inc.", "acme", id="english-form"),
    pytest.param("ООО ИП Ёлкин", "елкин", id="two-forms-and-yo"),
    pytest.param("не указано", None, id="placeholder"),
])
def test_party_normalization(raw, key):
    got = normalize_party(pd.Series([raw], dtype="str")).iloc[0]
    assert (got if pd.notna(got) else None) == key


@pytest.mark.parametrize("a, b, score", [
    pytest.param("Поставка насосов", "насосов поставка", 1.0, id="word-order"),
    pytest.param("Поставка насосов", "Поставки насоса", 1.0, id="word-endings"),
    pytest.param("Поставка насосов", "Поставка насосов, повтор", 0.8, id="one-extra-word"),
    pytest.param("Монтаж", "Монтаж котла", 2 / 3, id="half-the-words"),
    pytest.param("Заказ 1041", "Заказ 1042", 0.0, id="different-numbers-are-different-orders"),
    pytest.param("Заказ 1041", "Заказ 1041 срочно", 0.8, id="same-number"),
    pytest.param("Поставка насосов", "Аудит безопасности", 0.0, id="nothing-shared"),
])
def test_title_similarity(a, b, score):
    titles = normalize_titles(pd.Series([a, b], dtype="str"))
    got = title_similarity(np.array([0, 1]), np.array([1, 0]), titles)
    assert got == pytest.approx([score, score])


def test_title_similarity_of_a_missing_title_is_nan():
    titles = normalize_titles(pd.Series(["Поставка", None, "!!"], dtype="str"))
    got = title_similarity(np.array([0, 0]), np.array([1, 2]), titles)
    assert np.isnan(got).all()
