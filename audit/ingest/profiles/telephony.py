"""Phone systems: call logs as the PBX or the hosted telephony exports them.

Each layout below is the one its vendor documents (cited per spec); fixture files named
after each are in tests/fixtures/ingest/. Every layout is read into helper columns (who
called whom, when, how long they talked, how the call ended) and one shared step turns
them into the canonical `calls` table: direction (in, out, or internal between two
extensions), our party (the extension, SIP user or employee), their number, talk seconds
and whether a person of ours answered. Numbers are made E.164 and managers resolved from
`[calls.extensions]` once every file is read (audit.ingest.assemble).

The profile is not a CRM: detection always considers it, whatever `--crm` says.
"""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd

from audit.ingest.profiles.base import FinishContext, Profile, TableSpec
from audit.model.keys import text_series
from audit.model.tables import as_labels, labels_from_codes
from audit.model.warnings import InputWarning

# An extension: a short run of digits (or a name `[calls.extensions]` declares).
EXTENSION = re.compile(r"^\d{2,6}$")
# The peer of an Asterisk channel: SIP/101-0000002a, PJSIP/101-00000012, Local/101@from-queue-0;1.
CHANNEL_PEER = r"^(?:[A-Za-z0-9]+)/([^-@;/]+)"
# Asterisk's dispositions as cdr_csv writes them.
DISPOSITIONS = ("ANSWERED", "NO ANSWER", "BUSY", "FAILED", "CONGESTION")
DIRECTIONS = pd.CategoricalDtype(pd.Index(pd.array(["internal", "out", "in"], dtype="str")))
ANSWERED_WORDS = r"^(answered|отвечен|отвечено|принят|completed|success|успешн|разговор)"


def is_extension(values: pd.Series, declared: frozenset[str]) -> pd.Series:
    """2 to 6 digits, or a party `[calls.extensions]` declares (Arrow kernels: no regex per row)."""
    return pd.Series(_extension_mask(_arrow(values), declared), index=values.index)


def _extension_mask(arr, declared: frozenset[str], *, trimmed: bool = False) -> np.ndarray:
    import pyarrow as pa
    import pyarrow.compute as pc
    arr = arr if trimmed else pc.utf8_trim_whitespace(arr)
    length = pc.utf8_length(arr)
    short = pc.and_(pc.utf8_is_digit(arr), pc.and_(pc.greater_equal(length, 2), pc.less_equal(length, 6)))
    # Declared extensions that are 2-6 ASCII digits pass the test above: only the others (SIP
    # users, names) are looked up.
    named = sorted(p for p in declared if not (p.isascii() and p.isdigit() and 2 <= len(p) <= 6))
    if named:
        short = pc.or_(short, pc.is_in(arr, value_set=pa.array(named, pa.large_string())))
    return short.fill_null(False).to_numpy(zero_copy_only=False)


def _arrow(values):
    """Text as one Arrow large-string array (a Series, or Arrow already)."""
    import pyarrow as pa
    if isinstance(values, (pa.Array, pa.ChunkedArray)):
        arr = values
    else:
        text = values.astype("str")
        arr = getattr(text.array, "_pa_array", None)
        if arr is None:
            return pa.array(text.astype(object).where(text.notna(), None).tolist(), type=pa.large_string())
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    return arr if arr.type == pa.large_string() else arr.cast(pa.large_string())


def _extract_arrow(arr, pattern: str):
    """The first group of `pattern` in each value, by Arrow's regex engine (pandas' str.extract
    runs Python per row: a call log has a million)."""
    import pyarrow.compute as pc
    named = re.sub(r"\((?!\?)", "(?P<g>", pattern, count=1)
    return pc.struct_field(pc.extract_regex(arr, named), 0)


def seconds(values: pd.Series) -> pd.Series:
    """Talk time as seconds: 162, 162.0, '0:02:42', '02:42'."""
    text = values.astype("str").str.strip()
    plain = pd.to_numeric(text.str.replace(",", ".", regex=False), errors="coerce")
    hms = text.str.extract(r"^(?:(\d+):)?(\d{1,2}):(\d{2})$")
    clock = hms[0].astype(float).fillna(0) * 3600 + hms[1].astype(float) * 60 + hms[2].astype(float)
    return plain.where(plain.notna(), clock).astype(float)


def epoch_times(values: pd.Series) -> pd.Series:
    """Unix times (Mango Office) as naive UTC; 0 means "did not happen"."""
    number = pd.to_numeric(values, errors="coerce")
    number = number.where(number > 0)
    return pd.to_datetime(number, unit="s", errors="coerce").astype("datetime64[us]")


def rfc2822_times(values: pd.Series) -> pd.Series:
    """'Fri, 20 Nov 2026 15:00:00 +0000' (Twilio) as naive UTC; ISO text is read as well."""
    parsed = pd.to_datetime(values, format="%a, %d %b %Y %H:%M:%S %z", errors="coerce", utc=True)
    iso = pd.to_datetime(values.where(parsed.isna()), errors="coerce", utc=True, format="ISO8601")
    return parsed.fillna(iso).dt.tz_localize(None).astype("datetime64[us]")


def _text(frame: pd.DataFrame, column: str) -> pd.Series:
    if column in frame.columns:
        return frame[column].astype("str")
    return pd.Series(None, index=frame.index, dtype="str")


def _calls(frame: pd.DataFrame, *, started: pd.Series, direction, talk, answered, ours, theirs,
           trimmed: bool = False) -> dict[str, pd.DataFrame]:
    """The canonical table from what a layout worked out (text as Series or Arrow arrays, flags
    and numbers as Series or numpy; `trimmed`: the parties' text is trimmed already; the
    parties and the direction may be labels already, audit.model.tables.LABEL_COLUMNS). Internal
    calls keep no their_number."""
    import pyarrow.compute as pc
    direction = _labels(direction)
    internal = direction.eq("internal").to_numpy(dtype=bool)
    if not isinstance(answered, np.ndarray):
        answered = pd.Series(answered).fillna(False).to_numpy(dtype=bool)
    talk = pd.to_numeric(pd.Series(talk), errors="coerce").to_numpy(dtype=float)
    if not trimmed:
        ours, theirs = (v if _is_labels(v) else pc.utf8_trim_whitespace(_arrow(v)) for v in (ours, theirs))
    ours, theirs = _labels(ours), _labels(theirs)
    theirs = pd.Categorical.from_codes(np.where(internal, -1, theirs.cat.codes.to_numpy()), dtype=theirs.dtype)
    out = pd.DataFrame({
        "_row": frame["_row"],
        "call_id": _text(frame, "call_id"),
        "started_at": started.astype("datetime64[us]"),
        "direction": pd.Series(direction.array, index=frame.index),
        "duration_s": np.where(answered, talk, 0.0),
        "answered": pd.array(answered, dtype="boolean"),
        "our_party": pd.Series(ours.array, index=frame.index),
        "their_number": pd.Series(theirs, index=frame.index),
    }, index=frame.index)
    return {"calls": out}


def _is_labels(values) -> bool:
    return isinstance(values, pd.Series) and isinstance(values.dtype, pd.CategoricalDtype)


def _labels(values) -> pd.Series:
    """Text (Series or Arrow) as labels, positionally (audit.model.tables.as_labels)."""
    if _is_labels(values):
        return values.reset_index(drop=True)
    return as_labels(text_series(_arrow(values)))


def _from_to(ctx: FinishContext, src: pd.Series, dst: pd.Series) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Direction, our party and their number from the two ends of a call."""
    declared = _declared(ctx)
    src_ext, dst_ext = is_extension(src, declared), is_extension(dst, declared)
    direction = pd.Series(np.select([src_ext & dst_ext, src_ext, dst_ext], ["internal", "out", "in"], "in"),
                          index=src.index, dtype="str")
    ours = src.where(direction.eq("out"), dst)
    theirs = dst.where(direction.eq("out"), src)
    return direction, ours, theirs


def _declared(ctx: FinishContext) -> frozenset[str]:
    settings = ctx.calls
    return frozenset(settings.extensions) if settings is not None else frozenset()


def _warn_utc(ctx: FinishContext, layout: str, rows: int) -> None:
    if ctx.calls is None or ctx.calls.timezone is None:
        ctx.warn(InputWarning(
            code="call-times-utc",
            message=f"{layout} gives call times in UTC; they are compared with the CRM's local times as they "
                    f"are. Set [calls] timezone (e.g. \"Europe/Moscow\") in crm-audit.toml to convert them.",
            message_ru=f"{layout} даёт время звонков в UTC; оно сравнивается с местным временем CRM как есть. "
                       f"Укажите [calls] timezone (например, \"Europe/Moscow\") в crm-audit.toml, чтобы "
                       f"перевести его.",
            numbers={"rows": int(rows)}))


# -- Asterisk ---------------------------------------------------------------------------------------
# cdr_csv / cdr_custom field names (audit.ingest.calllog names a headerless Master.csv), and the
# same names as the cdr table of cdr_mysql / cdr_adaptive_odbc exports them (calldate for start).

ASTERISK_COLUMNS = {
    "start": "_start", "calldate": "_start",
    "duration": "_total", "billsec": "_talk", "disposition": "_status",
    "src": "_src", "dst": "_dst", "clid": "_clid", "channel": "_channel", "dstchannel": "_dstchannel",
    "uniqueid": "call_id",
}


def _asterisk(frame: pd.DataFrame, ctx: FinishContext) -> dict[str, pd.DataFrame]:
    """Both ends of each CDR, judged once per distinct value: a Master.csv has a million rows but
    a few hundred thousand numbers and a few dozen extensions. Each end (the caller's channel
    peer and number, the callee's) is dictionary-encoded on Arrow's kernels, its distinct values
    cleaned (trimmed, blank missing: the columns come raw, ASTERISK's helper kinds) and tested,
    and our party and their number picked among the ends by codes: no string is made per row."""
    import pyarrow as pa
    import pyarrow.compute as pc
    # The columns' Arrow chunks as the reader made them: the kernels below take chunks, and a
    # chunked dictionary encoding shares one dictionary, so nothing is copied into one array.
    channels = [_chunked(frame, "_channel"), _chunked(frame, "_dstchannel")]

    def encoded(job):
        text, is_channel = job
        if is_channel:
            return _channel_peers(text)
        codes, words = _codes(pc.dictionary_encode(text))
        return codes, _clean_words(words)
    # Arrow's kernels release the GIL: the channels' regexes and the encodings run side by side.
    with ThreadPoolExecutor(max_workers=2) as pool:
        ends = list(pool.map(encoded, [(channels[0], True), (_chunked(frame, "_src"), False),
                                       (channels[1], True), (_chunked(frame, "_dst"), False)]))
    # The caller's number may only be in the caller ID ("Иван" <79161234567>): read there for the
    # calls without one, each such call's number added to the numbers' dictionary.
    src_codes, src_words = ends[1]
    no_src = np.flatnonzero(np.append(pc.is_null(src_words).to_numpy(zero_copy_only=False), True)[src_codes])
    if len(no_src):
        clid = _extract_arrow(_chunked(frame, "_clid").take(pa.array(no_src)), r"<([^>]*)>")
        src_codes = src_codes.copy()
        src_codes[no_src] = len(src_words) + np.arange(len(no_src))
        ends[1] = (src_codes, pa.concat_arrays([src_words, _clean_words(pc.utf8_trim_whitespace(clid))]))
    # One dictionary for the four ends: each end's codes are offset into it.
    dictionary = pa.concat_arrays([words for _codes_of, words in ends])
    sizes = np.array([len(words) for _codes_of, words in ends], dtype=np.int64)
    ours_value = np.append(_extension_mask(dictionary, _declared(ctx), trimmed=True), False)
    from_peer, from_src, to_peer, to_dst = (
        np.where(c >= 0, c + offset, -1) for (c, _words), offset in zip(ends, np.cumsum(sizes) - sizes))
    peer_from, src_ext, peer_to, dst_ext = (ours_value[c] for c in (from_peer, from_src, to_peer, to_dst))
    # Which end is ours: an extension on either the channel (the originating phone) or the number.
    from_ours, to_ours = peer_from | src_ext, peer_to | dst_ext
    out = from_ours & ~to_ours
    n = len(frame)
    # Our party: the caller's peer (else number) on an outbound call, the callee's on an inbound
    # call that reached one of ours, else none; their number: the callee's when we called.
    ours = np.where(out, np.where(peer_from, from_peer, from_src),
                    np.where(to_ours, np.where(peer_to, to_peer, to_dst), -1))
    theirs = np.where(out, to_dst, from_src)
    talk = frame["_talk"].to_numpy(dtype=float, na_value=np.nan) if "_talk" in frame.columns \
        else np.full(n, np.nan)
    # An inbound call that only an IVR or a queue announcement answered reached no one of ours.
    answered = _disposition_is(_chunked(frame, "_status"), "ANSWERED") \
        & (np.nan_to_num(talk, nan=0.0) > 0) & (from_ours | to_ours)
    # 0 internal (both ends ours), 1 out (only the caller), 2 in (the rest).
    direction = pd.Series(pd.Categorical.from_codes(
        np.where(from_ours & to_ours, 0, np.where(out, 1, 2)), dtype=DIRECTIONS))
    return _calls(frame, started=frame["_start"], direction=direction, talk=talk, answered=answered,
                  ours=labels_from_codes(ours, dictionary), theirs=labels_from_codes(theirs, dictionary),
                  trimmed=True)


def _chunked(frame: pd.DataFrame, column: str):
    """A text column as Arrow large strings, in the chunks it has (all null when absent)."""
    import pyarrow as pa
    values = _text(frame, column)
    arr = getattr(values.array, "_pa_array", None)
    if arr is None:
        return _arrow(values)
    return arr if arr.type == pa.large_string() else arr.cast(pa.large_string())


def _codes(encoded) -> tuple[np.ndarray, "pa.Array"]:
    """(int64 codes, -1 for missing; the dictionary as large strings) of a dictionary-encoded
    array or chunked array (whose chunks share one dictionary)."""
    import pyarrow as pa
    chunks = encoded.chunks if isinstance(encoded, pa.ChunkedArray) else [encoded]
    if not chunks:
        return np.zeros(0, dtype=np.int64), pa.array([], pa.large_string())
    codes = np.concatenate([c.indices.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64)
                            for c in chunks])
    return codes, chunks[-1].dictionary.cast(pa.large_string())


def _clean_words(words):
    """Distinct raw text cleaned as map_table's clean_text cleans a column: trimmed, blank null."""
    import pyarrow as pa
    import pyarrow.compute as pc
    trimmed = pc.utf8_trim_whitespace(words)
    if isinstance(trimmed, pa.ChunkedArray):
        trimmed = trimmed.combine_chunks()
    return pc.if_else(pc.equal(pc.binary_length(trimmed), 0), pa.scalar(None, pa.large_string()),
                      trimmed).cast(pa.large_string())


def _channel_peers(channels) -> tuple[np.ndarray, "pa.Array"]:
    """The peer of each channel (CHANNEL_PEER), trimmed, as (codes, dictionary) like `_codes`.
    The regex runs once per distinct name cut at its first dash (SIP/101-0000002a -> SIP/101):
    the peer can hold no dash and the technology before it none either, so the cut name has the
    peer the whole name has, and the cut names repeat (a few dozen phones and trunks over a
    million calls). The dictionary may repeat a peer or hold a null (a name without one)."""
    import pyarrow as pa
    import pyarrow.compute as pc
    codes, names = _codes(pc.dictionary_encode(pc.list_element(pc.split_pattern(channels, "-", max_splits=1), 0)))
    return codes, _clean_words(_extract_arrow(pc.utf8_trim_whitespace(names), CHANNEL_PEER))


def _disposition_is(status, word: str) -> np.ndarray:
    """Whether each disposition is `word`, case and padding aside (Asterisk writes them in capitals:
    the case-folding pass runs only when a value is written otherwise)."""
    import pyarrow as pa
    import pyarrow.compute as pc
    if not pc.all(pc.is_in(status, value_set=pa.array(DISPOSITIONS, pa.large_string()))).as_py():
        status = pc.utf8_trim_whitespace(pc.utf8_upper(status))
    return pc.equal(status, word).fill_null(False).to_numpy(zero_copy_only=False)


ASTERISK = TableSpec(
    table="calls", label="Asterisk CDR", columns=ASTERISK_COLUMNS, finish=_asterisk, dayfirst=False,
    key=("disposition", "billsec", ("start", "calldate"), ("src", "dst")),
    # The ends and the disposition come raw: the layout cleans each distinct value, not a million.
    helper_kinds={"_start": "datetime", "_total": "float", "_talk": "float", **dict.fromkeys(
        ("_src", "_dst", "_clid", "_channel", "_dstchannel", "_status"), "raw")},
)


# -- Mango Office: stats/result of the VPBX API (3.4.1.2), headerless, unix times ----------------------

MANGO_COLUMNS = {
    "records": "_records", "start": "_start", "finish": "_finish", "answer": "_answer",
    "from_extension": "_from_ext", "from_number": "_from", "to_extension": "_to_ext", "to_number": "_to",
    "disconnect_reason": "_reason", "line_number": "_line", "location": "_location", "entry_id": "call_id",
}


def _mango(frame: pd.DataFrame, ctx: FinishContext) -> dict[str, pd.DataFrame]:
    _warn_utc(ctx, "Mango Office statistics", len(frame))
    start, finish, answer = (epoch_times(_text(frame, c)) for c in ("_start", "_finish", "_answer"))
    from_ext, to_ext = _text(frame, "_from_ext").str.strip(), _text(frame, "_to_ext").str.strip()
    has_from = from_ext.notna() & from_ext.ne("")
    has_to = to_ext.notna() & to_ext.ne("")
    direction = pd.Series(np.select([has_from & has_to, has_from, has_to], ["internal", "out", "in"], "in"),
                          index=frame.index, dtype="str")
    ours = from_ext.where(direction.eq("out"), to_ext.where(has_to, None))
    theirs = _text(frame, "_to").where(direction.eq("out"), _text(frame, "_from"))
    talk = (finish - answer).dt.total_seconds()
    answered = answer.notna() & (talk > 0) & (direction.ne("in") | has_to)
    return _calls(frame, started=start, direction=direction, talk=talk, answered=answered, ours=ours,
                  theirs=theirs)


MANGO = TableSpec(
    table="calls", label="Mango Office statistics", columns=MANGO_COLUMNS, finish=_mango,
    key=("from_extension", "to_number", "disconnect_reason"),
)


# -- Sipuni: statistic/export (";" CSV with a Russian header) -------------------------------------------

SIPUNI_COLUMNS = {
    "Тип": "_type", "Статус": "_status", "Время": "_start", "Схема": "_scheme", "Откуда": "_from",
    "Куда": "_to", "Кто ответил": "_agent", "Длительность звонка": "_total", "Продолжительность звонка": "_total",
    "Длительность разговора": "_talk", "Продолжительность разговора": "_talk", "ID записи": "call_id",
}


def _sipuni(frame: pd.DataFrame, ctx: FinishContext) -> dict[str, pd.DataFrame]:
    kind = _text(frame, "_type").str.lower()
    starts = [kind.str.startswith(word).fillna(False) for word in ("исх", "вход", "внутр")]
    direction = pd.Series(np.select(starts, ["out", "in", "internal"], "in"), index=frame.index, dtype="str")
    agent = _text(frame, "_agent")
    ours = _text(frame, "_from").where(direction.eq("out"), agent)
    theirs = _text(frame, "_to").where(direction.eq("out"), _text(frame, "_from"))
    talk = seconds(_text(frame, "_talk"))
    said = _text(frame, "_status").str.lower().str.strip()
    answered = said.str.match(ANSWERED_WORDS).fillna(False) & ~said.str.startswith("не").fillna(False) & (talk > 0)
    return _calls(frame, started=frame["_start"], direction=direction, talk=talk, answered=answered, ours=ours,
                  theirs=theirs)


SIPUNI = TableSpec(
    table="calls", label="Sipuni call statistics", columns=SIPUNI_COLUMNS, finish=_sipuni, dayfirst=True,
    key=("Тип", "Откуда", "Куда", ("Длительность разговора", "Продолжительность разговора")),
    helper_kinds={"_start": "datetime"},
)


# -- UIS / CoMagic (and Novofon, CallGear): Data API get.calls_report fields ----------------------------

UIS_COLUMNS = {
    "id": "call_id", "communication_id": "call_id", "start_time": "_start", "finish_time": "_end",
    "direction": "_direction", "is_lost": "_lost", "talk_duration": "_talk", "total_duration": "_total",
    "contact_phone_number": "_their", "virtual_phone_number": "_line",
    "last_answered_employee_full_name": "_agent", "first_answered_employee_full_name": "_agent2",
    "employee_full_name": "_agent3", "employees": "_employees",
}


def _uis(frame: pd.DataFrame, ctx: FinishContext) -> dict[str, pd.DataFrame]:
    label = _text(frame, "_direction").str.lower().str.strip()
    direction = pd.Series(np.where(label.str.startswith("out").fillna(False), "out", "in"), index=frame.index,
                          dtype="str")
    agent = _text(frame, "_agent")
    for extra in ("_agent2", "_agent3"):
        agent = agent.where(agent.notna() & agent.ne(""), _text(frame, extra))
    lost = _text(frame, "_lost").str.lower().str.strip().isin(["true", "1", "yes", "да"])
    talk = seconds(_text(frame, "_talk"))
    answered = ~lost & (talk > 0)
    return _calls(frame, started=frame["_start"], direction=direction, talk=talk, answered=answered,
                  ours=agent, theirs=_text(frame, "_their"))


UIS = TableSpec(
    table="calls", label="UIS / CoMagic calls report", columns=UIS_COLUMNS, finish=_uis, dayfirst=False,
    key=("start_time", "contact_phone_number", ("direction", "is_lost", "talk_duration")),
    helper_kinds={"_start": "datetime", "_end": "datetime"},
)


# -- Zadarma: /v1/statistics/ and /v1/statistics/pbx/ fields ----------------------------------------------

ZADARMA_COLUMNS = {
    "callstart": "_start", "sip": "_sip", "clid": "_from", "from": "_from", "destination": "_to", "to": "_to",
    "disposition": "_status", "seconds": "_talk", "billseconds": "_talk", "pbx_call_id": "call_id",
    "call_id": "call_id", "id": "call_id", "call_type": "_direction",
}


def _zadarma(frame: pd.DataFrame, ctx: FinishContext) -> dict[str, pd.DataFrame]:
    src, dst = _text(frame, "_from"), _text(frame, "_to")
    direction, ours, theirs = _from_to(ctx, src, dst)
    label = _text(frame, "_direction").str.lower()
    direction = direction.mask(label.str.startswith("in").fillna(False), "in").mask(
        label.str.startswith("out").fillna(False), "out")
    sip = _text(frame, "_sip")
    ours = ours.where(is_extension(ours, _declared(ctx)), sip.where(sip.notna(), ours))
    theirs = dst.where(direction.eq("out"), src).where(direction.ne("internal"), None)
    talk = seconds(_text(frame, "_talk"))
    answered = _text(frame, "_status").str.lower().str.strip().eq("answered").fillna(False) & (talk > 0)
    return _calls(frame, started=frame["_start"], direction=direction, talk=talk, answered=answered, ours=ours,
                  theirs=theirs)


ZADARMA = TableSpec(
    table="calls", label="Zadarma call statistics", columns=ZADARMA_COLUMNS, finish=_zadarma, dayfirst=False,
    key=("callstart", "disposition", ("seconds", "billseconds")),
    helper_kinds={"_start": "datetime"},
)


# -- Twilio: the Calls resource (API 2010-04-01), as its list is saved to CSV ----------------------------

TWILIO_COLUMNS = {
    "sid": "call_id", "Sid": "call_id", "from": "_from", "From": "_from", "to": "_to", "To": "_to",
    "status": "_status", "Status": "_status", "start_time": "_start", "StartTime": "_start",
    "duration": "_talk", "Duration": "_talk", "direction": "_direction", "Direction": "_direction",
    "parent_call_sid": "_parent", "ParentCallSid": "_parent",
}


def _twilio(frame: pd.DataFrame, ctx: FinishContext) -> dict[str, pd.DataFrame]:
    _warn_utc(ctx, "Twilio", len(frame))
    label = _text(frame, "_direction").str.lower()
    direction = pd.Series(np.where(label.str.startswith("outbound").fillna(False), "out", "in"), index=frame.index,
                          dtype="str")
    ours = _text(frame, "_from").where(direction.eq("out"), _text(frame, "_to"))
    theirs = _text(frame, "_to").where(direction.eq("out"), _text(frame, "_from"))
    talk = seconds(_text(frame, "_talk"))
    answered = _text(frame, "_status").str.lower().eq("completed").fillna(False) & (talk > 0)
    return _calls(frame, started=rfc2822_times(_text(frame, "_start")), direction=direction, talk=talk,
                  answered=answered, ours=ours, theirs=theirs)


TWILIO = TableSpec(
    table="calls", label="Twilio calls", columns=TWILIO_COLUMNS, finish=_twilio,
    key=(("sid", "Sid"), ("direction", "Direction"), ("start_time", "StartTime"), ("duration", "Duration")),
)


PROFILE = Profile(
    name="telephony", label="phone system",
    tables=(ASTERISK, MANGO, SIPUNI, UIS, ZADARMA, TWILIO),
)
