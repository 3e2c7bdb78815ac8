"""crm-audit.toml: column mapping, stage order, thresholds, vocabularies, report settings, limits.

The whole file is validated before any data is read: a typo in a cron job's config must
stop the run with a one-line message (and the nearest known name), not fall back to a
default or crash after an hour of auditing. Unknown sections, keys and check codes are
refused; types are strict (a string where a list belongs, "no" where a boolean belongs);
numbers are finite and within their range. Check parameters are judged by the rules each
check declares beside its defaults (`param_rules`), handed down by the app as a
`Catalogue` together with the CRM names the profiles know and the vocabulary lists the checks
read (this floor sees none of them; without a catalogue those names are left to the floors
that own them: ingestion checks the CRM, the runner the lists and parameters).
"""

from __future__ import annotations

import codecs
import difflib
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, Mapping

from audit.model.asof import parse_as_of
from audit.model.errors import AuditError, ConfigError, read_text_document
from audit.model.limits import LIMIT_RANGES, ReadLimits
from audit.model.params import FLAG, Rule
from audit.model import SCHEMA, TABLES

SECTIONS = ("input", "columns", "files", "status", "pipelines", "checks", "vocab", "report", "history",
            "limits", "calls")
CALLS_KEYS = ("region", "extensions", "timezone", "columns")
SEVERITIES = ("info", "low", "medium", "high")
FAIL_ON = ("high", "medium", "low", "info", "never")
LANGS = ("en", "ru")


@dataclass(frozen=True)
class Catalogue:
    """What the config is checked against, known only above this floor: each check's
    parameter rules by code, the CRM names `[input] crm` may take (the profiles), and the
    vocabulary lists `[vocab]` may extend (checks.vocab)."""

    checks: Mapping[str, Mapping[str, Rule]]
    crms: tuple[str, ...]
    vocab_lists: tuple[str, ...] = ()


@dataclass(frozen=True)
class Config:
    path: str | None = None
    crm: str = "auto"
    encoding: str | None = None
    as_of: str | None = None
    # export header -> canonical column, per table ({"deals": {"Сумма сделки": "amount"}})
    columns: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    # file name or glob -> table kind, when detection should be overridden
    files: Mapping[str, str] = field(default_factory=dict)
    # stage names that mean won / lost in this CRM (on top of each profile's own)
    won_stages: tuple[str, ...] = ()
    lost_stages: tuple[str, ...] = ()
    # pipeline -> its open stages in order (and optionally won/lost stage names)
    pipelines: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    check_params: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    severities: Mapping[str, str] = field(default_factory=dict)
    disabled: frozenset[str] = frozenset()
    fail_on: str | None = None
    vocab: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    report: Mapping[str, Any] = field(default_factory=dict)
    history: Mapping[str, Any] = field(default_factory=dict)
    limits: ReadLimits = ReadLimits()
    calls: "CallsSettings" = field(default_factory=lambda: CallsSettings())


@dataclass(frozen=True)
class CallsSettings:
    """`[calls]`: how to read the phone system's call log.

    region: where numbers written without a country code are (ISO 3166, default RU);
    extensions: our party (extension, SIP user, line number) -> manager, as in the CRM;
    timezone: set when the log's times are UTC (Asterisk `usegmtime=yes`, Mango Office unix
    times): they are converted to this zone's local time, as CRM exports are;
    columns: the field order of a call log without a header row, when it is none of the
    documented layouts (Asterisk cdr_csv and cdr_custom, Mango Office stats).
    """

    region: str = "RU"
    extensions: Mapping[str, str] = field(default_factory=dict)
    timezone: str | None = None
    columns: tuple[str, ...] = ()


def load(path: str | Path | None, catalogue: Catalogue | None = None) -> Config:
    """Read and validate a config file; None gives the defaults."""
    if path is None:
        return Config()
    p = Path(path)
    text = read_text_document(p, "config file", ConfigError)
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"not valid TOML: {exc}", path=p) from None
    return parse(raw, path=str(p), catalogue=catalogue)


def nearest(name: str, known: Any) -> str:
    """' (did you mean X?)' for the closest known name, or ''."""
    match = difflib.get_close_matches(str(name), [str(k) for k in known], n=1, cutoff=0.5)
    return f" (did you mean {match[0]}?)" if match else ""


class _Reader:
    """Validation helpers that name the config file in every error."""

    def __init__(self, raw: Mapping[str, Any], path: str | None):
        self.raw, self.path = raw, path

    def fail(self, problem: str) -> ConfigError:
        return ConfigError(problem, path=self.path)

    def table(self, name: str) -> Mapping[str, Any]:
        value = self.raw.get(name, {})
        if not isinstance(value, dict):
            raise self.fail(f"[{name}] must be a table, e.g. [{name}] on its own line")
        return value

    def only(self, section: Mapping[str, Any], allowed: Any, where: str) -> None:
        extra = sorted(set(section) - set(allowed))
        if extra:
            raise self.fail(f"{where}: unknown key {extra[0]!r}{nearest(extra[0], allowed)} "
                            f"(known: {', '.join(sorted(allowed))})")

    def strings(self, value: Any, where: str) -> tuple[str, ...]:
        if isinstance(value, str):
            raise self.fail(f'{where} must be a list, e.g. ["{value}"], not a string')
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.fail(f"{where} must be a list of strings")
        return tuple(value)

    def text(self, value: Any, where: str, *, empty: bool = False) -> str:
        if not isinstance(value, str):
            raise self.fail(f"{where} must be a string in quotes, not {value!r}")
        if not empty and not value.strip():
            raise self.fail(f"{where} is empty")
        return value

    def choice(self, value: Any, where: str, allowed: tuple[str, ...]) -> str:
        text = self.text(value, where).lower()
        if text not in allowed:
            raise self.fail(f"{where} = {value!r}: use {', '.join(allowed)}{nearest(text, allowed)}")
        return text

    def rule(self, value: Any, where: str, rule: Rule) -> Any:
        problem = rule.problem(value)
        if problem:
            raise self.fail(f"{where} {problem}")
        return value


def parse(raw: Mapping[str, Any], path: str | None = None, catalogue: Catalogue | None = None) -> Config:
    r = _Reader(raw, path)
    unknown = sorted(set(raw) - set(SECTIONS))
    if unknown:
        raise r.fail(f"unknown section [{unknown[0]}]{nearest(unknown[0], SECTIONS)} "
                     f"(known: {', '.join(SECTIONS)})")
    crm, encoding, as_of = _input(r, catalogue)
    params, severities, disabled, fail_on = _checks(r, catalogue)
    status = r.table("status")
    r.only(status, ("won", "lost"), "[status]")
    return Config(
        path=path, crm=crm, encoding=encoding, as_of=as_of,
        columns=MappingProxyType(_columns(r)), files=MappingProxyType(_files(r)),
        won_stages=r.strings(status.get("won", []), "[status] won"),
        lost_stages=r.strings(status.get("lost", []), "[status] lost"),
        pipelines=MappingProxyType(_pipelines(r)), check_params=MappingProxyType(params),
        severities=MappingProxyType(severities), disabled=frozenset(disabled), fail_on=fail_on,
        vocab=MappingProxyType(_vocab(r, catalogue)), report=MappingProxyType(_report(r)),
        history=MappingProxyType(_history(r)), limits=_limits(r), calls=_calls(r),
    )


def _input(r: _Reader, catalogue: Catalogue | None) -> tuple[str, str | None, str | None]:
    inp = r.table("input")
    r.only(inp, ("crm", "encoding", "as_of"), "[input]")
    crm = r.text(inp.get("crm", "auto"), "[input] crm").lower()
    if catalogue is not None and crm not in catalogue.crms:
        raise r.fail(f"[input] crm = {crm!r} is not one of {', '.join(catalogue.crms)}{nearest(crm, catalogue.crms)}")
    encoding = None
    if "encoding" in inp:
        encoding = r.text(inp["encoding"], "[input] encoding")
        try:
            codecs.lookup(encoding)
        except LookupError:
            raise r.fail(f"[input] encoding = {encoding!r} is not an encoding Python knows "
                         f"(e.g. utf-8, cp1251, utf-16)") from None
    as_of = None
    if "as_of" in inp:
        try:
            as_of = parse_as_of(inp["as_of"], where="[input] as_of").isoformat()
        except AuditError as exc:
            raise r.fail(exc.problem) from None
    return crm, encoding, as_of


def _columns(r: _Reader) -> dict[str, dict[str, str]]:
    columns: dict[str, dict[str, str]] = {}
    for tname, mapping in r.table("columns").items():
        if tname not in TABLES:
            raise r.fail(f"[columns.{tname}]: unknown table{nearest(tname, TABLES)} (known: {', '.join(TABLES)})")
        if not isinstance(mapping, dict):
            raise r.fail(f"[columns.{tname}] must map export headers to canonical columns")
        names = {c.name for c in SCHEMA[tname]}
        for header, canonical in mapping.items():
            if not isinstance(canonical, str) or canonical not in names:
                raise r.fail(f"[columns.{tname}] {header!r} = {canonical!r}: not a column of {tname}"
                             f"{nearest(canonical, names)} (known: {', '.join(sorted(names))})")
        columns[tname] = dict(mapping)
    return columns


def _files(r: _Reader) -> dict[str, str]:
    files = {}
    kinds = (*TABLES, "ignore")
    for pattern, kind in r.table("files").items():
        if not isinstance(kind, str) or kind not in kinds:
            raise r.fail(f"[files] {pattern!r} = {kind!r}: use one of {', '.join(kinds)}{nearest(kind, kinds)}")
        files[pattern] = kind
    return files


def _pipelines(r: _Reader) -> dict[str, tuple[str, ...]]:
    pipelines = {}
    for name, spec in r.table("pipelines").items():
        where = f"[pipelines.{name!r}]"
        if isinstance(spec, dict):
            r.only(spec, ("stages",), where)
            if "stages" not in spec:
                raise r.fail(f"{where} needs stages = [...]")
            spec = spec["stages"]
        pipelines[name] = r.strings(spec, f"{where} stages")
        if not pipelines[name]:
            raise r.fail(f"{where} stages is empty")
    return pipelines


def _checks(r: _Reader, catalogue: Catalogue | None
            ) -> tuple[dict[str, dict[str, Any]], dict[str, str], set[str], str | None]:
    checks = dict(r.table("checks"))
    fail_on = checks.pop("fail_on", None)
    if fail_on is not None:
        fail_on = r.choice(fail_on, "[checks] fail_on", FAIL_ON)
    params: dict[str, dict[str, Any]] = {}
    severities: dict[str, str] = {}
    disabled = set()
    known_codes = catalogue.checks if catalogue is not None else None
    for key, settings in checks.items():
        code = str(key).upper()
        if known_codes is not None and code not in known_codes:
            raise r.fail(f"[checks.{key}]: no such check{nearest(code, known_codes)} "
                         f"(see `crm-audit checks`)")
        if not isinstance(settings, dict):
            raise r.fail(f"[checks.{key}] must be a table of settings, or [checks] {key!r} is an unknown "
                         f"key (known: fail_on)")
        settings = dict(settings)
        if "severity" in settings:
            severities[code] = r.choice(settings.pop("severity"), f"[checks.{key}] severity", SEVERITIES)
        if "enabled" in settings:
            if not r.rule(settings.pop("enabled"), f"[checks.{key}] enabled", FLAG):
                disabled.add(code)
        if known_codes is not None:
            rules = known_codes[code]
            r.only(settings, (*rules, "severity", "enabled"), f"[checks.{key}]")
            for name, value in settings.items():
                r.rule(value, f"[checks.{key}] {name}", rules[name])
        params[code] = settings
    return params, severities, disabled, fail_on


def _vocab(r: _Reader, catalogue: Catalogue | None) -> dict[str, tuple[str, ...]]:
    vocab = {}
    known = catalogue.vocab_lists if catalogue is not None else ()
    for name, words in r.table("vocab").items():
        if known and name not in known:
            raise r.fail(f"[vocab] {name!r}: unknown list{nearest(name, known)} (known: {', '.join(known)})")
        vocab[name] = r.strings(words, f"[vocab] {name}")
    return vocab


def _report(r: _Reader) -> dict[str, Any]:
    report = dict(r.table("report"))
    r.only(report, ("lang", "deal_url", "max_rows", "mask_pii"), "[report]")
    if "lang" in report:
        report["lang"] = r.choice(report["lang"], "[report] lang", LANGS)
    if "deal_url" in report:
        url = r.text(report["deal_url"], "[report] deal_url")
        if "{id}" not in url:
            raise r.fail("[report] deal_url must contain {id}, e.g. https://acme.amocrm.ru/leads/detail/{id}")
    if "max_rows" in report:
        r.rule(report["max_rows"], "[report] max_rows",
               Rule("a whole number of rows of at least 1", low=1, high=1_048_575, integer=True))
    if "mask_pii" in report:
        r.rule(report["mask_pii"], "[report] mask_pii", FLAG)
    return report


def _history(r: _Reader) -> dict[str, Any]:
    history = dict(r.table("history"))
    r.only(history, ("dir",), "[history]")
    if "dir" in history:
        r.text(history["dir"], "[history] dir")
    return history


def _limits(r: _Reader) -> ReadLimits:
    section = r.table("limits")
    r.only(section, LIMIT_RANGES, "[limits]")
    values = {}
    for name, value in section.items():
        kind, low, high = LIMIT_RANGES[name]
        rule = Rule(f"{'a whole number' if kind is int else 'a number'} between {_num(low)} and {_num(high)}",
                    low=low, high=high, integer=kind is int)
        values[name] = kind(r.rule(value, f"[limits] {name}", rule))
    return ReadLimits(**values)



def _calls(r: _Reader) -> CallsSettings:
    from audit.model.phones import known_region
    section = r.table("calls")
    r.only(section, CALLS_KEYS, "[calls]")
    region = r.text(section.get("region", "RU"), "[calls] region")
    if not known_region(region):
        raise r.fail(f"[calls] region = {region!r}: use a country code such as RU, KZ, BY, US, DE")
    extensions = section.get("extensions", {})
    if not isinstance(extensions, dict):
        raise r.fail('[calls.extensions] must map extensions to manager names, e.g. "101" = "Иванов Пётр"')
    names = {str(k).strip(): r.text(v, f"[calls.extensions] {k!r}").strip() for k, v in extensions.items()}
    timezone = section.get("timezone")
    if timezone is not None:
        import zoneinfo
        timezone = r.text(timezone, "[calls] timezone")
        try:
            zoneinfo.ZoneInfo(timezone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise r.fail(f"[calls] timezone = {timezone!r}: use a time zone name such as Europe/Moscow") from None
    columns = r.strings(section.get("columns", []), "[calls] columns")
    return CallsSettings(region=region.upper(), extensions=MappingProxyType(names), timezone=timezone,
                         columns=columns)


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"
