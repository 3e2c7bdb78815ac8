"""checks.vocab: normalization and the vague-word vocabularies, in Russian and English."""

import pandas as pd
import pytest

from checks import vocab


def one(fn, text, extra=None):
    return fn(pd.Series([text], dtype="str"), extra).iloc[0]


@pytest.mark.parametrize("text, expected", [
    pytest.param("Возражения", "возражения", id="lower"),
    pytest.param("  Ёлки -- Палки!! ", "елки палки", id="yo-punctuation-spaces"),
    pytest.param("Follow-up", "follow up", id="hyphen"),
    pytest.param("follow_up", "follow up", id="underscore"),
    pytest.param("КП   отправлено.", "кп отправлено", id="extra-spaces"),
    pytest.param("n/a", "n a", id="slash"),
    pytest.param("-", "", id="punctuation-only"),
    pytest.param("Этап №2", "этап no2", id="nfkc-numero"),
    pytest.param("Й", "й", id="decomposed-short-i"),
    pytest.param("ＰＥＮＤＩＮＧ", "pending", id="fullwidth"),
])
def test_normalize(text, expected):
    assert vocab.normalize(text) == expected
    assert vocab.normalize(pd.Series([text])).iloc[0] == expected


def test_normalize_keeps_index_and_missing():
    s = pd.Series(["A b", None, "A b"], index=[10, 20, 30])
    out = vocab.normalize(s)
    assert out.index.tolist() == [10, 20, 30]
    assert out[10] == "a b" and out[30] == "a b" and pd.isna(out[20])
    assert vocab.normalize(None) is None


@pytest.mark.parametrize("name", [
    "Возражения", "Возражение", "Возражения клиента", "Отработка возражений", "Работа с возражениями",
    "Думает", "Клиент думает", "Думают", "На раздумье", "Подумать", "Принимают решение",
    "В работе", "В процессе", "В обработке", "Отложено", "Отложенные", "На паузе", "Заморожено",
    "В ожидании", "Ожидание оплаты", "Перезвонить", "Прочее", "Другое", "Разное", "На рассмотрении",
    "Сомневается", "ВОЗРАЖЕНИЯ!!!",
    "Objections", "Objection", "Handling objections", "Thinking", "Thinking it over", "Think",
    "In progress", "Work in progress", "Pending", "Pending approval", "On hold", "Follow-up",
    "Follow up", "Followup", "Follow-ups", "Other", "Others", "Misc", "Misc.", "Miscellaneous",
    "Waiting", "Awaiting reply", "Stalled", "Postponed", "Call back", "Under consideration",
    "Decision pending", "Making a decision",
])
def test_vague_stage_names(name):
    assert one(vocab.is_vague_stage, name), name


@pytest.mark.parametrize("name", [
    # result-stating names, even with a vague word in them
    "Возражения отработаны", "Возражения сняты", "Objections handled", "Objection resolved",
    "КП отправлено", "Follow-up sent", "Other products: contract signed",
    # ordinary result-named and standard stages
    "Первичный контакт", "Квалификация пройдена", "Договор подписан", "Счёт выставлен",
    "Встреча назначена", "Proposal sent", "Qualification", "Needs Analysis", "Id. Decision Makers",
    "Proposal/Price Quote", "Negotiation/Review", "Closed Won", "Closed Lost", "Prospecting",
    "Working - Contacted", "Переговоры", "Рекомендация друга", "Another step", "Mother company",
    "Прочность проверена",
    # inboxes are not funnel stages
    "Неразобранное", "Неразобранные", "Unsorted", "Incoming leads", "Входящие заявки",
])
def test_not_vague_stage_names(name):
    assert not one(vocab.is_vague_stage, name), name


@pytest.mark.parametrize("name, word", [
    pytest.param("Возражения клиента", "возражения", id="ru-noun"),
    pytest.param("Клиент думает", "думает", id="ru-verb"),
    pytest.param("Thinking it over", "thinking", id="en-ing"),
    pytest.param("Follow-up", "follow up", id="en-hyphen"),
    pytest.param("В работе", "в работе", id="ru-phrase"),
])
def test_vague_stage_word(name, word):
    assert one(vocab.vague_stage_word, name) == word


@pytest.mark.parametrize("name, expected", [
    pytest.param("Неразобранное", True, id="amocrm-ru"),
    pytest.param("Incoming leads", True, id="kommo-en"),
    pytest.param("Unsorted", True, id="amocrm-en-old"),
    pytest.param("Новая заявка", False, id="first-stage"),
    pytest.param("Incoming leads qualified", False, id="whole-name-only"),
])
def test_inbox_stage(name, expected):
    assert one(vocab.is_inbox_stage, name) == expected


@pytest.mark.parametrize("name, expected", [
    pytest.param("КП отправлено", True, id="ru-participle-neuter"),
    pytest.param("Возражения отработаны", True, id="ru-participle-plural"),
    pytest.param("Отработанные возражения", True, id="ru-full-participle"),
    pytest.param("Отработка возражений", False, id="ru-process-noun"),
    pytest.param("Согласование договора", False, id="ru-process-noun-2"),
    pytest.param("Objections handled", True, id="en"),
    pytest.param("Handling objections", False, id="en-process"),
])
def test_result_stage(name, expected):
    assert one(vocab.is_result_stage, name) == expected


@pytest.mark.parametrize("reason", [
    "Другое", "другое.", "Прочее", "Иное", "-", "—", "?", "...", "0", "x", "Нет", "нет", "n/a", "N/A",
    "NA", "none", "No", "Other", "other reason", "Other reasons", "Misc", "Unknown", "Не указано",
    "Думает", "Клиент думает", "Подумает", "На раздумье", "Не актуально", "Неактуально",
    "Потеряла актуальность", "Не интересно", "Клиент отказался", "Отказ", "Отказ клиента",
    "По другой причине", "Без причины", "Не знаю", "Not interested", "Not relevant", "Refused",
    "Lost", "No reason", "I'll think about it", "Customer changed his mind", "Передумал",
])
def test_vague_reasons(reason):
    assert one(vocab.is_vague_reason, reason), reason


@pytest.mark.parametrize("reason", [
    "Цена", "Дорого", "Купили у конкурента", "Нет бюджета", "Нет ЛПР", "Выбрали другого поставщика",
    "Другое: купили у конкурента дешевле", "Сроки поставки не устроили", "Не прошли по техническим требованиям",
    "Price too high", "Chose a competitor", "No budget", "Other vendor was cheaper", "Timing", "Went with Acme",
    "Отказ от закупки из-за сокращения бюджета", "Дубль",
])
def test_reasons_that_say_something(reason):
    assert not one(vocab.is_vague_reason, reason), reason


def test_missing_reason_is_not_vague():
    """Empty reasons are ST03's."""
    assert not vocab.is_vague_reason(pd.Series([None, float("nan")])).any()


def test_wordless_reason_word_is_empty_text():
    assert one(vocab.vague_reason_word, "---") == ""
    assert one(vocab.vague_reason_word, "Другое") == "другое"
    assert pd.isna(one(vocab.vague_reason_word, "Цена"))


@pytest.mark.parametrize("text", [
    "Подумаю", "клиент сказал: подумаю", "Клиент подумает до пятницы", "Обещал подумать", "Думает",
    "Взял паузу", "Взяли время подумать", "На раздумье", "Перезвоню сам", "Сам перезвонит", "Свяжется позже",
    "Посоветуется с женой", "Обсудит с руководством", "Пока не готовы", "Даст ответ позже",
    "I'll think about it", "I’ll think about it", "Will think it over", "Thinking it over",
    "need to think", "Needs some time", "Let me think", "Will get back to you", "I'll get back to you",
    "Need to discuss internally", "Will call you back", "Maybe later", "Will revert", "Client is considering",
    "Let me sleep on it",
])
def test_think_it_over(text):
    assert one(vocab.says_think_it_over, text), text


@pytest.mark.parametrize("text", [
    "Отправил КП", "Договор подписан", "Перезвонить через неделю", "Назначена встреча", "Счёт оплачен",
    "Не дозвонился", "Sent proposal", "Contract signed", "Left voicemail", "Demo scheduled", "Call back",
    "Thanks for the meeting", "", None,
])
def test_not_think_it_over(text):
    assert not one(vocab.says_think_it_over, text), text


@pytest.mark.parametrize("fn, list_name, text", [
    pytest.param(vocab.is_vague_stage, "vague_stages", "Ждём оплату", id="vague-stage-addition"),
    pytest.param(vocab.is_vague_reason, "vague_reasons", "Не подошло", id="vague-reason-addition"),
    pytest.param(vocab.says_think_it_over, "think_it_over", "Обещал вернуться", id="think-addition"),
    pytest.param(vocab.is_inbox_stage, "inbox_stages", "Заявки с сайта", id="inbox-addition"),
])
def test_config_additions(fn, list_name, text):
    assert not one(fn, text)
    assert one(fn, text, {list_name: ("ждем оплат*", "не подошло", "обещал вернуться", "заявки с сайта")})


def test_config_additions_use_word_forms():
    extra = {"vague_stages": ("Ждём оплаты",)}
    assert one(vocab.is_vague_stage, "Ждем оплату", extra)


def test_result_addition_unflags_a_vague_name():
    """A team declares a name the built-in list calls vague by adding it to result_stages."""
    name = "Ожидание оплаты"
    assert one(vocab.is_vague_stage, name)
    assert not one(vocab.is_vague_stage, name, {"result_stages": ("ожидание оплаты",)})


def test_series_api_maps_uniques_back():
    names = pd.Series(["Думает", None, "Proposal sent", "Думает", "думает!"], index=list("abcde"))
    assert vocab.is_vague_stage(names).tolist() == [True, False, False, True, True]
    assert vocab.is_vague_stage(names).index.tolist() == list("abcde")
    assert vocab.is_vague_stage(pd.Series([], dtype="str")).empty
    assert not vocab.is_vague_stage(pd.Series([None, None])).any()
    # object dtype input is accepted too
    assert vocab.is_vague_stage(pd.Series(["Pending"], dtype=object)).tolist() == [True]
