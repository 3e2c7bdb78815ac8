"""Bitrix24: deals ("Сделки" -> Excel/CSV export, Russian and English captions, older
"Направление" for the pipeline; or a REST crm.deal.list dump), leads, activities ("Дела",
crm.activity.list), stage history ("История стадий", crm.stagehistory.list), and the REST
dumps that name ids (crm.status.list, crm.category.list, user.get, crm.company.list,
crm.contact.list): see bitrix24_rest.py.

Final stages are "Сделка успешна" / "Сделка провалена" (ids WON / LOSE / APOLOGY); the stage
group ("Группа стадий", STAGE_SEMANTIC_ID P/S/F) or "Сделка закрыта" (CLOSED) decide when the
stage names are custom, and a renamed final stage ("Закрыто и реализовано") without them is
read by its name, with a warning.
"""

from __future__ import annotations

import pandas as pd

from audit.ingest.profiles import bitrix24_rest as rest
from audit.ingest.profiles.base import (
    FinishContext,
    Profile,
    TableSpec,
    relabel,
    truthy,
    users_finish,
)
from audit.ingest.profiles.points import CONTACT_PATTERNS, collecting_points
from audit.ingest.profiles.status import deal_status
from audit.ingest.values import map_labels

WON = ("Сделка успешна", "Успешно", "Deal won", "Won", "Success")
LOST = ("Сделка провалена", "Провалена", "Deal lost", "Lost", "Failed", "Анализ причины провала",
        "Analyze failure", "LOSE", "APOLOGY")

DEALS_COLUMNS = {
    "ID": "deal_id",
    "Название сделки": "title", "Название": "title", "Deal name": "title", "Deal Name": "title",
    "Воронка": "pipeline", "Направление": "pipeline", "Pipeline": "pipeline", "Category": "pipeline",
    "Стадия сделки": "stage", "Стадия": "stage", "Stage": "stage", "Deal stage": "stage",
    "Ответственный": "owner", "Responsible": "owner", "Responsible person": "owner",
    "Сумма": "amount", "Сумма сделки": "amount", "Amount": "amount", "Opportunity": "amount",
    "Income": "amount",
    "Валюта": "currency", "Currency": "currency",
    "Дата создания": "created_at", "Created": "created_at", "Created on": "created_at",
    "Date created": "created_at",
    "Кем создана": "created_by", "Created by": "created_by",
    "Предполагаемая дата закрытия": "expected_close_at", "Дата завершения": "expected_close_at",
    "Estimated close date": "expected_close_at", "Expected close date": "expected_close_at",
    "Источник": "source", "Source": "source",
    "Компания": "company", "Company": "company",
    "Компания: Название компании": "company", "Company: Company name": "company",
    "Контакт": "contact", "Contact": "contact",
    # Linked-entity captions of the spreadsheet export: the contact's name in parts.
    "Контакт: Имя": "_contact_first", "Контакт: Фамилия": "_contact_last",
    "Contact: First name": "_contact_first", "Contact: Last name": "_contact_last",
    "Причина отказа": "lost_reason", "Причина провала": "lost_reason", "Loss reason": "lost_reason",
    "Группа стадий": "_stage_group", "Stage group": "_stage_group", "Семантика стадии": "_stage_group",
    "Сделка закрыта": "_closed", "Closed": "_closed", "Deal closed": "_closed",
    "Дата изменения": "_modified_at", "Modified": "_modified_at", "Modified on": "_modified_at",
}

LEADS_COLUMNS = {
    "ID": "lead_id", "Статус": "status", "Стадия": "status", "Status": "status",
    "Ответственный": "owner", "Responsible": "owner", "Responsible person": "owner",
    "Источник": "source", "Source": "source",
    "Дата создания": "created_at", "Created": "created_at",
    "Комментарий к статусу": "disqualify_reason", "Причина": "disqualify_reason",
    "ID сделки": "converted_deal_id", "Сделка": "converted_deal_id",
}

ACTIVITY_COLUMNS = {
    "ID": "activity_id",
    "ID сделки": "deal_id", "Сделка ID": "deal_id", "ID владельца": "deal_id", "OWNER_ID": "deal_id",
    "Deal ID": "deal_id",
    "Тип дела": "type", "Тип": "type", "Activity type": "type", "Type": "type", "TYPE_ID": "type",
    "Дата начала": "at", "Дата выполнения": "at", "Start time": "at", "START_TIME": "at",
    "Крайний срок": "at", "Срок": "at", "Deadline": "at",
    "Ответственный": "owner", "Responsible": "owner", "Responsible person": "owner",
    "Тема": "subject", "Название": "subject", "Subject": "subject", "SUBJECT": "subject",
    "Направление": "direction", "Direction": "direction", "DIRECTION": "direction",
    "Дата создания": "created_at", "Created": "created_at", "CREATED": "created_at",
    "Результат": "result", "Result": "result",
    "OWNER_TYPE_ID": "_owner_type", "RESPONSIBLE_ID": "owner", "COMPLETED": "_completed",
    "Выполнено": "_completed", "Завершено": "_completed", "Completed": "_completed",
    "PROVIDER_ID": "_provider", "END_TIME": "_end",
}

HISTORY_COLUMNS = {
    "OWNER_ID": "deal_id", "DEAL_ID": "deal_id", "ID сделки": "deal_id", "Deal ID": "deal_id",
    "STAGE_NAME": "to_stage", "Стадия": "to_stage", "Стадия сделки": "to_stage", "Stage": "to_stage",
    "STAGE_ID": "_stage_id",
    "CREATED_TIME": "changed_at", "DATE_CREATE": "changed_at", "Дата изменения": "changed_at",
    "Дата": "changed_at", "Date": "changed_at",
    "CATEGORY_NAME": "pipeline", "Воронка": "pipeline", "Pipeline": "pipeline", "CATEGORY_ID": "pipeline",
    "TYPE_ID": "_type",
    "ASSIGNED_BY_NAME": "changed_by", "Кто изменил": "changed_by", "Изменил": "changed_by",
    "STAGE_SEMANTIC_ID": "_stage_group", "STAGE_SEMANTIC": "_stage_group",
}

GROUP_RULES = [(r"успе|success|^s$|won|выигр", "won"), (r"провал|fail|^f$|lost|проигр|отказ", "lost"),
               (r"работ|process|^p$|progress|open|откр", "open")]

LEAD_STATUS_RULES = [
    (r"сконверт|convert|сделк", "converted"),
    (r"некачеств|junk|disqual|не ?целев|спам|spam|отказ|провал|lost|не подход", "disqualified"),
    (r"качествен|qualif|обработан", "qualified"),
    (r"не обработан|нов|new|unprocessed|не ?разобран", "new"),
    (r"работ|progress|contact|связ|назнач|process", "working"),
]


def stage_group_flags(frame: pd.DataFrame) -> pd.Series | None:
    """won / lost / open from the stage group ("Группа стадий", STAGE_SEMANTIC_ID P/S/F), and
    "closed" for a deal marked closed ("Сделка закрыта", CLOSED) whose group is not exported."""
    flags = None
    if "_stage_group" in frame.columns:
        flags, _failed = map_labels(frame["_stage_group"], GROUP_RULES)
    if "_closed" in frame.columns:
        closed = truthy(frame["_closed"])
        flags = flags if flags is not None else pd.Series(None, index=frame.index, dtype=object)
        # Closed, and the group says neither won nor lost: the outcome is to be read elsewhere.
        flags = flags.where(~(closed & (flags.isna() | flags.eq("open"))), "closed")
    return flags


def _deals_finish(frame: pd.DataFrame, ctx: FinishContext) -> dict[str, pd.DataFrame]:
    frame = frame.copy()
    frame["status"] = deal_status(frame["stage"], ctx, flags=stage_group_flags(frame))
    if "closed_at" not in frame.columns:
        # The export has no close time: the last modification of a closed deal stands in.
        rest.note_close_estimates(frame, ctx, ("_modified_at", "Дата изменения"))
    if "_contact_first" in frame.columns or "_contact_last" in frame.columns:
        parts = [frame[c].fillna("").astype("str") if c in frame.columns else "" for c in
                 ("_contact_first", "_contact_last")]
        name = (parts[0] + " " + parts[1]).str.strip().replace("", None)
        frame["contact"] = frame["contact"].fillna(name) if "contact" in frame.columns else name
    return {"deals": frame}


PROFILE = Profile(
    name="bitrix24",
    label="Bitrix24",
    dayfirst=True,
    won_stages=WON,
    lost_stages=LOST,
    tables=(
        TableSpec(table="deals", label="Сделки", columns=DEALS_COLUMNS, finish=collecting_points(_deals_finish, "deals"),
                  dayfirst=True, helper_patterns=CONTACT_PATTERNS,
                  key=(("Стадия сделки", "Stage"), ("Название сделки", "Deal name", "Deal Name"),
                       ("Ответственный", "Responsible", "Responsible person"),
                       ("Сумма", "Amount", "Opportunity", "Income", "Воронка", "Направление",
                        "Pipeline", "Группа стадий", "Stage group", "Сделка закрыта", "Closed")),
                  exclude=("Record ID", "Deal Stage", "Deal owner")),
        TableSpec(table="leads", label="Лиды", columns={**LEADS_COLUMNS, "Название лида": "_title",
                                                         "Lead name": "_title"},
                  finish=collecting_points(relabel("leads", "status", LEAD_STATUS_RULES), "leads"), dayfirst=True,
                  helper_patterns=CONTACT_PATTERNS,
                  key=(("Название лида", "Lead name"), ("Статус", "Стадия", "Status"))),
        TableSpec(table="activities", label="Дела", columns=ACTIVITY_COLUMNS, dayfirst=True,
                  finish=rest.activities_finish, helper_kinds={"_end": "datetime"},
                  key=(("ID сделки", "Сделка ID", "OWNER_ID", "ID владельца"), ("Тип дела", "TYPE_ID"),
                       ("Тема", "SUBJECT", "Дата начала", "START_TIME")),
                  exclude=("STAGE_ID",)),
        # The UI list names the linked record ("Связано с") where the one above has the deal id.
        TableSpec(table="activities", label="Дела (Связано с)", dayfirst=True, finish=rest.linked_activities_finish,
                  columns={**ACTIVITY_COLUMNS, "Связано с": "_linked", "Сделка": "_linked", "Linked to": "_linked"},
                  helper_kinds={"_end": "datetime"},
                  key=(("Тип", "Тип дела"), ("Тема", "Название"), ("Связано с", "Сделка"),
                       ("Срок", "Крайний срок", "Выполнено", "Дата создания")),
                  exclude=("ID сделки", "Сделка ID", "OWNER_ID", "ID владельца", "Стадия сделки", "Название сделки",
                           "STAGE_ID", "Стадия")),
        TableSpec(table="stage_history", label="История стадий", columns=HISTORY_COLUMNS,
                  finish=rest.history_finish, dayfirst=True,
                  key=(("OWNER_ID", "DEAL_ID", "ID сделки"), ("STAGE_ID", "STAGE_NAME", "Стадия", "Стадия сделки"),
                       ("CREATED_TIME", "DATE_CREATE", "Дата изменения", "Дата")),
                  exclude=("Тип дела", "Название сделки", "SUBJECT", "TITLE")),
        TableSpec(table="activities", label="crm.timeline.comment.list", columns=rest.COMMENT_COLUMNS,
                  finish=rest.comments_finish, key=("ENTITY_ID", "ENTITY_TYPE", "COMMENT", ("CREATED", "AUTHOR_ID"))),
        # REST dumps: API field names, ids for names.
        TableSpec(table="deals", label="crm.deal.list", columns=rest.REST_DEALS_COLUMNS,
                  finish=rest.rest_deals_finish, dayfirst=True, helper_kinds=rest.REST_DEALS_HELPERS,
                  key=("ID", "STAGE_ID", ("TITLE", "OPPORTUNITY", "ASSIGNED_BY_ID"),
                       ("DATE_CREATE", "CATEGORY_ID", "STAGE_SEMANTIC_ID")),
                  exclude=("OWNER_ID", "ENTITY_ID")),
        TableSpec(table="lookup", label="crm.status.list", columns=rest.STATUS_COLUMNS,
                  finish=rest.lookup_finish(rest.STATUSES), key=("STATUS_ID", "ENTITY_ID", "NAME")),
        TableSpec(table="lookup", label="crm.category.list", columns=rest.CATEGORY_COLUMNS,
                  finish=rest.lookup_finish(rest.CATEGORIES),
                  key=("ID", "NAME", ("SORT", "IS_LOCKED", "isDefault", "entityTypeId", "IS_DEFAULT", "CREATED_DATE")),
                  exclude=("STATUS_ID", "ENTITY_ID", "STAGE_ID", "TITLE", "LAST_NAME")),
        TableSpec(table="lookup", label="crm.company.list", columns=rest.COMPANY_COLUMNS,
                  finish=rest.lookup_finish(rest.COMPANIES),
                  key=("ID", "TITLE", ("COMPANY_TYPE", "INDUSTRY", "REVENUE", "EMPLOYEES", "IS_MY_COMPANY")),
                  exclude=("STAGE_ID", "CATEGORY_ID", "OWNER_ID")),
        TableSpec(table="lookup", label="crm.contact.list", columns=rest.CONTACT_COLUMNS,
                  finish=rest.lookup_finish(rest.CONTACTS),
                  key=("ID", "NAME", "LAST_NAME", ("TYPE_ID", "COMPANY_ID", "HONORIFIC", "SOURCE_ID", "POST")),
                  exclude=("STAGE_ID", "CATEGORY_ID", "OWNER_ID")),
        TableSpec(table="users", label="user.get", columns=rest.USER_COLUMNS, finish=users_finish,
                  key=("ID", "NAME", "LAST_NAME",
                       ("ACTIVE", "EMAIL", "WORK_POSITION", "SECOND_NAME", "UF_DEPARTMENT", "USER_TYPE")),
                  exclude=("TYPE_ID", "COMPANY_ID", "HONORIFIC", "SOURCE_ID", "STAGE_ID")),
    ),
    assemble=rest.assemble,
)
