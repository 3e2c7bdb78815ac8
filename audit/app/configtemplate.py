"""The commented crm-audit.toml that `crm-audit init` writes. Every key is optional."""

from __future__ import annotations


def template() -> str:
    from audit.ingest.profiles import CRM_CHOICES
    from checks import ALL_CHECKS
    from checks.vocab import LISTS as VOCAB_LISTS
    check_lines = []
    for check in ALL_CHECKS:
        if not check.params:
            continue
        check_lines.append(f"# [checks.{check.code}]   # {check.name}")
        for key, value in check.params.items():
            shown = repr(value).replace("'", '"') if not isinstance(value, bool) else str(value).lower()
            check_lines.append(f"# {key} = {shown}")
        check_lines.append("")
    checks_block = "\n".join(check_lines)
    from dataclasses import asdict

    from audit.model.limits import ReadLimits
    limits_block = "\n".join(f"# {key} = {value!r}" for key, value in asdict(ReadLimits()).items())
    return f'''# crm-audit configuration. Uncomment what you need; everything has a default.

[input]
# crm = "auto"          # {" | ".join(CRM_CHOICES)}
# encoding = "cp1251"   # force the encoding of CSV files (default: detected per file)
# as_of = "2026-11-20"  # reference date (default: the latest timestamp in the data)

# Map export headers that crm-audit does not know to canonical columns, per table.
# [columns.deals]
# "Сумма сделки" = "amount"
# "Причина проигрыша" = "lost_reason"
# [columns.activities]
# "Дата звонка" = "at"

# Tell crm-audit what a file is when detection guesses wrong, or ignore it.
# [files]
# "report_2026.xlsx" = "deals"
# "products.csv" = "ignore"

# Stage names that mean won / lost in this CRM, on top of the built-in ones.
# [status]
# won = ["Оплачено"]
# lost = ["Отказ клиента"]

# The stage order of a pipeline (open stages, first to last). Enables dead-stage (SG07)
# and makes stage-order checks exact instead of inferred from history.
# [pipelines."Продажи"]
# stages = ["Первичный контакт", "Квалификация проведена", "КП отправлено", "Договор подписан"]

[checks]
# fail_on = "high"      # exit 1 when a check at or above this severity fails (high|medium|low|never)
# Per check: thresholds, severity ("info"|"low"|"medium"|"high") and enabled = false.
{checks_block}
# Extra words for the vocabularies (added to the built-in English and Russian lists):
# {", ".join(VOCAB_LISTS)}.
# [vocab]
# vague_stages = ["На согласовании"]
# vague_reasons = ["без причины"]
# think_it_over = ["взял паузу"]

[report]
# lang = "en"           # en | ru
# deal_url = "https://example.amocrm.ru/leads/detail/{{id}}"
# mask_pii = false

# [history]
# dir = "audit-history"  # keep a run history for the trend (same as --history)

# The phone system's call log (OF07-OF09): Asterisk Master.csv, Mango Office, Sipuni, UIS, Zadarma, Twilio.
# [calls]
# region = "RU"              # where numbers written without a country code are
# timezone = "Europe/Moscow"  # only when the log's times are UTC (Asterisk usegmtime=yes, Mango Office)
# columns = ["clid", "src", "dst", "start", "billsec", "disposition"]  # a headerless log of another layout
# [calls.extensions]          # extension (SIP user, line) -> manager, as the CRM names him
# "101" = "Иванов Пётр"

# What an input may cost before it is refused (exit 2, naming the file and the limit).
# Raise one when a genuine export hits it.
# [limits]
{limits_block}
'''
