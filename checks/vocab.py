"""Words that say nothing: vague stage names, vague loss reasons, "I'll think about it".

The sales-process rule behind it: a stage names what has been achieved ("Proposal sent"),
never a state ("Objections", "Thinking", "In progress"); a loss reason says why the deal
was lost, and "I'll think about it" is not a reason. The Russian and English lists below
are matched against Series of text, vectorized: the *unique* values are normalized once
(pyarrow compute, RE2 regexes) and the verdicts mapped back. Every function takes `extra`,
`RunContext.vocab` (crm-audit.toml `[vocab]`, list names in `LISTS`), whose terms are added
to the built-in lists; README, "Vocabularies", gives the term syntax.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Mapping, Sequence

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

__all__ = [
    "LISTS", "normalize", "is_vague_stage", "vague_stage_word", "is_result_stage", "is_inbox_stage",
    "is_vague_reason", "vague_reason_word", "says_think_it_over", "think_it_over_phrase",
    "VAGUE_STAGES", "RESULT_STAGES", "INBOX_STAGES", "VAGUE_REASONS", "THINK_IT_OVER",
]

LISTS = ("vague_stages", "result_stages", "vague_reasons", "think_it_over", "inbox_stages")

# --- vocabularies ------------------------------------------------------------------------

# Stage names that describe a state of the client or of the work, not a result achieved.
# Objections arise at every stage, so a stage named after them hides where the client is stuck.
VAGUE_STAGES: tuple[str, ...] = (
    # objections / thinking / doubting
    "возраж*", "думает", "подума*", "раздум*", "размышля*", "сомнева*", "не определил*",
    "принима* решени*", "на рассмотрении", "рассматрива*",
    # "in progress"
    "в работе", "в процессе", "в обработке",
    # deferred, on hold, waiting
    "отлож*", "на паузе", "=пауза", "заморож*", "приостанов*", "в ожидании", "ожида*",
    "на контроле", "зависл*", "зависш*",
    # follow-up / call back
    "перезвон*", "повторн* контакт*", "повторн* звон*",
    # other
    "прочее", "=прочие", "=другое", "=другие", "разное", "=иное", "=остальное",
    # English
    "objection*", "think", "considering", "under consideration", "undecided", "hesitat*",
    "making a decision", "making decision", "decision making", "decision pending",
    "in progress", "in process", "in work", "work in progress", "=wip", "=working", "processing",
    "pending", "=waiting", "awaiting", "on hold", "paused", "on pause", "frozen", "postponed",
    "deferred", "delayed", "stalled", "=stuck", "parked",
    "follow up", "followup*", "callback*", "call back",
    "other", "misc*", "various",
)

# Words that state a result: a name containing one is not vague even if it also holds a
# vague word ("Возражения отработаны", "Objections handled"). Exact or participle forms
# only: "Отработка возражений" and "Handling objections" are processes, not results.
RESULT_STAGES: tuple[str, ...] = (
    "отработан+", "обработан+", "=снят", "=снята", "=снято", "=сняты", "=закрыт", "=закрыта",
    "=закрыто", "=закрыты", "отправлен+", "подписан+", "получен+", "выставлен+", "согласован+",
    "проведен+", "назначен+", "оплачен+", "=принят", "=принята", "=принято", "=приняты",
    "сделан+", "выполнен+", "завершен+", "пройден+", "=решен", "=решена", "=решено", "=решены",
    "устранен+", "одобрен+", "утвержден+", "подтвержден+", "заключен+", "отгружен+", "доставлен+",
    "квалифицирован+", "передан+", "состоял*", "=есть",
    "=handled", "=resolved", "=addressed", "=overcome", "=cleared", "=sent", "=signed", "=received",
    "=done", "=completed", "=complete", "=closed", "=scheduled", "=booked", "=held", "=approved",
    "=agreed", "=accepted", "=confirmed", "=paid", "=delivered", "=issued", "=submitted",
    "=qualified", "=made", "=won", "=contacted", "=reached", "=finished",
)

# CRM inboxes: incoming requests not yet taken into a pipeline (amoCRM/Kommo "Неразобранное",
# "Incoming leads"). Not a funnel stage, so never vague. Matched against the whole name.
INBOX_STAGES: tuple[str, ...] = (
    "неразобран*", "неразобранные заявки", "входящие", "входящие заявки", "входящие лиды",
    "unsorted", "unsorted leads", "incoming", "incoming leads", "incoming requests", "inbox",
)

# Loss reasons that say nothing about why the deal was lost. Matched against the whole
# reason, allowing the filler words below around it ("Клиент думает", "Other reason").
VAGUE_REASONS: tuple[str, ...] = (
    "=другое", "=другая", "=другой", "=другие", "прочее", "=прочие", "=иное", "=иная", "разное",
    "не знаю", "неизвестн*", "без причины", "=нет", "не указан*", "не заполнен*",
    "думает", "подума*", "раздум*", "на раздумье",
    "не актуальн*", "неактуальн*", "потерял* актуальн*", "не интересн*", "неинтересн*",
    "отказ*", "=отказался", "=отказалась", "=отказались", "передумал*",
    "other", "misc*", "various", "=na", "=n a", "=none", "=no", "unknown", "not specified",
    "not given", "=tbd", "no reason", "not relevant", "no longer relevant", "irrelevant",
    "not interested", "refused", "declined", "=lost", "changed mind", "changed his mind",
    "changed her mind", "changed their mind", "thinking", "think about it", "thinking it over",
    "need to think", "needs to think",
)

# Words that may surround a vague reason without making it say anything.
REASON_FILLERS: tuple[str, ...] = (
    "клиент*", "=он", "=она", "=они", "просто", "пока", "уже", "=по", "причин*", "сказал*",
    "решил*", "=все", "=сам", "=сама", "=сами",
    "client*", "customer*", "=the", "=a", "=an", "just", "still", "reason*", "said", "says",
    "=he", "=she", "=they", "=is", "=has", "=other", "=i", "=ll", "=will", "=we",
)

# What a client says when postponing a decision: logged in a call result or e-mail
# subject, it marks a deal that stalls unless someone follows it up.
THINK_IT_OVER: tuple[str, ...] = (
    "подума*", "думает", "раздум*", "размышля*", "взял* паузу", "возьм* паузу", "взял* время",
    "возьм* время", "=перезвоню", "=перезвонит", "=перезвонят", "=перезвоним", "сам* перезвон*",
    "=свяжется", "=свяжутся", "сам* свяж*", "посовет*", "обсуд* с руководств*", "обсуд* внутри",
    "пока не готов*", "не готов* пока", "вернется с ответом", "вернусь с ответом", "ответ* позже",
    "решит позже", "решат позже", "отложил* решение",
    "think about it", "think it over", "think over", "need to think", "needs to think",
    "need time", "needs time", "need some time", "needs some time", "time to think", "let me think",
    "let us think", "sleep on it", "mull* over", "mull* it over", "considering",
    "get back to you", "get back to us", "get back to me", "will get back", "come back to you",
    "circle back", "call you back", "call me back", "call back later", "will call back",
    "maybe later", "not ready yet", "discuss internally", "discuss it internally",
    "check with my boss", "talk to my boss", "will let you know", "let you know", "will revert",
)

# --- word forms -----------------------------------------------------------------------------

_RU_ENDINGS = tuple(sorted(set("""
а я о е ы и у ю ь й
ой ей ий ый ая яя ое ее ие ые ую юю ом ем ам ям ах ях ов ев их ых им ым ого его ому ему ою ею
ами ями ья ье ьи ью ьем ьев ьям ьях ьями ия ии ию ием иям иях иями
ть ать ять ить еть уть ти
ал ала ало али ял яла яло яли ил ила ило или ел ела ело ели
ет ют ут ит ат ят ешь ишь ете ите ает ают аю яет яют яю ует уют
ся сь ется ются ится ятся атся ась ось ись ался алась ались алось ился илась ились
ение ения ению ением ении ений ениям ениях ание ания анию анием ании аний
ан ана ано аны ян яна яно яны ен ена ено ены
анный анная анное анные анного анных енный енная енное енные енного енных
""".split()), key=len, reverse=True))
_EN_SUFFIXES = ("ing", "ed", "es", "s", "e")
_PARTICIPLE_TAIL = "(?:а|о|ы|ый|ая|ое|ые|ого|ой|ых|ым|ую|ный|ная|ное|ные|ного|ной|ных|ным|ную)?"
_RU_FORMS = "(?:" + "|".join(_RU_ENDINGS) + ")?"
_EN_FORMS = "(?:" + "|".join(_EN_SUFFIXES) + ")?"
_CYRILLIC = re.compile("[а-я]")
_WORD = "[^ ]"  # normalized text: words of letters/digits separated by single spaces


def _stem(word: str) -> tuple[str, str]:
    """(stem, forms-regex) of a normalized word; short words stay as written."""
    if _CYRILLIC.search(word):
        for ending in _RU_ENDINGS:
            if word.endswith(ending) and len(word) - len(ending) >= 3:
                return word[: -len(ending)], _RU_FORMS
        return word, _RU_FORMS if len(word) > 3 else ""
    if len(word) < 4 or not word.isalpha():
        # "follow-ups", "on holds": a short English word may still take a plural -s
        return word, "s?" if len(word) > 1 and word.isalpha() and word.isascii() else ""
    for suffix in _EN_SUFFIXES:
        # "progress", "process" keep their double s; stems stay at least 4 letters long
        if word.endswith(suffix) and len(word) - len(suffix) >= 4 and not word.endswith("ss"):
            return word[: -len(suffix)], _EN_FORMS
    return word, _EN_FORMS


def _word_regex(word: str, mode: str) -> str:
    if mode == "=":
        return re.escape(word)
    if mode == "*":
        return re.escape(word) + _WORD + "*"
    if mode == "+":
        return re.escape(word) + _PARTICIPLE_TAIL
    stem, forms = _stem(word)
    return re.escape(stem) + forms


def _term_pieces(term: str) -> list[tuple[str, str]]:
    """(mode, raw word) for each word of a term of the mini-syntax."""
    pieces = []
    for raw in term.split():
        mode = ""
        if raw.startswith("="):
            mode, raw = "=", raw[1:]
        elif raw.endswith("*"):
            mode, raw = "*", raw[:-1]
        elif raw.endswith("+"):
            mode, raw = "+", raw[:-1]
        pieces.append((mode, raw))
    return pieces


def _term_regex(term: str, normalized: Mapping[str, str]) -> str | None:
    """Regex (no anchors) for one term of the mini-syntax; None when it has no words.
    `normalized`: each raw word of the term, normalized."""
    parts: list[str] = []
    for mode, raw in _term_pieces(term):
        words = normalized[raw].split()
        for i, word in enumerate(words):
            # "follow-up*": the prefix applies to the last piece, exactness to every piece
            piece_mode = mode if (mode == "=" or i == len(words) - 1) else ""
            parts.append(_word_regex(word, piece_mode))
    return " ".join(parts) if parts else None


def _alternation(terms: Sequence[str]) -> str | None:
    # Every word of every term normalized in one call: the normalizing regex costs its compile
    # per call, and hundreds of calls made the first check that matched words pay about a second.
    raws = sorted({raw for t in terms for _mode, raw in _term_pieces(t)})
    normalized = dict(zip(raws, _normalize_array(pa.array(raws, type=pa.string())).to_pylist()))
    regexes = {r for r in (_term_regex(t, normalized) for t in terms) if r}
    if not regexes:
        return None
    # Longer phrases first so the reported word is the most specific one.
    return "|".join(sorted(regexes, key=lambda r: (-len(r), r)))


@lru_cache(maxsize=64)
def _pattern(kind: str, terms: tuple[str, ...], fillers: tuple[str, ...] = ()) -> str | None:
    """kind: 'contains' (whole words anywhere), 'full' (the whole text), 'full+fillers'."""
    alt = _alternation(terms)
    if alt is None:
        return None
    if kind == "contains":
        return f"(?:^| )(?P<word>{alt})(?: |$)"
    if kind == "full":
        return f"^(?P<word>{alt})$"
    fill = _alternation(fillers)
    lead = f"(?:(?:{fill}) )*" if fill else ""
    trail = f"(?: (?:{fill}))*" if fill else ""
    return f"^{lead}(?P<word>{alt}){trail}$"


def _terms(builtin: tuple[str, ...], extra: Mapping[str, Sequence[str]] | None, name: str) -> tuple[str, ...]:
    added = tuple((extra or {}).get(name, ()) or ())
    return builtin + tuple(t for t in added if isinstance(t, str))


# --- vectorized matching over unique values ----------------------------------------------------

def _normalize_array(values: pa.Array) -> pa.Array:
    values = pc.utf8_normalize(values, form="NFKC")
    values = pc.utf8_lower(values)
    values = pc.replace_substring(values, "ё", "е")
    values = pc.replace_substring_regex(values, r"[^\pL\pN]+", " ")
    return pc.utf8_trim(values, characters=" ")


def _as_text(values: pd.Series) -> pd.Series:
    if not isinstance(values, pd.Series):
        return pd.Series(values, dtype="str")
    if isinstance(values.dtype, pd.StringDtype):
        return values
    return values.astype("str")


def _uniques(values: pd.Series) -> tuple[np.ndarray, pa.Array]:
    """Codes into the normalized unique values (-1 for missing), and those values."""
    codes, uniques = pd.factorize(values)
    return codes, _normalize_array(pa.array(np.asarray(uniques, dtype=object), type=pa.string()))


def _spread_flags(codes: np.ndarray, flags: np.ndarray, index: pd.Index) -> pd.Series:
    """Per-unique booleans back onto the rows; missing text is False."""
    out = flags[np.where(codes >= 0, codes, 0)] if len(flags) else np.zeros(len(codes), dtype=bool)
    return pd.Series(out & (codes >= 0), index=index, dtype=bool)


def _spread_text(codes: np.ndarray, words: pa.Array, index: pd.Index) -> pd.Series:
    """Per-unique words (null = no match) back onto the rows, as a "str" Series."""
    if not len(words):
        return pd.Series(np.nan, index=index, dtype="str")
    taken = pc.take(words, pa.array(codes, mask=codes < 0))
    return pd.Series(pd.array(taken, dtype="str"), index=index)


def _flags(normalized: pa.Array, pattern: str | None) -> np.ndarray:
    if pattern is None or len(normalized) == 0:
        return np.zeros(len(normalized), dtype=bool)
    hit = pc.match_substring_regex(normalized, pattern)
    return np.asarray(pc.fill_null(hit, False).to_numpy(zero_copy_only=False), dtype=bool)


def _words(normalized: pa.Array, pattern: str | None) -> pa.Array:
    """The named group `word` of the first match per value, null where nothing matched."""
    if pattern is None or len(normalized) == 0:
        return pa.nulls(len(normalized), type=pa.string())
    found = pc.extract_regex(normalized, pattern)
    return pc.if_else(pc.is_valid(found), pc.struct_field(found, "word"), pa.scalar(None, pa.string()))


def _unless(words: pa.Array, mask: np.ndarray) -> pa.Array:
    """words, set to null where mask is True."""
    return pc.if_else(pa.array(mask, type=pa.bool_()), pa.scalar(None, pa.string()), words)


def normalize(texts: pd.Series | str | None) -> pd.Series | str | None:
    """Normalized text; a str in, a str out. A stable contract (SG06 compares normalized
    stage lists with it): Unicode NFKC, lower case, "ё" -> "е", every run of characters that
    are not letters or digits -> one space, trimmed. Missing stays missing; text with no
    letters or digits becomes "". It does not stem."""
    if texts is None:
        return None
    if isinstance(texts, str):
        return _normalize_array(pa.array([texts], type=pa.string()))[0].as_py()
    texts = _as_text(texts)
    codes, normalized = _uniques(texts)
    return _spread_text(codes, normalized, texts.index)


def _stage_words(names: pd.Series, extra) -> tuple[np.ndarray, pa.Array]:
    """Codes and, per unique name, the vague word (null when the name is not vague)."""
    codes, normalized = _uniques(names)
    vague = _words(normalized, _pattern("contains", _terms(VAGUE_STAGES, extra, "vague_stages")))
    result = _flags(normalized, _pattern("contains", _terms(RESULT_STAGES, extra, "result_stages")))
    inbox = _flags(normalized, _pattern("full", _terms(INBOX_STAGES, extra, "inbox_stages")))
    return codes, _unless(vague, result | inbox)


def vague_stage_word(names: pd.Series, extra: Mapping[str, Sequence[str]] | None = None) -> pd.Series:
    """The vague word a stage name is built on ("возражения"), NA for names that are not vague.

    Not vague: names with a result word ("Возражения отработаны") and CRM inboxes.
    """
    return _word_per_row(names, extra, _stage_words)


def is_vague_stage(names: pd.Series, extra: Mapping[str, Sequence[str]] | None = None) -> pd.Series:
    """True where a stage name names a state, not a result (see `vague_stage_word`)."""
    return _flag_per_row(names, extra, _stage_words)


def is_result_stage(names: pd.Series, extra: Mapping[str, Sequence[str]] | None = None) -> pd.Series:
    """True where a stage name states a result ("КП отправлено", "Objections handled")."""
    return _flag_per_row(names, extra, _list_matches("contains", RESULT_STAGES, "result_stages"))


def is_inbox_stage(names: pd.Series, extra: Mapping[str, Sequence[str]] | None = None) -> pd.Series:
    """True where a stage is a CRM inbox ("Неразобранное", "Incoming leads"), not a funnel stage."""
    return _flag_per_row(names, extra, _list_matches("full", INBOX_STAGES, "inbox_stages"))


def _reason_words(reasons: pd.Series, extra) -> tuple[np.ndarray, pa.Array]:
    codes, normalized = _uniques(reasons)
    words = _words(normalized, _pattern("full+fillers", _terms(VAGUE_REASONS, extra, "vague_reasons"),
                                        REASON_FILLERS))
    # No letters at all, or one character: "-", "?", "0", "x".
    wordless = _flags(normalized, r"^(?:[\pN ]*|[^ ])$") & ~_valid(words)
    return codes, pc.if_else(pa.array(wordless, type=pa.bool_()), pa.scalar("", pa.string()), words)


def vague_reason_word(reasons: pd.Series, extra: Mapping[str, Sequence[str]] | None = None) -> pd.Series:
    """The vague phrase a whole loss reason consists of ("другое"), "" for a reason with no
    words ("-", "?", "0", a single character), NA for reasons that say something or are missing.
    """
    return _word_per_row(reasons, extra, _reason_words)


def is_vague_reason(reasons: pd.Series, extra: Mapping[str, Sequence[str]] | None = None) -> pd.Series:
    """True where a (non-empty) loss reason says nothing; missing reasons are False (ST03's)."""
    return _flag_per_row(reasons, extra, _reason_words)


def _think_words(texts: pd.Series, extra) -> tuple[np.ndarray, pa.Array]:
    codes, normalized = _uniques(texts)
    return codes, _words(normalized, _pattern("contains", _terms(THINK_IT_OVER, extra, "think_it_over")))


def think_it_over_phrase(texts: pd.Series, extra: Mapping[str, Sequence[str]] | None = None) -> pd.Series:
    """The "I'll think about it" phrase found in a text ("подумает"), NA when there is none."""
    return _word_per_row(texts, extra, _think_words)


def says_think_it_over(texts: pd.Series, extra: Mapping[str, Sequence[str]] | None = None) -> pd.Series:
    """True where a text says the client postponed the decision ("подумаю", "get back to you")."""
    return _flag_per_row(texts, extra, _think_words)


def _word_per_row(values: pd.Series, extra, find) -> pd.Series:
    """`find(values, extra)` gives codes and the word per unique value: the word of each row."""
    values = _as_text(values)
    codes, words = find(values, extra)
    return _spread_text(codes, words, values.index)


def _flag_per_row(values: pd.Series, extra, find) -> pd.Series:
    """`find(values, extra)` gives codes and the word per unique value: True where a row has one."""
    values = _as_text(values)
    codes, words = find(values, extra)
    return _spread_flags(codes, _valid(words), values.index)


def _list_matches(mode: str, builtin: Sequence[str], name: str):
    """A finder for `_flag_per_row`: per unique value, the value where it matches the list
    `name` (built-in terms plus the config's), else null."""
    def find(values: pd.Series, extra) -> tuple[np.ndarray, pa.Array]:
        codes, normalized = _uniques(values)
        return codes, _unless(normalized, ~_flags(normalized, _pattern(mode, _terms(builtin, extra, name))))
    return find


def _valid(words: pa.Array) -> np.ndarray:
    return np.asarray(pc.is_valid(words).to_numpy(zero_copy_only=False), dtype=bool)

