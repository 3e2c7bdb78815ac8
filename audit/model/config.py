"""crm-audit.toml: column mapping, stage order, thresholds, vocabularies, report settings.

Every key is validated: a typo in a cron job's config must stop the run with a clear
message, not silently fall back to a default. Names kept by a higher floor are checked
there: `[input] crm` against the profiles by ingestion, `[vocab]` list names and check
parameters against the catalogue by the runner.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, Mapping

from audit.model.errors import ConfigError
from audit.model import SCHEMA, TABLES

SECTIONS = ("input", "columns", "files", "status", "pipelines", "checks", "vocab", "report", "history", "calls")
CALLS_KEYS = ("region", "extensions", "timezone", "columns")


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


def load(path: str | Path | None) -> Config:
    """Read and validate a config file; None gives the defaults."""
    if path is None:
        return Config()
    p = Path(path)
    try:
        raw = tomllib.loads(p.read_text(encoding="utf-8-sig"))
    except FileNotFoundError:
        raise ConfigError("config file not found", path=p) from None
    except UnicodeDecodeError:
        raise ConfigError("config is not UTF-8 text", path=p) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"not valid TOML: {exc}", path=p) from None
    except OSError as exc:
        raise ConfigError(f"cannot read config: {exc.strerror}", path=p) from None
    return parse(raw, path=str(p))


def parse(raw: Mapping[str, Any], path: str | None = None) -> Config:
    """A Config from parsed TOML (`raw`); the first problem raises ConfigError naming `path`.

    Checks sections, keys and value shapes; the names other floors own (CRM profiles,
    vocabulary lists, check parameters) are checked where they are used.
    """
    def fail(problem: str) -> ConfigError:
        return ConfigError(problem, path=path)

    unknown = set(raw) - set(SECTIONS)
    if unknown:
        raise fail(f"unknown section [{sorted(unknown)[0]}] (known: {', '.join(SECTIONS)})")

    def table(name: str) -> Mapping[str, Any]:
        value = raw.get(name, {})
        if not isinstance(value, dict):
            raise fail(f"[{name}] must be a table")
        return value

    def strings(value: Any, where: str) -> tuple[str, ...]:
        if isinstance(value, str):
            return (value,)
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise fail(f"{where} must be a list of strings")
        return tuple(value)

    inp = table("input")
    _only(inp, {"crm", "encoding", "as_of"}, "[input]", fail)
    crm = str(inp.get("crm", "auto")).lower()  # a profile name: checked by ingestion

    columns: dict[str, dict[str, str]] = {}
    for tname, mapping in table("columns").items():
        if tname not in TABLES:
            raise fail(f"[columns.{tname}]: unknown table (known: {', '.join(TABLES)})")
        if not isinstance(mapping, dict):
            raise fail(f"[columns.{tname}] must map export headers to canonical columns")
        names = {c.name for c in SCHEMA[tname]}
        for header, canonical in mapping.items():
            if canonical not in names:
                raise fail(f"[columns.{tname}] {header!r} = {canonical!r}: not a column of {tname} "
                           f"(known: {', '.join(sorted(names))})")
        columns[tname] = dict(mapping)

    files = {}
    for pattern, kind in table("files").items():
        if kind not in TABLES and kind != "ignore":
            raise fail(f"[files] {pattern!r} = {kind!r}: use one of {', '.join(TABLES)} or 'ignore'")
        files[pattern] = kind

    status = table("status")
    _only(status, {"won", "lost"}, "[status]", fail)

    pipelines = {}
    for name, spec in table("pipelines").items():
        stages = spec.get("stages") if isinstance(spec, dict) else spec
        pipelines[name] = strings(stages, f"[pipelines.{name!r}] stages")

    checks = dict(table("checks"))
    fail_on = checks.pop("fail_on", None)
    if fail_on is not None and fail_on not in ("high", "medium", "low", "info", "never"):
        raise fail(f"[checks] fail_on = {fail_on!r}: use high, medium, low or never")
    params: dict[str, dict[str, Any]] = {}
    severities: dict[str, str] = {}
    disabled = set()
    for code, settings in checks.items():
        if not isinstance(settings, dict):
            raise fail(f"[checks.{code}] must be a table of settings")
        settings = dict(settings)
        if "severity" in settings:
            sev = str(settings.pop("severity")).lower()
            if sev not in ("info", "low", "medium", "high"):
                raise fail(f"[checks.{code}] severity = {sev!r}: use info, low, medium or high")
            severities[code.upper()] = sev
        if settings.pop("enabled", True) is False:
            disabled.add(code.upper())
        params[code.upper()] = settings

    vocab = {}
    for name, words in table("vocab").items():  # list names: checked by the runner
        vocab[name] = strings(words, f"[vocab] {name}")

    report = table("report")
    _only(report, {"lang", "deal_url", "max_rows", "mask_pii"}, "[report]", fail)
    if report.get("lang", "en") not in ("en", "ru"):
        raise fail(f"[report] lang = {report['lang']!r}: use en or ru")
    url = report.get("deal_url")
    if url is not None and "{id}" not in str(url):
        raise fail("[report] deal_url must contain {id}, e.g. https://acme.amocrm.ru/leads/detail/{id}")

    history = table("history")
    _only(history, {"dir"}, "[history]", fail)
    calls = _calls(table("calls"), fail, strings)

    return Config(
        path=path, crm=crm, encoding=inp.get("encoding") or None, as_of=inp.get("as_of") or None,
        columns=MappingProxyType(columns), files=MappingProxyType(files),
        won_stages=strings(status.get("won", []), "[status] won"),
        lost_stages=strings(status.get("lost", []), "[status] lost"),
        pipelines=MappingProxyType(pipelines), check_params=MappingProxyType(params),
        severities=MappingProxyType(severities), disabled=frozenset(disabled), fail_on=fail_on,
        vocab=MappingProxyType(vocab), report=MappingProxyType(dict(report)),
        history=MappingProxyType(dict(history)), calls=calls,
    )


def _calls(section: Mapping[str, Any], fail, strings) -> CallsSettings:
    from audit.model.phones import known_region
    _only(section, set(CALLS_KEYS), "[calls]", fail)
    region = section.get("region", "RU")
    if not isinstance(region, str) or not known_region(region):
        raise fail(f"[calls] region = {region!r}: use a country code such as RU, KZ, BY, US, DE")
    extensions = section.get("extensions", {})
    if not isinstance(extensions, dict) or not all(isinstance(v, str) and v.strip() for v in extensions.values()):
        raise fail('[calls.extensions] must map extensions to manager names, e.g. "101" = "Иванов Пётр"')
    timezone = section.get("timezone")
    if timezone is not None:
        import zoneinfo
        try:
            zoneinfo.ZoneInfo(str(timezone))
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise fail(f"[calls] timezone = {timezone!r}: use a time zone name such as Europe/Moscow") from None
    columns = strings(section.get("columns", []), "[calls] columns")
    return CallsSettings(region=region.upper(), extensions=MappingProxyType({str(k).strip(): v.strip()
                                                                             for k, v in extensions.items()}),
                         timezone=timezone, columns=columns)


def _only(section: Mapping[str, Any], allowed: set[str], where: str, fail) -> None:
    extra = set(section) - allowed
    if extra:
        raise fail(f"{where}: unknown key {sorted(extra)[0]!r} (known: {', '.join(sorted(allowed))})")
