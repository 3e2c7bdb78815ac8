"""The demo's phone system: an Asterisk Master.csv for the simulated CRM, with off-system talk.

Every call the CRM logged (an amoCRM "Входящий/Исходящий звонок" event) is in the log at the
same moment, from the manager's extension. On top of what the CRM knows:

- OF07: the manager who logs little (Васильев Андрей, OF03's silent logger) talks to the
  contacts of many of his deals in the middle of their life and records none of it;
- OF08: he also keeps calling a handful of numbers that are no contact of any deal;
- OF09: some deals were first talked about a week or two before anyone created them;
- the ordinary noise of a PBX: missed calls, calls only the IVR answered, internal calls.

The log is cdr_csv with `loguniqueid` and `loguserfield` (18 fields), local times, as the
sample cdr.conf writes it apart from `usegmtime`. `call_log` is vectorized (numpy) and
`write_master_csv` writes through Arrow, so the benchmark can make a million calls.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from audit.app.demo import OWNERS, SILENT_LOGGER, DemoData, deal_phones

OFF_SYSTEM_SHARE = 0.45       # of the silent logger's deals that get unlogged talk
OUTSIDE_NUMBERS = 6           # numbers he calls that no deal knows
LATE_DEALS = 14               # deals created days after the first talk (OF09)
TRUNK = "SIP/mango-trunk"
FIELDS = ("accountcode", "src", "dst", "dcontext", "clid", "channel", "dstchannel", "lastapp", "lastdata",
          "start", "answer", "end", "duration", "billsec", "disposition", "amaflags", "uniqueid", "userfield")


@dataclass(frozen=True)
class CallPlants:
    """What the log holds beyond the CRM: deal ids OF07 and OF09 should flag, OF08's manager."""

    unlogged_deals: tuple[str, ...]
    late_deals: tuple[str, ...]
    outside_owner: str


def extensions(owners) -> dict[str, str]:
    """101, 102, ... for the managers in OWNERS order (the rest after them)."""
    names = list(dict.fromkeys([*[o for o in OWNERS if o in set(owners)], *sorted(set(owners) - set(OWNERS))]))
    return {str(101 + i): name for i, name in enumerate(names)}


def call_log(data: DemoData, seed: int = 7, extra_per_deal: float = 0.0) -> tuple[pd.DataFrame, dict, CallPlants]:
    """(calls with columns start, talk_s, answered, direction, ext, number; extensions; plants).
    `extra_per_deal`: more logged-and-matched client calls per deal, to size a benchmark."""
    rng = np.random.default_rng([seed, 16])
    deals = data.deals.reset_index(drop=True)
    ext_of = {name: ext for ext, name in extensions(deals["owner"].dropna()).items()}
    phone = pd.Series(deal_phones(len(deals), seed), index=deals["deal_id"].to_numpy())
    phone = phone[~phone.index.duplicated()]  # a repeated deal id (HY02's plant) calls from its first phone
    parts = [_logged(data, phone, ext_of, rng)]
    silent = OWNERS[SILENT_LOGGER]
    unlogged, part = _unlogged(data, deals, phone, ext_of, silent, rng)
    parts.append(part)
    parts.append(_outside(deals, ext_of[silent], rng))
    late, part = _late(deals, phone, ext_of, rng, exclude=set(unlogged))
    parts.append(part)
    parts.append(_noise(deals, phone, list(ext_of.values()), rng))
    if extra_per_deal:
        parts.append(_extra(data, phone, ext_of, rng, extra_per_deal))
    calls = pd.concat(parts, ignore_index=True).sort_values("start", kind="stable").reset_index(drop=True)
    return calls, {e: n for n, e in ext_of.items()}, CallPlants(tuple(unlogged), tuple(late), silent)


def _frame(start, talk, direction, ext, number) -> pd.DataFrame:
    talk = np.asarray(talk, dtype=float)
    return pd.DataFrame({"start": pd.to_datetime(start).astype("datetime64[s]"), "talk_s": talk.round(),
                         "answered": talk > 0, "direction": direction, "ext": ext, "number": number})


def _logged(data: DemoData, phone: pd.Series, ext_of: dict, rng) -> pd.DataFrame:
    acts = data.activities
    acts = acts[acts["type"].eq("call") & acts["deal_id"].isin(phone.index) & acts["at"].notna()]
    jitter = pd.to_timedelta(rng.integers(-60, 60, size=len(acts)), unit="s")
    talk = acts["duration_s"].fillna(90).clip(lower=20).to_numpy()
    return _frame(acts["at"] + jitter, talk, acts["direction"].fillna("out").to_numpy(),
                  acts["owner"].map(ext_of).fillna("100").to_numpy(), acts["deal_id"].map(phone).to_numpy())


def _unlogged(data, deals, phone, ext_of, owner, rng) -> tuple[list[str], pd.DataFrame]:
    """Talk in the middle of a deal's life, a day away from anything the CRM logged on it."""
    life = (deals["closed_at"].fillna(data.as_of if data.as_of is not None else deals["created_at"].max())
            - deals["created_at"])
    mid = deals["created_at"] + life / 2
    mine = deals["owner"].eq(owner) & (life > pd.Timedelta(days=3))
    acts = data.activities.dropna(subset=["at"])
    nearest = _nearest_gap(acts, deals["deal_id"], mid)
    pick = np.flatnonzero(mine.to_numpy() & (nearest > pd.Timedelta(hours=30)).to_numpy()
                          & (mid < deals["created_at"].max()).to_numpy())
    pick = pick[rng.random(len(pick)) < OFF_SYSTEM_SHARE]
    starts, numbers = [], []
    for k in range(2):  # two conversations an hour and a half apart
        starts.append(mid.iloc[pick] + pd.Timedelta(minutes=90 * k))
        numbers.append(deals["deal_id"].iloc[pick].map(phone))
    start = pd.concat(starts)
    talk = rng.integers(120, 900, size=len(start))
    direction = np.where(rng.random(len(start)) < 0.5, "in", "out")
    return deals["deal_id"].iloc[pick].tolist(), _frame(start, talk, direction, ext_of[owner], pd.concat(numbers))


def _nearest_gap(acts: pd.DataFrame, deal_ids: pd.Series, times: pd.Series) -> pd.Series:
    """Per deal, how far `times` is from the deal's nearest activity (large when it has none)."""
    merged = pd.merge_asof(pd.DataFrame({"t": times.to_numpy(), "deal_id": deal_ids.to_numpy(),
                                         "row": np.arange(len(times))}).sort_values("t"),
                           acts[["deal_id", "at"]].sort_values("at").rename(columns={"at": "a"}),
                           left_on="t", right_on="a", by="deal_id", direction="nearest")
    gap = (merged["t"] - merged["a"]).abs().fillna(pd.Timedelta(days=3650))
    return pd.Series(gap.to_numpy(), index=merged["row"].to_numpy()).sort_index().set_axis(times.index)


def _outside(deals, ext, rng) -> pd.DataFrame:
    first = deals["created_at"].quantile(0.5).normalize() + pd.Timedelta(hours=10)
    numbers = [f"8916{rng.integers(1_000_000, 9_999_999)}" for _ in range(OUTSIDE_NUMBERS)]
    rows = []
    for i, number in enumerate(numbers):
        for k in range(3 + i % 3):
            rows.append((first + pd.Timedelta(days=7 * i + 2 * k, minutes=int(rng.integers(0, 420))), number))
    start, number = zip(*rows)
    talk = rng.integers(90, 720, size=len(rows))
    return _frame(list(start), talk, "out", ext, list(number))


def _late(deals, phone, ext_of, rng, exclude) -> tuple[list[str], pd.DataFrame]:
    """Two conversations 5 to 20 days before the deal was created."""
    early = deals["created_at"].min() + pd.Timedelta(days=45)
    eligible = np.flatnonzero((deals["created_at"] > early).to_numpy() & ~deals["deal_id"].isin(exclude).to_numpy()
                              & deals["owner"].notna().to_numpy())
    pick = rng.choice(eligible, size=min(LATE_DEALS, len(eligible)), replace=False)
    chosen = deals.iloc[np.sort(pick)]
    lead = pd.to_timedelta(rng.integers(5, 20, size=len(chosen)), unit="D")
    start = pd.concat([chosen["created_at"] - lead, chosen["created_at"] - lead + pd.Timedelta(days=2)])
    number = pd.concat([chosen["deal_id"].map(phone)] * 2)
    ext = pd.concat([chosen["owner"].map(ext_of)] * 2)
    talk = rng.integers(120, 600, size=len(start))
    return chosen["deal_id"].tolist(), _frame(start, talk, "in", ext.to_numpy(), number.to_numpy())


def _noise(deals, phone, exts, rng) -> pd.DataFrame:
    """Missed calls from clients, IVR-only calls, and calls between colleagues."""
    n = len(deals)
    who = rng.integers(0, n, size=n // 5)
    start = deals["created_at"].iloc[who].to_numpy() + pd.to_timedelta(rng.integers(0, 3600 * 48, size=len(who)), "s")
    missed = _frame(start, np.zeros(len(who)), "in", np.asarray(exts)[rng.integers(0, len(exts), len(who))],
                    deals["deal_id"].iloc[who].map(phone).to_numpy())
    ivr = missed.head(n // 20).assign(ext="s", talk_s=25.0, answered=True)
    inner = _frame(start[: n // 10], rng.integers(30, 300, size=min(n // 10, len(start))), "internal",
                   np.asarray(exts)[rng.integers(0, len(exts), min(n // 10, len(start)))], None)
    inner["number"] = np.asarray(exts)[rng.integers(0, len(exts), len(inner))]
    return pd.concat([missed, ivr, inner], ignore_index=True)


def _extra(data, phone, ext_of, rng, per_deal: float) -> pd.DataFrame:
    """More logged client calls (benchmark sizes): at the deal's logged call times, shifted."""
    base = _logged(data, phone, ext_of, rng)
    reps = int(np.ceil(per_deal * len(data.deals) / max(len(base), 1)))
    out = pd.concat([base] * reps, ignore_index=True).head(int(per_deal * len(data.deals)))
    out["start"] = out["start"] + pd.to_timedelta(rng.integers(1, 600, size=len(out)), unit="s")
    return out


def write_master_csv(calls: pd.DataFrame, path: Path) -> Path:
    """The calls as Asterisk cdr_csv writes them (see the module docstring)."""
    n = len(calls)
    inbound = calls["direction"].eq("in").to_numpy()
    internal = calls["direction"].eq("internal").to_numpy()
    ext = calls["ext"].astype(str).to_numpy(dtype=object)
    digits = calls["number"].astype(str).str.replace(r"\D", "", regex=True)
    # Inbound caller IDs arrive as 7XXXXXXXXXX, outbound numbers are dialled 8XXXXXXXXXX.
    dialled = ("8" + digits.str[-10:]).to_numpy(dtype=object)
    caller = ("7" + digits.str[-10:]).to_numpy(dtype=object)
    number = np.where(internal, calls["number"].astype(str).to_numpy(dtype=object), np.where(inbound, caller, dialled))
    src = np.where(inbound, number, ext)
    dst = np.where(inbound, ext, number)
    seq = np.char.zfill(np.arange(n).astype(str), 8).astype(object)
    ours = "SIP/" + ext + "-" + seq
    theirs = np.full(n, TRUNK + "-", dtype=object) + seq
    ivr = inbound & (ext == "s")
    channel = np.where(inbound, theirs, ours)
    dstchannel = np.where(ivr, "", np.where(inbound, ours, np.where(internal, "SIP/" + number + "-" + seq, theirs)))
    start = calls["start"].astype("datetime64[s]")
    ring_s = np.where(calls["answered"], 8, 30)
    ring = pd.Series(pd.to_timedelta(ring_s, unit="s"), index=calls.index)
    talk = calls["talk_s"].fillna(0).astype(int)
    answer = (start + ring).dt.strftime("%Y-%m-%d %H:%M:%S").where(calls["answered"], "")
    end = start + ring + pd.to_timedelta(talk, unit="s")
    epoch = start.astype("int64") // 1
    columns = {
        "accountcode": np.full(n, "", dtype=object), "src": src, "dst": dst,
        "dcontext": np.where(inbound, "from-trunk", "from-internal"),
        "clid": np.where(inbound, '"' + src + '" <' + src + ">", '"' + ext + '" <' + ext + ">"),
        "channel": channel, "dstchannel": dstchannel, "lastapp": np.where(ivr, "Playback", "Dial"),
        "lastdata": np.where(ivr, "welcome", "SIP/" + dst),
        "start": start.dt.strftime("%Y-%m-%d %H:%M:%S"), "answer": answer, "end": end.dt.strftime("%Y-%m-%d %H:%M:%S"),
        "duration": (talk + ring_s).astype(str), "billsec": talk.astype(str),
        "disposition": np.where(calls["answered"], "ANSWERED", "NO ANSWER"), "amaflags": np.full(n, "DOCUMENTATION"),
        "uniqueid": (epoch.astype(str) + "." + np.arange(n).astype(str)).to_numpy(dtype=object),
        "userfield": np.full(n, "", dtype=object),
    }
    table = pa.table({k: pa.array(np.asarray(v, dtype=object).astype(str), pa.string()) for k, v in columns.items()})
    path.parent.mkdir(parents=True, exist_ok=True)
    pacsv.write_csv(table, path, pacsv.WriteOptions(include_header=False, quoting_style="all_valid"))
    return path


def write_call_log(data: DemoData, path: Path, seed: int = 7) -> dict[str, str]:
    """Write the demo's Master.csv; returns the extensions for crm-audit.toml [calls.extensions]."""
    calls, exts, _ = call_log(data, seed)
    write_master_csv(calls, path)
    return exts
