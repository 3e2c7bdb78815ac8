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

import numpy as np
import pandas as pd

from audit.ingest.profiles.base import FinishContext, Profile, TableSpec
from audit.model.warnings import InputWarning

# An extension: a short run of digits (or a name `[calls.extensions]` declares).
EXTENSION = re.compile(r"^\d{2,6}$")
# The peer of an Asterisk channel: SIP/101-0000002a, PJSIP/101-00000012, Local/101@from-queue-0;1.
CHANNEL_PEER = r"^(?:[A-Za-z0-9]+)/([^-@;/]+)"
ANSWERED_WORDS = r"^(answered|отвечен|отвечено|принят|completed|success|успешн|разговор)"


def is_extension(values: pd.Series, declared: frozenset[str]) -> pd.Series:
    """2 to 6 digits, or a party `[calls.extensions]` declares (Arrow kernels: no regex per row)."""
    import pyarrow as pa
    import pyarrow.compute as pc
    arr = pc.utf8_trim_whitespace(_arrow(values))
    length = pc.utf8_length(arr)
    short = pc.and_(pc.utf8_is_digit(arr), pc.and_(pc.greater_equal(length, 2), pc.less_equal(length, 6)))
    if declared:
        short = pc.or_(short, pc.is_in(arr, value_set=pa.array(sorted(declared), pa.large_string())))
    return pd.Series(short.fill_null(False).to_numpy(zero_copy_only=False), index=values.index)


def _arrow(values: pd.Series):
    import pyarrow as pa
    text = values.astype("str")
    backing = getattr(text.array, "_pa_array", None)
    if backing is not None:
        return backing.combine_chunks().cast(pa.large_string())
    return pa.array(text.astype(object).where(text.notna(), None).tolist(), type=pa.large_string())


def channel_peer(channels: pd.Series) -> pd.Series:
    return extract(channels, CHANNEL_PEER)


def extract(values: pd.Series, pattern: str) -> pd.Series:
    """The first group of `pattern` in each value, by Arrow's regex engine (pandas' str.extract
    runs Python per row: a call log has a million)."""
    import pyarrow as pa
    import pyarrow.compute as pc
    arr = _arrow(values)
    named = re.sub(r"\((?!\?)", "(?P<g>", pattern, count=1)
    found = pc.struct_field(pc.extract_regex(arr, named), 0)
    return pd.Series(pd.array(found, dtype="str"), index=values.index)


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


def _calls(frame: pd.DataFrame, *, started: pd.Series, direction: pd.Series, talk: pd.Series,
           answered: pd.Series, ours: pd.Series, theirs: pd.Series) -> dict[str, pd.DataFrame]:
    """The canonical table from what a layout worked out. Internal calls keep no their_number."""
    import pyarrow as pa
    import pyarrow.compute as pc
    direction = direction.astype("str")
    internal = direction.eq("internal").fillna(False).to_numpy(dtype=bool)
    answered = answered.fillna(False).to_numpy(dtype=bool)
    talk = pd.to_numeric(talk, errors="coerce").to_numpy(dtype=float)
    theirs_arr = pc.utf8_trim_whitespace(_arrow(theirs))
    theirs_arr = pc.if_else(pa.array(internal), pa.nulls(len(frame), pa.large_string()), theirs_arr)
    out = pd.DataFrame({
        "_row": frame["_row"],
        "call_id": _text(frame, "call_id"),
        "started_at": started.astype("datetime64[us]"),
        "direction": direction,
        "duration_s": np.where(answered, talk, 0.0),
        "answered": pd.array(answered, dtype="boolean"),
        "our_party": pd.array(pc.utf8_trim_whitespace(_arrow(ours)), dtype="str"),
        "their_number": pd.array(theirs_arr, dtype="str"),
    }, index=frame.index)
    return {"calls": out}


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
    """Both ends of each CDR on Arrow arrays (a Master.csv has a million rows: Series.where on
    text is ten times slower than Arrow's if_else)."""
    import pyarrow as pa
    import pyarrow.compute as pc
    declared = _declared(ctx)
    src, dst = _arrow(_text(frame, "_src")), _arrow(_text(frame, "_dst"))
    # The caller's number may only be in the caller ID: "Иван" <79161234567>.
    no_src = pc.or_(pc.is_null(src), pc.equal(pc.utf8_trim_whitespace(src), "")).fill_null(True)
    if pc.any(no_src).as_py():
        clid = _arrow(extract(_text(frame, "_clid"), r"<([^>]*)>"))
        src = pc.if_else(no_src, clid, src)
    from_peer = _arrow(channel_peer(_text(frame, "_channel")))
    to_peer = _arrow(channel_peer(_text(frame, "_dstchannel")))

    def ext(values) -> np.ndarray:
        return is_extension(pd.Series(pd.array(values, dtype="str"), index=frame.index), declared).to_numpy()
    peer_from, peer_to = ext(from_peer), ext(to_peer)
    # Which end is ours: an extension on either the channel (the originating phone) or the number.
    from_ours, to_ours = peer_from | ext(src), peer_to | ext(dst)
    direction = np.select([from_ours & to_ours, from_ours, to_ours], ["internal", "out", "in"], "in")
    out = direction == "out"
    ours = pc.if_else(pa.array(out), pc.if_else(pa.array(peer_from), from_peer, src),
                      pc.if_else(pa.array(to_ours), pc.if_else(pa.array(peer_to), to_peer, dst),
                                 pa.nulls(len(frame), pa.large_string())))
    theirs = pc.if_else(pa.array(out), dst, src)
    status = pc.utf8_trim_whitespace(pc.utf8_upper(_arrow(_text(frame, "_status"))))
    talk = frame["_talk"] if "_talk" in frame.columns else pd.Series(np.nan, index=frame.index)
    # An inbound call that only an IVR or a queue announcement answered reached no one of ours.
    answered = (pc.equal(status, "ANSWERED").fill_null(False).to_numpy(zero_copy_only=False)
                & (talk.fillna(0).to_numpy() > 0) & ((direction != "in") | to_ours))

    def text(arr) -> pd.Series:
        return pd.Series(pd.array(arr, dtype="str"), index=frame.index)
    return _calls(frame, started=frame["_start"], direction=pd.Series(direction, index=frame.index, dtype="str"),
                  talk=talk, answered=pd.Series(answered, index=frame.index), ours=text(ours), theirs=text(theirs))


ASTERISK = TableSpec(
    table="calls", label="Asterisk CDR", columns=ASTERISK_COLUMNS, finish=_asterisk, dayfirst=False,
    key=("disposition", "billsec", ("start", "calldate"), ("src", "dst")),
    helper_kinds={"_start": "datetime", "_total": "float", "_talk": "float"},
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
