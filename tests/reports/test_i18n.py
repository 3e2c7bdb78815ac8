"""Every label exists in both languages; sheet names fit Excel."""

import re

import pytest

from reports import i18n
from reports.i18n_pages import PAGE_LABELS


def test_every_label_has_both_languages():
    for key, (en, ru) in i18n.LABELS.items():
        assert en.strip() and ru.strip(), key
        assert set(re.findall(r"{(\w+)}", en)) == set(re.findall(r"{(\w+)}", ru)), key


def test_sheet_names_fit_excel():
    for key in (k for k in i18n.LABELS if k.startswith("sheet.")):
        for lang in i18n.LANGS:
            name = i18n.t(key, lang)
            assert len(name) <= 31 and not set(name) & set("[]:*?/\\"), name


def test_unknown_column_gets_a_readable_header():
    assert i18n.column("deals_now", "ru") == "Сделок сейчас"
    assert i18n.column("findings_sterile", "en") == "Findings: Sterile data"
    assert i18n.column("brand_new_metric", "ru") == "Brand new metric"


@pytest.mark.parametrize("n, lang, word", [(1, "en", "deal"), (5, "en", "deals"), (1, "ru", "сделки"),
                                           (21, "ru", "сделки"), (281, "ru", "сделки"), (11, "ru", "сделок"),
                                           (5, "ru", "сделок"), (8800, "ru", "сделок")])
def test_the_word_after_of_n(n, lang, word):
    """"54 из 281 сделки", not "из 281 сделок": after «из» the count takes the genitive."""
    from reports.common import of_count
    assert of_count(n, "deal", lang) == word


def test_the_pages_labels_repeat_no_key_of_the_others():
    assert not set(i18n._LABELS) & set(PAGE_LABELS)
