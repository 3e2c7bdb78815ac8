"""The 0-100 trust score. See SCORE_EXPLANATION (shown by `crm-audit explain score`)."""

SCORE_EXPLANATION = {
    "en": "The trust score (0-100) says how far the CRM can be trusted to hold the whole sales story.",
    "ru": "Индекс доверия (0-100) показывает, насколько CRM отражает всю историю продаж.",
}
