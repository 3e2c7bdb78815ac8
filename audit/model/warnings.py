"""Input warnings: what suggests the export was misread or is incomplete, said where the user
looks first (console under the score, the workbook's Summary and Data sheets, the Markdown,
`input.warnings` in the JSON).

A warning is not a finding: it judges the export, not the sales team. Codes are stable
kebab-case names (`no-closed-deals`, `rows-link-to-no-deal`, ...); `numbers` holds the
counts behind the message, so a cron job can act on them without parsing text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping


@dataclass(frozen=True)
class InputWarning:
    code: str                    # stable kebab-case name of the situation
    message: str                 # one sentence in English, with what to export or declare
    message_ru: str              # the same in Russian
    file: str | None = None      # the file (or file:sheet) it is about; None for the export as a whole
    numbers: Mapping[str, Any] = field(default_factory=dict)  # counts and shares behind the message

    def text(self, lang: str = "en") -> str:
        return self.message_ru if lang == "ru" and self.message_ru else self.message

    def as_json(self) -> dict[str, Any]:
        return {"code": self.code, "file": self.file, "message": self.message, "message_ru": self.message_ru,
                "numbers": dict(self.numbers)}
