import numpy as np
import pandas as pd
import pytest

from checks.base import Status
from checks.hygiene.HY07 import (
    DuplicateDeals,
    normalize_party,
    normalize_titles,
    similar_title_pairs,
    title_signatures,
    title_similarity,
)
from tests.builders import assert_skipped, ctx, deal, flagged_ids, make_crm, run_check


def d(i, company, title, created, contact=None, closed=None):
    status = "open" if closed is None else "lost"
    return deal(i, company=company, contact=contact, title=title, created_at=created, closed_at=closed,
                status=status)


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
    pytest.param([d(1, "Ромашка", "Поставка насосов", "2026-10-01", closed="2026-10-08"),
                  d(2, "Ромашка", "Поставка насосов", "2026-10-12")], [], id="repeat-order-after-close-is-business"),
    pytest.param([d(1, "Ромашка", "Поставка насосов", "2026-10-01", closed="2026-10-20"),
                  d(2, "Ромашка", "Поставка насосов (повтор)", "2026-10-05")], ["2"],
                 id="created-while-the-first-was-open-then-closed"),
    pytest.param([d(1, "Ромашка", "Поставка насосов", "2026-10-01", closed="2026-10-05 12:00"),
                  d(2, "Ромашка", "Поставка насосов", "2026-10-05 12:00")], [], id="closed-the-moment-the-next-came"),
    pytest.param([d(1, "Ромашка", "Поставка насосов", "2026-10-01", contact="Иван Петров"),
                  d(2, "Ромашка", "Поставка насосов", "2026-10-02", contact="Анна Смирнова")], [],
                 id="two-people-of-one-client-are-two-requests"),
    pytest.param([d(1, "Ромашка", "Поставка насосов", "2026-10-01", contact="Иван Петров"),
                  d(2, "Ромашка", "Поставка насосов", "2026-10-02")], ["2"], id="contact-missing-on-one-side"),
    pytest.param([d(1, "Ромашка", "Монтаж котла", "2026-10-01", contact="Иван Петров"),
                  d(2, None, "монтаж котла", "2026-10-02", contact="Иван Петров")], ["2"],
                 id="company-missing-on-one-side-matches-by-contact"),
    pytest.param([d(1, "Ромашка", "альфа бета гамма дельта эпсилон", "2026-10-01"),
                  d(2, "Ромашка", "бета гамма дельта эпсилон зета", "2026-10-02")], ["2"],
                 id="similar-titles-sharing-neither-end-word"),
    pytest.param([d(1, "Ромашка", "Поставка насосов", "2026-10-01"), d(1, "Ромашка", "Поставка насосов", "2026-10-01")],
                 [], id="a-deal-exported-twice-is-no-twin-of-itself"),
    pytest.param([d(1, "Ромашка", "Поставка насосов", None), d(2, "Ромашка", "Поставка насосов", "2026-10-02")], [],
                 id="no-creation-date-no-evidence"),
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


def test_the_twin_is_the_closest_earlier_deal_still_open():
    crm = make_crm([d(1, "Ромашка", "Поставка насосов", "2026-10-01"),
                    d(2, "Ромашка", "Поставка насосов", "2026-10-03", closed="2026-10-04"),
                    d(3, "Ромашка", "Поставка насосов", "2026-10-06")])
    result = run_check(DuplicateDeals, crm)
    assert flagged_ids(result) == ["2", "3"]
    twins = {r["entity_id"]: r["evidence"]["twin_id"] for _, r in result.findings.iterrows()}
    assert twins == {"2": "1", "3": "1"}   # 2 closed before 3 was created: 3 is a copy of 1
    # Looking back one deal only, 3 sees the closed 2 and stops there.
    assert flagged_ids(run_check(DuplicateDeals, crm, neighbors=1)) == ["2"]


def test_the_most_similar_twin_wins_over_a_closer_one():
    crm = make_crm([d(1, "Ромашка", "Поставка насосов", "2026-10-01"),
                    d(2, "Ромашка", "Поставка насосов, повтор", "2026-10-03"),
                    d(3, "Ромашка", "поставка насосов", "2026-10-04")])
    rows = run_check(DuplicateDeals, crm).findings.set_index("entity_id")["evidence"]
    assert (rows["2"]["twin_id"], rows["2"]["similarity"]) == ("1", 0.8)
    assert (rows["3"]["twin_id"], rows["3"]["similarity"], rows["3"]["days_apart"]) == ("1", 1.0, 3.0)


def test_different_contacts_may_be_allowed():
    crm = make_crm([d(1, "Ромашка", "Поставка насосов", "2026-10-01", contact="Иван Петров"),
                    d(2, "Ромашка", "Поставка насосов", "2026-10-02", contact="Анна Смирнова")])
    assert flagged_ids(run_check(DuplicateDeals, crm, same_contact=False)) == ["2"]


def test_a_big_client_ordering_the_same_again_and_again():
    # 300 orders of one title, each closed before the next: repeat business, not 299 copies.
    repeat = [d(i, "Ромашка", "Поставка насосов", f"2026-{1 + i // 30:02d}-{1 + i % 30:02d}",
                closed=f"2026-{1 + i // 30:02d}-{1 + i % 30:02d} 18:00") for i in range(300) if i % 30 < 28]
    assert flagged_ids(run_check(DuplicateDeals, make_crm(repeat))) == []
    # Left open, each one is a copy of the one before.
    still_open = [{**r, "closed_at": None, "status": "open"} for r in repeat]
    assert len(run_check(DuplicateDeals, make_crm(still_open)).findings) == len(repeat) - 1


def test_neighbors_bound_the_comparisons():
    # Each deal looks back through at most `neighbors` earlier deals of its client and title.
    crm = make_crm([d(i, "Ромашка", "Поставка насосов", f"2026-10-01 10:{i:02d}") for i in range(5)])
    assert len(run_check(DuplicateDeals, crm).findings) == 4
    assert len(run_check(DuplicateDeals, crm, neighbors=1).findings) == 4  # chain: each to the previous one


def test_without_company_or_contact_nothing_is_judged():
    crm = make_crm([deal(1, title="A"), deal(2, title="A")])
    assert_skipped(DuplicateDeals().run(crm, ctx(DuplicateDeals, crm)), "neither company nor contact")
    one = make_crm([deal(1, title="A", company="Acme"), deal(2, title="A")])
    assert_skipped(run_check(DuplicateDeals, one), "1 deal with a company or contact: too few to look for duplicates")


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


@pytest.mark.parametrize("threshold", [0.6, 0.8, 0.9])
def test_similar_title_pairs_finds_every_pair_all_pairs_would(threshold):
    # Prefix filtering compares only titles sharing a rare word, yet misses no pair above the threshold.
    rng = np.random.default_rng(7)
    words = ["поставка", "насосов", "монтаж", "котла", "аудит", "сервис", "склад", "тендер", "ремонт", "кабеля"]
    titles = pd.Series([" ".join(rng.choice(words, size=rng.integers(1, 7), replace=False)) for _ in range(120)],
                       dtype="str")
    sig, stems = title_signatures(titles)
    party = np.arange(len(titles)) % 3
    pairs = pd.DataFrame({"party": party, "sig": sig}).drop_duplicates().to_numpy()
    u, v, sim = similar_title_pairs(pairs[:, 0], pairs[:, 1], stems, threshold, neighbors=1000)
    found = {(min(a, b), max(a, b)) for a, b in zip(u, v)}
    i, j = np.triu_indices(len(pairs), k=1)
    same = pairs[i, 0] == pairs[j, 0]
    titles_of = normalize_titles(pd.Series([titles[np.flatnonzero(sig == s)[0]] for s in pairs[:, 1]], dtype="str"))
    every = title_similarity(i[same], j[same], titles_of) >= threshold
    assert found == set(zip(i[same][every], j[same][every])) and found
    assert np.all(sim >= threshold) and np.all(sim < 1)
