"""--mask-pii: mask the clients' personal data in every output.

E-mails keep their domain (`i***@client.ru`), phones their last two digits, contact names
their initials (`И*** П***`): in finding messages, deal titles, evidence, check messages
and the raw text of unreadable values (a line that could not be read belongs to no deal, so
every known contact name is looked for in it, field by field). Managers, companies,
pipelines, stages and ids stay (README, "Reports", says why). Masking is idempotent, so a
writer may apply it to a result the run already masked.
"""

from __future__ import annotations

import re
from functools import lru_cache
from dataclasses import replace
from typing import Any, Mapping

import numpy as np
import pandas as pd

from audit.model.result import AuditResult

EMAIL = re.compile(r"(?<![\w.+-])([\w.+-])[\w.+-]*@((?:[\w-]+\.)+[\w-]{2,})", re.UNICODE)
# A phone: an optional +, then digits with the separators people type. Checked further in
# _mask_phone, so dates, amounts and plain ids are left alone.
PHONE = re.compile(r"(?<![\w+])\+?\d[\d\s().-]{5,}\d(?!\w)")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}")
_DOTTED_DATE = re.compile(r"^\d{1,2}[./]\d{1,2}[./]\d{2,4}")

# Evidence keys whose value is a person or their contact details.
PERSON_KEYS = ("contact", "client", "customer", "person", "email", "e_mail", "e-mail", "mail", "phone",
               "mobile", "tel", "full_name", "first_name", "last_name", "name_of_contact")
# Evidence keys holding ids: never treated as phone numbers.
_ID_KEY = re.compile(r"(^|_)ids?$")

MASKED_MARK = "crm_audit_pii_masked"


def mask_name(name: str) -> str:
    """'Иван Петров' -> 'И*** П***': each word keeps its first letter."""
    return " ".join(w[0] + "***" if w else w for w in str(name).split())


def _mask_email(m: re.Match) -> str:
    return f"{m.group(1)}***@{m.group(2)}"


def _mask_phone(m: re.Match) -> str:
    text = m.group(0)
    if _ISO_DATE.match(text) or _DOTTED_DATE.match(text):  # dates first: most matches in findings
        return text
    digits = sum(ch.isdigit() for ch in text)
    has_plus = text.startswith("+")
    separators = sum(ch in " ()-." for ch in text)
    if has_plus:
        ok = 8 <= digits <= 15
    elif separators:
        # "8 912 345 67 89", "(495) 123-45-67": phone-like grouping, not "1 234 567" money.
        groups = [g for g in re.split(r"[\s().-]+", text) if g]
        ok = 10 <= digits <= 15 and len(groups) >= 3 and any(len(g) == 2 for g in groups[-2:])
    else:
        # A bare run: only the national mobile form (8/7 and ten more digits).
        ok = digits == 11 and text[0] in "78"
    if not ok:
        return text
    kept = 2
    out = []
    seen = 0
    for ch in text:
        if ch.isdigit():
            seen += 1
            out.append(ch if seen > digits - kept else "*")
        else:
            out.append(ch)
    return "".join(out)


def mask_text(text: Any) -> Any:
    """E-mails and phone numbers masked in one string; other values returned as they are."""
    if not isinstance(text, str) or not text:
        return text
    if "@" in text:
        text = EMAIL.sub(_mask_email, text)
    if any(ch.isdigit() for ch in text):
        text = PHONE.sub(_mask_phone, text)
    return text


def _mask_series(values: pd.Series) -> pd.Series:
    """mask_text over a column, vectorized: only the rows that can hold contacts are touched."""
    if values is None or not len(values):
        return values
    text = values.astype(object)
    is_str = text.map(lambda v: isinstance(v, str)) if text.dtype == object else pd.Series(False, index=text.index)
    if not is_str.any():
        return values
    strings = text[is_str].astype(str)
    candidates = strings.str.contains("@", regex=False) | strings.str.contains(r"\d{2}", regex=True)
    if not candidates.any():
        return values
    out = text.copy()
    out.loc[candidates[candidates].index] = strings[candidates].map(mask_text)
    return out


def _name_parts(name: str) -> list[tuple[str, str]]:
    """The replacements for one contact: the full name, then each word of 3+ letters."""
    name = str(name).strip()
    if not name:
        return []
    parts = [(name, mask_name(name))]
    for word in name.split():
        word = word.strip(".,;:()\"'")
        if len(word) >= 3:
            parts.append((word, word[0] + "***"))
    return parts


def _replace_names(text: Any, parts: list[tuple[str, str]]) -> Any:
    if not isinstance(text, str) or not parts:
        return text
    for name, masked in parts:
        if name in text:
            text = text.replace(name, masked)
    return text


def _mask_evidence(evidence: Any, parts: list[tuple[str, str]]) -> Any:
    if isinstance(evidence, Mapping):
        out = {}
        for key, value in evidence.items():
            k = str(key).lower()
            if any(p in k for p in PERSON_KEYS) and not _ID_KEY.search(k):
                out[key] = _mask_person_value(value)
            elif _ID_KEY.search(k):
                out[key] = value
            else:
                out[key] = _mask_evidence(value, parts)
        return out
    if isinstance(evidence, (list, tuple)):
        return type(evidence)(_mask_evidence(v, parts) for v in evidence)
    if isinstance(evidence, str):
        return _replace_names(mask_text(evidence), parts)
    return evidence


def _mask_person_value(value: Any) -> Any:
    if isinstance(value, str):
        masked = mask_text(value)
        return masked if masked != value else mask_name(value) if "***" not in value else value
    if isinstance(value, (list, tuple)):
        return type(value)(_mask_person_value(v) for v in value)
    if isinstance(value, Mapping):
        return {k: _mask_person_value(v) for k, v in value.items()}
    return value


def contacts_by_deal(deals: pd.DataFrame | None) -> pd.Series:
    """deal_id -> contact name, from the canonical deals table (empty when absent)."""
    if deals is None or "contact" not in deals or "deal_id" not in deals:
        return pd.Series(dtype=object)
    known = deals[deals["contact"].notna()]
    return known.drop_duplicates("deal_id").set_index("deal_id")["contact"].astype(object)


# The findings' free text: the messages in both languages and the deal title.
TEXT_COLUMNS = ("message", "message_ru", "title")


_FIELD_SEPARATORS = re.compile(r'([,;\t|"]+)')


def mask_names_in_raw(text: Any, names: frozenset[str], max_words: int) -> Any:
    """Any known contact name in the raw text of a line, field by field (the line's delimiters
    cut names apart from their neighbours), plus e-mails and phones."""
    if not isinstance(text, str) or not names:
        return mask_text(text)
    parts = _FIELD_SEPARATORS.split(mask_text(text))
    return "".join(part if i % 2 else _mask_free_text(part, names, max_words) for i, part in enumerate(parts))


def _mask_unowned_raw(out: pd.DataFrame, own: pd.Series, names: frozenset[str], max_words: int) -> None:
    """Findings that quote a raw line but belong to no known deal (HY08 on a malformed line):
    every known contact name is masked in their texts and their raw evidence."""
    if not names or "evidence" not in out:
        return
    quoting = [i for i, (ev, n) in enumerate(zip(out["evidence"].tolist(), own.tolist()))
               if isinstance(ev, Mapping) and "raw" in ev and not isinstance(n, str)]
    if not quoting:
        return
    rows = out.index[quoting]
    for col in TEXT_COLUMNS:
        if col in out:
            out.loc[rows, col] = [mask_names_in_raw(v, names, max_words) for v in out.loc[rows, col]]
    out.loc[rows, "evidence"] = pd.Series(
        [{**ev, "raw": mask_names_in_raw(ev["raw"], names, max_words)} for ev in out.loc[rows, "evidence"]],
        index=rows, dtype=object)


def _mask_findings(findings: pd.DataFrame, contacts: pd.Series, names: frozenset[str] = frozenset(),
                   max_words: int = 0) -> pd.DataFrame:
    if findings is None or findings.empty:
        return findings
    out = findings.copy()
    for col in TEXT_COLUMNS:
        if col in out:
            out[col] = _mask_series(out[col])
    own = pd.Series(None, index=out.index, dtype=object)
    if len(contacts) and "entity_id" in out and "entity_type" in out:
        is_deal = out["entity_type"].eq("deal")
        own = out["entity_id"].where(is_deal).map(contacts).astype(object)
    has_contact = own.notna()
    if has_contact.any():
        rows = has_contact[has_contact].index
        parts = {name: _name_parts(name) for name in own[rows].unique()}
        for col in TEXT_COLUMNS:
            if col in out:
                out.loc[rows, col] = [_replace_names(v, parts[n]) for v, n in zip(out.loc[rows, col], own[rows])]
    if "evidence" in out:
        cache: dict[str, list] = {}
        out["evidence"] = [
            _mask_evidence(ev, cache.setdefault(n, _name_parts(n)) if isinstance(n, str) else [])
            if ev else ev
            for ev, n in zip(out["evidence"].tolist(), own.tolist())]
    _mask_unowned_raw(out, own, names, max_words)
    return out


def _mask_free_text(text: Any, names: frozenset[str], max_words: int) -> Any:
    """E-mails, phones and any known contact name (1 to max_words words) in a short text."""
    text = mask_text(text)
    if not isinstance(text, str) or not names:
        return text
    words = text.split()
    for size in range(min(max_words, len(words)), 0, -1):
        for i in range(len(words) - size + 1):
            candidate = " ".join(w.strip(".,;:()\"'«»") for w in words[i:i + size])
            if candidate in names:
                text = text.replace(candidate, mask_name(candidate))
    return text


def mask_result(result: AuditResult, deals: pd.DataFrame | None = None) -> AuditResult:
    """The result with clients' personal data masked (see the module docstring).

    `deals` (the canonical deals table) lets each deal's contact name be found in its title
    and messages; without it, e-mails, phones and person-keyed evidence are still masked.
    """
    if is_masked(result):
        return result
    contacts = contacts_by_deal(deals)
    names = frozenset(str(n).strip() for n in contacts.unique() if str(n).strip())
    max_words = max((len(n.split()) for n in names), default=0)
    max_words = min(max_words, 4)
    findings = _mask_findings(result.findings, contacts, names, max_words)
    # Each check's own findings are the same rows: take them from the masked table rather
    # than masking a million rows twice.
    by_code = ({code: rows for code, rows in findings.groupby("code", sort=False)}
               if findings is not None and len(findings) and "code" in findings else {})
    checks = []
    for c in result.checks:
        own = c.findings
        if own is not None and len(own):
            rows = by_code.get(c.code)
            own = (rows[[col for col in own.columns if col in rows.columns]].reset_index(drop=True)
                   if rows is not None and len(rows) == len(own) else _mask_findings(own, contacts, names, max_words))
        checks.append(replace(c, message=_mask_free_text(c.message, names, max_words),
                              message_ru=_mask_free_text(c.message_ru, names, max_words), findings=own))
    issues = result.parse_issues
    if issues is not None and len(issues) and "raw" in issues:
        issues = issues.copy()
        issues["raw"] = _mask_series(issues["raw"])
        if len(contacts) and "entity_id" in issues:
            own = issues["entity_id"].map(contacts)
            rows = own.notna()
            if rows.any():
                issues.loc[rows, "raw"] = [_replace_names(v, _name_parts(n))
                                           for v, n in zip(issues.loc[rows, "raw"], own[rows])]
            unowned = ~rows & issues["column"].isna()  # whole lines that were not read
            if unowned.any():
                issues.loc[unowned, "raw"] = [mask_names_in_raw(v, names, max_words) for v in issues.loc[unowned, "raw"]]
    findings = findings.copy() if findings is result.findings else findings
    # The mark travels with the findings table, so it survives `replace(result, ...)`
    # (the history attaches `previous` after masking).
    findings.attrs[MASKED_MARK] = True
    return replace(result, checks=tuple(checks), findings=findings, parse_issues=issues)


def is_masked(result: AuditResult) -> bool:
    findings = result.findings
    return bool(findings is not None and findings.attrs.get(MASKED_MARK))


# -- phones only: the default of every run ------------------------------------------------------

PHONES_MARK = "crm_audit_phones_masked"
# Where `_mask_phone` could mask anything: a PHONE match it masks holds at least eight digits
# after a '+', or ten without one, joined by separators only, and (without the '+') does not
# start with a date. Text without such a run is returned as it is: one regex search where the
# substitution and its Python callback ran on every finding's message (any date was a
# candidate), 5 s at a million deals. tests/reports/test_pii_fast_paths.py holds it to the
# substitution.
_MAYBE_PHONE = re.compile(r"\+\d(?:[\s().-]*\d){7}"
                          r"|(?<![\w+])(?!\d{4}-\d{2}-\d{2}|\d{1,2}[./]\d{1,2}[./]\d{2,4})\d(?:[\s().-]*\d){9}")


def mask_phone_text(text: Any) -> Any:
    """Phone numbers masked in one string (last two digits kept); everything else as it is."""
    if not isinstance(text, str) or _MAYBE_PHONE.search(text) is None:
        return text
    return PHONE.sub(_mask_phone, text)


@lru_cache(maxsize=4096)
def _is_id_key(key: Any) -> bool:
    return bool(_ID_KEY.search(str(key).lower()))


def _phones_in_series(values: pd.Series) -> pd.Series:
    if values is None or not len(values):
        return values
    text = values.astype(object)
    search = _MAYBE_PHONE.search
    candidates = np.fromiter((isinstance(v, str) and search(v) is not None for v in text.tolist()), dtype=bool,
                             count=len(text))
    if not candidates.any():
        return values
    out = text.copy()
    out.loc[candidates] = text[candidates].map(mask_phone_text)
    return out


def _phones_in_evidence(evidence: Any) -> Any:
    if isinstance(evidence, str):
        return mask_phone_text(evidence)
    if isinstance(evidence, (int, float)):  # most evidence values: nothing to mask, and no ABC check
        return evidence
    if isinstance(evidence, dict) or isinstance(evidence, Mapping):
        return {k: (v if _is_id_key(k) else _phones_in_evidence(v)) for k, v in evidence.items()}
    if isinstance(evidence, (list, tuple)):
        return type(evidence)(_phones_in_evidence(v) for v in evidence)
    return mask_phone_text(evidence)


def mask_phones(result: AuditResult) -> AuditResult:
    """The result with every phone number masked, names and e-mails kept: what a run shows unless
    --show-numbers is given (a client's number is personal data; the call log holds thousands)."""
    if is_masked(result) or result.findings.attrs.get(PHONES_MARK):
        return result
    findings = result.findings.copy()
    for col in TEXT_COLUMNS:
        if col in findings:
            findings[col] = _phones_in_series(findings[col])
    if "evidence" in findings and len(findings):
        findings["evidence"] = [_phones_in_evidence(ev) if ev else ev for ev in findings["evidence"].tolist()]
    by_code = ({code: rows for code, rows in findings.groupby("code", sort=False)} if len(findings) else {})
    checks = []
    for c in result.checks:
        own = c.findings
        if own is not None and len(own) and c.code in by_code:
            rows = by_code[c.code]
            own = rows[[col for col in own.columns if col in rows.columns]].reset_index(drop=True)
        checks.append(replace(c, message=mask_phone_text(c.message), message_ru=mask_phone_text(c.message_ru),
                              findings=own))
    issues = result.parse_issues
    if issues is not None and len(issues) and "raw" in issues:
        issues = issues.assign(raw=_phones_in_series(issues["raw"]))
    findings.attrs[PHONES_MARK] = True
    return replace(result, checks=tuple(checks), findings=findings, parse_issues=issues)
