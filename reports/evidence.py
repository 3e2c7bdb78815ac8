"""A finding's evidence in words, in the report's language.

Checks keep the numbers behind a finding as a dict of fields (`{"closed": 155, "lost_share":
0.058}`: the JSON carries it as it is). A reader gets them as a phrase: "closed deals: 155 ·
lost share: 5.8%" / "закрытых сделок: 155 · доля проигрышей: 5,8 %". Every field a check writes
has a label and a kind here (a test checks it); fields the message already says in words
(rule and reason codes) or that only a machine needs (a p-value beside its corrected q-value)
are left out.
"""

from __future__ import annotations

from pathlib import PurePath
from typing import Any, Callable, Mapping

import pandas as pd

from audit.model import text
from audit.model.text import column_word
from reports import i18n

HIDE = "hide"
# field -> (English label, Russian label, kind). Kinds: int, num (2 decimals at most), pct (a
# share), days, hours, minutes, date, datetime, text, list, quoted (a name from the CRM),
# table, column, columns, status, kind, type, matched, file, ids, chance, HIDE.
FIELDS: Mapping[str, tuple[str, str, str]] = {
    # deals and outcomes
    "closed": ("closed deals", "закрытых сделок", "int"),
    "won": ("won", "успешных", "int"),
    "lost": ("lost", "проигранных", "int"),
    "lost_share": ("lost share", "доля проигрышей", "pct"),
    "team_lost_share": ("the rest of the team loses", "остальная команда проигрывает", "pct"),
    "deals": ("deals", "сделок", "int"),
    "owner_deals": ("his deals", "его сделок", "int"),
    "pipeline_deals": ("deals in the pipeline", "сделок в воронке", "int"),
    "deals_now": ("deals there now", "сделок на этапе сейчас", "int"),
    "open_deals_now": ("open deals there now", "открытых сделок на этапе", "int"),
    "amount": ("amount", "сумма", "num"),
    "currency": ("currency", "валюта", "text"),
    "status": ("status", "статус", "status"),
    "stage_kind": ("the stage means", "этап означает", "status"),
    "kind": ("stage kind", "тип этапа", "kind"),
    "lost_reason": ("loss reason", "причина отказа", "quoted"),
    "lost_with_reason": ("lost deals with a reason", "проигранных с причиной", "int"),
    "share": ("share", "доля", "pct"),
    "max_share": ("allowed share", "допустимая доля", "pct"),
    "word": ("the words that say nothing", "размытые слова", "quoted"),
    "phrase": ("phrase", "фраза", "quoted"),
    # dates and durations
    "created_at": ("created", "создана", "datetime"),
    "closed_at": ("closed", "закрыта", "datetime"),
    "deal_created_at": ("deal created", "сделка создана", "datetime"),
    "deal_closed_at": ("deal closed", "сделка закрыта", "datetime"),
    "changed_at": ("moved", "переход", "datetime"),
    "previous_change_at": ("previous change", "предыдущая смена этапа", "datetime"),
    "entered_stage_at": ("in the stage since", "на этапе с", "datetime"),
    "last_activity_at": ("last activity", "последняя активность", "datetime"),
    "last_contact_at": ("last contact", "последний контакт", "datetime"),
    "last_moved_at": ("last stage change", "последняя смена этапа", "datetime"),
    "last_entered_at": ("last entered", "последний вход", "datetime"),
    "at": ("when", "когда", "datetime"),
    "first_at": ("first", "первая", "datetime"),
    "last_at": ("last", "последняя", "datetime"),
    "as_of": (HIDE, HIDE, HIDE),  # the audit's date, on every page's header
    "cycle_days": ("cycle", "цикл", "days"),
    "days_in_stage": ("in the stage", "на этапе", "days"),
    "stage_median_days": ("usual stay in the stage", "обычно на этапе", "days"),
    "limit_days": ("limit", "предел", "days"),
    "days_silent": ("without contact", "без контакта", "days"),
    "min_days": ("counted from", "считается от", "days"),
    "days_without_move": ("without a stage change", "без смены этапа", "days"),
    "days_outside": ("outside the deal's life", "вне срока сделки", "days"),
    "days_before_creation": ("before creation", "до создания", "days"),
    "days_apart": ("apart", "между сделками", "days"),
    "period_days": ("period", "период", "days"),
    "hours_to_win": ("hours from creation to won", "часов от создания до успеха", "hours"),
    "minutes": ("within", "за", "minutes"),
    # stages and moves
    "stage": ("stage", "этап", "quoted"),
    "first_stage": ("first recorded stage", "первый записанный этап", "quoted"),
    "first_stage_order": ("its place", "его номер", "int"),
    "open_stages": ("open stages", "открытых этапов", "int"),
    "from_stage": ("from", "из", "quoted"),
    "to_stage": ("to", "в", "quoted"),
    "from_order": ("from stage no.", "из этапа №", "int"),
    "to_order": ("to stage no.", "в этап №", "int"),
    "skipped_stages": ("stages skipped", "пропущено этапов", "int"),
    "flagged_moves": ("such moves", "таких переходов", "int"),
    "order": ("place in the pipeline", "номер в воронке", "int"),
    "stage_completed_stays": ("stays the usual time rests on", "пребываний в расчёте", "int"),
    "entries": ("entries", "входов", "int"),
    "sources": ("entered from stages", "входов из этапов", "int"),
    "source_stages": ("entered from", "входят из", "list"),
    "exits": ("exits", "выходов", "int"),
    "backward_exits": ("exits going back", "выходов назад", "int"),
    "backward_share": ("share going back", "доля выходов назад", "pct"),
    "returns": ("returns", "возвратов", "int"),
    "stage_changes": ("stage changes", "смен этапа", "int"),
    "activities_since_previous": ("activities since the previous change", "активностей с прошлой смены этапа",
                                  "int"),
    "first_change": (HIDE, HIDE, HIDE),   # the message says "since the deal was created"
    # pipelines
    "owners": ("managers", "менеджеров", "int"),
    "top_owner": ("main manager", "основной менеджер", "text"),
    "top_owner_share": ("his share", "его доля", "pct"),
    "named_after": ("named after", "названа по", "text"),
    "twin": ("twin pipeline", "воронка-двойник", "quoted"),
    "twins": ("twin pipelines", "воронки-двойники", "list"),
    "similarity": ("similarity", "сходство", "pct"),
    "shared_stages": ("shared stages", "общих этапов", "int"),
    "stages": ("its stages", "её этапов", "int"),
    "twin_stages": ("the twin's stages", "этапов у двойника", "int"),
    "pipeline_agreement": ("deals agreeing with their stage", "сделок, согласных с этапом", "pct"),
    # activities and managers
    "activities": ("activities", "активностей", "int"),
    "activities_per_deal": ("activities per deal", "активностей на сделку", "num"),
    "team_median": ("team median", "медиана команды", "num"),
    "team_mad": (HIDE, HIDE, HIDE),
    "z": ("distance below the team, in typical spreads", "отставание от команды, в типичных разбросах", "num"),
    "owner_activities": ("his activities", "его активностей", "int"),
    "other_owners": ("other managers", "других менеджеров", "int"),
    "team_users_share": ("of them using it", "из них пользуются", "pct"),
    "team_type_share": ("its share of their activities", "доля в их активностях", "pct"),
    "type": ("channel", "канал", "type"),
    "activity_owner": ("logged by", "внёс", "text"),
    "activity_id": ("activity id", "ID активности", "text"),
    "last_contact": ("last contact said", "в последнем контакте", "quoted"),
    "deal_id": ("deal", "сделка", "text"),
    "synthetic_id": (HIDE, HIDE, HIDE),   # the message says the id was made up
    "records": ("records", "записей", "int"),
    "sample_ids": ("for example", "например", "ids"),
    "table": ("table", "таблица", "table"),
    # the phone system's call log (OF07-OF09)
    "calls": ("calls", "звонков", "int"),
    "unlogged_calls": ("calls left out of the CRM", "звонков без следа в CRM", "int"),
    "logged_calls": ("calls logged", "звонков с записью в CRM", "int"),
    "unlogged_talk_min": ("talk left out", "разговоров без следа", "minutes"),
    "talk_min": ("talk", "разговоров", "minutes"),
    "talk_min_before": ("talk before the deal", "разговоров до сделки", "minutes"),
    "calls_before": ("calls before the deal", "звонков до сделки", "int"),
    "first_call": ("first call", "первый звонок", "datetime"),
    "last_call": ("last call", "последний звонок", "datetime"),
    "days_before": ("before the deal", "до сделки", "days"),
    "managers_on_calls": ("managers on the calls", "менеджеры в звонках", "list"),
    "numbers": ("numbers", "номеров", "int"),
    "phone_numbers": ("for example", "например", "ids"),
    "window_h": ("counted within", "учитывается в пределах", "hours"),
    "min_talk_s": ("calls counted from", "учитываются звонки от", "seconds"),
    "min_calls": ("numbers counted from", "номера учитываются от", "calls"),
    # funnel statistics
    "n": ("his deals at the stage", "его сделок на этапе", "int"),
    "advanced": ("moved on", "перешли дальше", "int"),
    "owner_rate": ("his conversion", "его конверсия", "pct"),
    "team_n": ("the team's deals at the stage", "сделок команды на этапе", "int"),
    "team_advanced": ("the team's moved on", "у команды перешли дальше", "int"),
    "team_rate": ("the team's conversion", "конверсия команды", "pct"),
    "p_value": (HIDE, HIDE, HIDE),        # the corrected q-value below says it
    "q_value": ("chance this is a fluke", "вероятность случайности", "chance"),
    # leads
    "leads": ("leads", "лидов", "int"),
    "disqualified": ("disqualified", "дисквалифицировано", "int"),
    "converted": ("converted", "конвертировано", "int"),
    "finished": ("worked through", "отработано", "int"),
    "conversion": ("conversion", "конверсия", "pct"),
    # hygiene
    "missing": ("missing", "не заполнено", "columns"),
    "rules": (HIDE, HIDE, HIDE),          # the message names each broken rule in words
    "reason": (HIDE, HIDE, HIDE),         # likewise the reason code of SG04, SG05, SG08
    "rows": ("rows with this id", "строк с этим ID", "int"),
    "source_rows": ("rows in the file", "строки в файле", "ids"),
    "row": ("row in the file", "строка в файле", "int"),
    "file": ("file", "файл", "file"),
    "column": ("field", "поле", "column"),
    "source_column": ("column in the export", "колонка в выгрузке", "quoted"),
    "raw": ("value as exported", "значение в выгрузке", "quoted"),
    "twin_id": ("twin deal", "сделка-дубль", "text"),
    "twin_title": ("its title", "её название", "quoted"),
    "matched_on": ("same", "совпадает", "matched"),
    "party": ("client", "клиент", "quoted"),
}

MATCHED = {"company": ("company", "компания"), "contact": ("contact", "контакт")}
ACTIVITY_TYPES = {"call": ("call", "звонок"), "email": ("e-mail", "письмо"), "meeting": ("meeting", "встреча"),
                  "message": ("message", "сообщение"), "task": ("task", "задача"), "note": ("note", "заметка"),
                  "other": ("other", "другое")}
MAX_IDS = 5


def _pair(pairs: Mapping[str, tuple[str, str]], value: Any, lang: str) -> str:
    words = pairs.get(str(value))
    return words[1 if lang == "ru" else 0] if words else str(value)


def _quoted(value: Any, lang: str) -> str:
    return f"«{value}»" if lang == "ru" else f"'{value}'"


def _ids(value: Any, lang: str) -> str:
    items = list(value) if isinstance(value, (list, tuple)) else [value]
    shown = ", ".join(str(v) for v in items[:MAX_IDS])
    return shown + (" …" if len(items) > MAX_IDS else "")


def _chance(value: Any, lang: str) -> str:
    # A corrected p-value: "far below the team, not by chance" in the message; here the number.
    return text.pct(value, lang) if float(value) >= 0.001 else ("<" + text.pct(0.001, lang, 1))


_FORMAT: Mapping[str, Callable[[Any, str], str]] = {
    "int": lambda v, lang: text.num(v, lang),
    "num": lambda v, lang: text.num(v, lang, 2),
    "pct": lambda v, lang: text.pct(v, lang),
    "days": lambda v, lang: text.num(v, lang, 1) + (" дн." if lang == "ru" else " days"),
    "hours": lambda v, lang: text.num(v, lang, 1) + (" ч" if lang == "ru" else " h"),
    "minutes": lambda v, lang: text.num(v, lang, 1) + (" мин" if lang == "ru" else " min"),
    "seconds": lambda v, lang: text.num(v, lang) + (" с" if lang == "ru" else " s"),
    "calls": lambda v, lang: (text.count(v, "звонка", "звонков", "звонков") if lang == "ru"
                              else text.en_count(v, "call", "calls")),
    "date": lambda v, lang: text.date(v, lang),
    "datetime": lambda v, lang: text.date(v, lang, with_time=True),
    "text": lambda v, lang: str(v),
    "quoted": _quoted,
    "list": lambda v, lang: ", ".join(str(x) for x in v) if isinstance(v, (list, tuple)) else str(v),
    "ids": _ids,
    "table": lambda v, lang: i18n.table(v, lang),
    "column": column_word,
    "columns": lambda v, lang: ", ".join(column_word(x, lang) for x in (v if isinstance(v, (list, tuple)) else [v])),
    "status": lambda v, lang: i18n.maybe(f"kind.{v}", lang, str(v)),
    "kind": lambda v, lang: i18n.maybe(f"kind.{v}", lang, str(v)),
    "type": lambda v, lang: _pair(ACTIVITY_TYPES, v, lang),
    "matched": lambda v, lang: _pair(MATCHED, v, lang),
    "file": lambda v, lang: PurePath(str(v)).name,
    "chance": _chance,
}


def evidence_words(evidence: Any, lang: str = "en") -> str | None:
    """The evidence as a phrase in `lang`: "closed deals: 155 · lost share: 5.8%"; None when empty.
    A field this table does not know yet is shown with its name in words (never silently dropped)."""
    if not isinstance(evidence, Mapping):
        return None if evidence is None or evidence == "" else str(evidence)
    parts = []
    for key, value in evidence.items():
        if value is None or (isinstance(value, float) and value != value):
            continue
        en, ru, kind = FIELDS.get(key, (str(key).replace("_", " "), str(key).replace("_", " "), "text"))
        if kind == HIDE:
            continue
        try:
            shown = _FORMAT[kind](value, lang)
        except (TypeError, ValueError):
            shown = str(value)
        parts.append(f"{ru if lang == 'ru' else en}: {shown}")
    return " · ".join(parts) or None


def evidence_column(values: pd.Series, lang: str = "en") -> list[str | None]:
    """`evidence_words` for each finding shown (the capped rows of a sheet)."""
    return [evidence_words(v, lang) for v in values.tolist()]
