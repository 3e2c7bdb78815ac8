"""Text about the catalogue for `crm-audit checks` and `explain` (no pandas work)."""

from __future__ import annotations

from audit.model.verdicts import VERDICT_COLUMNS, Scope, scope_of
from checks import ALL_CHECKS, BY_CODE

SCORE_TOPIC = "score"
TABLE_RU = {Scope.STAGE: "этапов", Scope.PIPELINE: "воронок", Scope.OWNER: "менеджеров"}


def catalogue_lines(lang: str = "en") -> list[str]:
    lines = []
    for check in ALL_CHECKS:
        info = check.info()
        title = info.title_ru if lang == "ru" else info.summary
        lines.append(f"{info.code}  {info.severity.label:<6}  {info.name:<30}  {title}")
    return lines


def explain_text(code: str, lang: str = "en") -> str | None:
    if code.lower() == SCORE_TOPIC:
        from audit.derived.scoring import SCORE_EXPLANATION
        return SCORE_EXPLANATION[lang]
    check = BY_CODE.get(code.upper())
    if check is None:
        return None
    info = check.info()
    ru = lang == "ru"
    parts = [
        f"{info.code} {info.name} ({info.family.value}, {info.severity.label})",
        info.title_ru if ru else info.summary,
        "",
        ("Почему это важно" if ru else "Why it matters") + ":",
        "  " + info.text("rationale", lang),
        "",
        ("Как исправить" if ru else "How to fix") + ":",
        "  " + info.text("fix", lang),
    ]
    if info.gauge is not None:
        g = info.gauge
        side = ("выше" if g.fails.value == "above" else "ниже") if ru else g.fails.value
        parts += ["", ("Что измеряет" if ru else "Measures") + ":",
                  f"  {g.measure_ru if ru else g.measure} ({g.unit.value}); "
                  + (f"не пройдена, если значение {side} порога" if ru else f"fails {side} the threshold")]
    if info.params:
        parts += ["", ("Настройки" if ru else "Settings") + f" ([checks.{info.code}] in crm-audit.toml):"]
        parts += [f"  {k} = {v!r}" for k, v in info.params]
    if info.evidence_keys:
        parts += ["", ("Поля evidence у каждой находки" if ru else "Evidence of each finding") + ":",
                  "  " + ", ".join(info.evidence_keys)]
    if check.verdicts:
        scope = scope_of(check.verdicts)
        parts += ["", (f"Столбцы таблицы {TABLE_RU[scope]}" if ru else f"Columns of the {scope} table") + ":"]
        parts += [f"  {c}: {VERDICT_COLUMNS[c].text(lang)}" for c in check.verdicts]
    return "\n".join(parts)
