"""Russian wording for check messages: the plural form a noun takes after a number, for one
number or a whole column at once, and the few fixed names checks print (tables, fields).

    plural(5, "сделка", "сделки", "сделок")  -> "сделок"
    count(21, "сделка", "сделки", "сделок")  -> "21 сделка"
    counts(series, "день", "дня", "дней")    -> "1 день", "3 дня", "11 дней", ... (vectorized)

The three forms are the ones for 1, 2 and 5 ("из 21 сделки", "из 5 сделок": pass the forms
the sentence needs, genitive after "из"). A fractional number takes the second form
("2.5 дня"), as Russian does.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd


def _form(n: np.ndarray) -> np.ndarray:
    """0, 1, 2: which of (one, few, many) each number takes."""
    n = np.asarray(n, dtype=float)
    whole = np.isfinite(n) & (n == np.floor(n))
    i = np.abs(np.where(whole, n, 0)).astype(np.int64)
    last, last2 = i % 10, i % 100
    form = np.where((last == 1) & (last2 != 11), 0,
                    np.where((last >= 2) & (last <= 4) & ((last2 < 12) | (last2 > 14)), 1, 2))
    return np.where(whole, form, 1)


def plural(n: float, one: str, few: str, many: str) -> str:
    return (one, few, many)[int(_form(np.array([n]))[0])]


def count(n: float, one: str, few: str, many: str) -> str:
    """'21 сделка', '1 234 сделки' (thousands grouped, a fraction with a comma: '2,5 дня')."""
    return f"{num(n, 'ru', 0 if float(n) == int(n) else 1)} {plural(n, one, few, many)}"


def plurals(n: pd.Series, one: str, few: str, many: str) -> pd.Series:
    """The form each number of `n` takes (missing numbers take the plural)."""
    values = pd.to_numeric(n, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    words = np.array([one, few, many], dtype=object)[_form(values)]
    return pd.Series(words, index=n.index, dtype="str")


def counts(n: pd.Series, one: str, few: str, many: str) -> pd.Series:
    """'3 дня' per number (thousands grouped, a fraction with a comma), then its form."""
    return nums(n, "ru", 1) + " " + plurals(n, one, few, many)


def en_count(n: float, one: str, many: str) -> str:
    """'1 pipeline', '2 pipelines', '1,143 deals': an English count with the right noun."""
    return f"{num(n, 'en', 0 if float(n) == int(n) else 1)} {one if n == 1 else many}"


def sentence(text: str | None) -> str | None:
    """The text with its first letter capitalized when it is a lower-case Russian one (a summary
    reads as a sentence; ids, names and Latin column names at the start stay as they are)."""
    if text and ("а" <= text[0] <= "я" or text[0] == "ё"):
        return text[0].upper() + text[1:]
    return text


def quoted(values: pd.Series) -> pd.Series:
    """«…» around names, quotes inside them turned into „…“ (ООО «Ромашка» -> «ООО „Ромашка“»)."""
    text = values.astype(str).str.replace("«", "„", regex=False).str.replace("»", "“", regex=False)
    return "«" + text + "»"


# Canonical tables: in the genitive ("строки сделок") and as "… не выгружены".
TABLE_GEN = {"deals": "сделок", "stage_history": "истории этапов", "activities": "активностей",
             "leads": "лидов", "users": "пользователей", "pipelines": "воронок",
             "calls": "журнала звонков", "contact_points": "контактов"}
NOT_PROVIDED = {"deals": "сделки не выгружены", "stage_history": "история этапов не выгружена",
                "activities": "активности не выгружены", "leads": "лиды не выгружены",
                "users": "пользователи не выгружены", "pipelines": "воронки не выгружены",
                "calls": "журнал звонков не выгружен",
                "contact_points": "телефоны и e-mail контактов не выгружены"}


# Canonical columns in words, for messages and reports: a reader sees "close date", not closed_at.
COLUMN_WORDS = {
    "deal_id": ("deal id", "ID сделки"), "title": ("title", "название"), "pipeline": ("pipeline", "воронка"),
    "stage": ("stage", "этап"), "status": ("status", "статус"), "owner": ("owner", "ответственный"),
    "amount": ("amount", "сумма"), "currency": ("currency", "валюта"),
    "created_at": ("creation date", "дата создания"), "created_by": ("author", "автор"),
    "closed_at": ("close date", "дата закрытия"), "expected_close_at": ("expected close date", "плановая дата закрытия"),
    "lost_reason": ("loss reason", "причина отказа"), "source": ("source", "источник"),
    "company": ("company", "компания"), "contact": ("contact", "контакт"),
    "last_activity_at": ("last activity date", "дата последней активности"),
    "from_stage": ("previous stage", "прежний этап"), "to_stage": ("new stage", "новый этап"),
    "changed_at": ("change date", "дата смены этапа"), "changed_by": ("changed by", "кем изменён"),
    "activity_id": ("activity id", "ID активности"), "type": ("activity type", "тип активности"),
    "at": ("activity date", "дата активности"), "direction": ("direction", "направление"),
    "duration_s": ("duration", "длительность"), "subject": ("subject", "тема"), "result": ("result", "результат"),
    "lead_id": ("lead id", "ID лида"), "disqualify_reason": ("disqualification reason", "причина дисквалификации"),
    "converted_deal_id": ("converted deal", "сделка из лида"), "user_id": ("user id", "ID пользователя"),
    "team": ("team", "отдел"), "active": ("active", "активен"), "order": ("order", "порядок"),
    "kind": ("stage kind", "тип этапа"),
}
TABLE_EN = {"deals": "deals", "stage_history": "stage history", "activities": "activities", "leads": "leads",
            "users": "users", "pipelines": "pipelines"}


def column_word(name: object, lang: str = "en") -> str:
    """A canonical column in words ('closed_at' -> 'close date' / 'дата закрытия')."""
    words = COLUMN_WORDS.get(str(name))
    return words[1 if lang == "ru" else 0] if words else str(name).replace("_", " ")


def _columns(columns: str | Sequence[str]) -> list[str]:
    return [c.strip() for c in columns.split(",")] if isinstance(columns, str) else list(columns)


def lacking(table: str, columns: str | Sequence[str]) -> str:
    """'в выгрузке сделок нет колонок «ответственный», «этап»'."""
    cols = _columns(columns)
    word = "колонки" if len(cols) == 1 else "колонок"
    return f"в выгрузке {TABLE_GEN.get(table, table)} нет {word} " + ", ".join(f"«{column_word(c, 'ru')}»" for c in cols)


def lacking_en(table: str, columns: str | Sequence[str]) -> str:
    """'the deals export has no owner or stage column'."""
    cols = [column_word(c) for c in _columns(columns)]
    named = cols[0] if len(cols) == 1 else ", ".join(cols[:-1]) + " or " + cols[-1]
    return f"the {TABLE_EN.get(table, table)} export has no {named} column"


def not_provided(table: str) -> str:
    return NOT_PROVIDED.get(table, f"{table}: нет данных")


def reason(text: str, lang: str = "ru") -> str:
    """A missing-input phrase the runner and the GX adapter write in a short machine form
    ("deals lack owner", "leads not provided"), in words; other text is returned as it is."""
    words = text.split(" ", 2)
    if len(words) == 3 and words[1] == "lack":
        return lacking(words[0], words[2]) if lang == "ru" else lacking_en(words[0], words[2])
    if len(words) == 3 and words[1:] == ["not", "provided"]:
        return not_provided(words[0]) if lang == "ru" else f"{TABLE_EN.get(words[0], words[0])} not exported"
    if text == "no pipeline has a won or lost stage":
        return "ни в одной воронке нет этапа выигрыша или проигрыша" if lang == "ru" else text
    return text


# -- numbers, shares and dates in the reader's language ---------------------------------------
#
# One implementation for checks (messages) and reports (sentences, captions): English writes
# "1,234.5", "5.8%", "2026-11-20"; Russian "1 234,5", "5,8 %", "20.11.2026". The thousands
# separator and the space before "%" are non-breaking, so a number never wraps across lines.

NBSP = "\u00a0"
_DATE = {"en": "%Y-%m-%d", "ru": "%d.%m.%Y"}
_DATE_TIME = {"en": "%Y-%m-%d %H:%M", "ru": "%d.%m.%Y %H:%M"}


def num(value: float | int | None, lang: str = "en", digits: int = 0) -> str:
    """A number for a sentence: thousands grouped, at most `digits` decimals (trailing zeros
    dropped: 1.70 -> "1.7"), a comma for the decimal point in Russian; "—" when missing."""
    if value is None or not np.isfinite(float(value)):
        return "—"
    text = f"{float(value):,.{digits}f}" if digits else f"{round(float(value)):,d}"
    if digits and "." in text:
        text = text.rstrip("0").rstrip(".")
    if text in ("-0", "−0"):
        text = "0"
    if lang == "ru":
        text = text.replace(",", NBSP).replace(".", ",")
    return text.replace("-", "−") if text.startswith("-") else text


def pct(share: float | None, lang: str = "en", digits: int | None = None) -> str:
    """A share as a percentage: 0.058 -> "5.8%" / "5,8 %". Without `digits`: whole numbers from
    10 % up, one decimal below (0.6 %), "<0.1%" for a share too small to show but not zero."""
    if share is None or not np.isfinite(float(share)):
        return "—"
    value = float(share) * 100
    if digits is None:
        if value != 0 and abs(value) < 0.05:
            return ("<" + num(0.1, lang, 1) + ("\u00a0%" if lang == "ru" else "%"))
        digits = 0 if abs(value) >= 10 or value == round(value) else 1
    return num(value, lang, digits) + (NBSP + "%" if lang == "ru" else "%")


def nums(values: pd.Series, lang: str = "en", digits: int = 0) -> pd.Series:
    """`num` for a column (missing values as "—"), keeping its index."""
    numeric = pd.to_numeric(values, errors="coerce")
    arr = numeric.to_numpy(dtype=float, na_value=np.nan)
    finite = np.isfinite(arr)
    out = np.full(len(arr), "—", dtype=object)
    if finite.any():
        shown = arr[finite]
        if (np.abs(shown) < 1000).all() and (digits == 0 or (shown == np.round(shown)).all()):
            # The common case (counts and days under a thousand): no per-value formatting.
            out[finite] = np.char.replace(np.round(shown).astype(np.int64).astype(str), "-", "−")
        else:
            out[finite] = [num(v, lang, digits) for v in shown]
    return pd.Series(out, index=values.index, dtype=object)


def pcts(shares: pd.Series, lang: str = "en", digits: int | None = None) -> pd.Series:
    """`pct` for a column, keeping its index."""
    values = pd.to_numeric(shares, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    return pd.Series([pct(v, lang, digits) for v in values], index=shares.index, dtype=object)


def date(value, lang: str = "en", with_time: bool = False) -> str:
    """A date for a sentence: "2026-11-20" / "20.11.2026" (with the time when asked); "" when missing."""
    try:
        stamp = pd.Timestamp(value)
    except (TypeError, ValueError):
        return str(value)
    if pd.isna(stamp):
        return ""
    return stamp.strftime((_DATE_TIME if with_time else _DATE)["ru" if lang == "ru" else "en"])


def dates(values: pd.Series, lang: str = "en", with_time: bool = False) -> pd.Series:
    """`date` for a column of datetimes (missing as ""), keeping its index. numpy formats the
    whole column at once (pandas' strftime goes value by value); Russian reorders the parts."""
    stamps = pd.to_datetime(values, errors="coerce").to_numpy(dtype="datetime64[us]")
    iso = pd.Series(np.datetime_as_string(stamps, unit="m" if with_time else "D"), index=values.index,
                    dtype=object).str.replace("T", " ", regex=False)
    if lang == "ru":
        iso = iso.str[8:10] + "." + iso.str[5:7] + "." + iso.str[0:4] + iso.str[10:]
    return iso.where(~np.isnat(stamps), "")
