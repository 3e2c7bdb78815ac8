"""Text about the catalogue for `crm-audit checks` and `explain` (no pandas work)."""

from __future__ import annotations

from checks import ALL_CHECKS, BY_CODE

SCORE_TOPIC = "score"


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
    if info.params:
        parts += ["", ("Настройки" if ru else "Settings") + f" ([checks.{info.code}] in crm-audit.toml):"]
        parts += [f"  {k} = {v!r}" for k, v in info.params]
    return "\n".join(parts)
