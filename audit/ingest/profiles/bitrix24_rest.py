"""Bitrix24 REST dumps (what integrators and BI connectors export) and the cross-file step.

`crm.deal.list` rows carry API field names and ids where the spreadsheet export shows names:
CATEGORY_ID (the pipeline, "direction"), STAGE_ID (`NEW`, `C1:WON`), ASSIGNED_BY_ID (a user),
STAGE_SEMANTIC_ID P/S/F (open / won / lost), CLOSED Y/N, ISO dates with offsets. Names come
from dumps exported beside it: `crm.category.list` / `crm.dealcategory.list` (ID, NAME),
`crm.status.list` (ENTITY_ID DEAL_STAGE[_n], STATUS_ID, NAME, SORT, SEMANTICS: stage names,
their order and kind, and SOURCE names), `user.get` (ID, NAME, LAST_NAME), `crm.company.list`
and `crm.contact.list`. Ids nothing names stay as they are, and an `ids-unresolved` warning
says which dump to export. (Field lists: apidocs.bitrix24.com crm.deal.list, crm.status.list,
crm.category.list, crm.stagehistory.list, user.get.)

Close time. Bitrix24 fills CLOSEDATE ("Предполагаемая дата закрытия") with a planned date when a
deal is created and writes the close time into it only when it is empty: it is not the close
time, and neither is the modification date. With stage history exported, a closed deal's close
time is its move into the final stage it sits in; otherwise the last modification stands in
(never before the close) and a `close-times-approximate` warning says so.
"""

from __future__ import annotations

import pandas as pd

from audit.ingest.profiles.activities import off_deal_warning, plans_warning
from audit.ingest.profiles.base import Assembly, FinishContext, truthy
from audit.ingest.profiles.lookups import declare_ids, declared, id_names, ids_warning, resolve, unresolved
from audit.ingest.profiles.status import deal_status
from audit.model.warnings import InputWarning

STATUSES, CATEGORIES, COMPANIES, CONTACTS = ("bitrix24.statuses", "bitrix24.categories", "bitrix24.companies",
                                             "bitrix24.contacts")
CLOSE_ESTIMATES = "bitrix24.close_estimates"  # closed deals whose close time is a stand-in

REST_DEALS_COLUMNS = {
    "ID": "deal_id", "TITLE": "title", "TYPE_ID": "_type", "CATEGORY_ID": "pipeline", "STAGE_ID": "stage",
    "STAGE_SEMANTIC_ID": "_stage_group", "OPPORTUNITY": "amount", "CURRENCY_ID": "currency",
    "ASSIGNED_BY_ID": "owner", "CREATED_BY_ID": "created_by", "DATE_CREATE": "created_at",
    "DATE_MODIFY": "_modified_at", "BEGINDATE": "_begin", "CLOSEDATE": "_planned_close", "CLOSED": "_closed",
    "COMPANY_ID": "company", "CONTACT_ID": "contact", "SOURCE_ID": "source", "PROBABILITY": "_probability",
    # BI Builder's crm_deal dataset (helpdesk.bitrix24.com/open/22879310) carries names beside the ids,
    # "[id] name" in STAGE / CATEGORY / ASSIGNED_BY, plain in the *_NAME fields.
    "ASSIGNED_BY_NAME": "_owner_name", "ASSIGNED_BY": "_owner_named", "STAGE_NAME": "_stage_name",
    "STAGE": "_stage_named", "CATEGORY_NAME": "_pipeline_name", "CATEGORY": "_pipeline_named",
    "COMPANY_NAME": "_company_name", "CONTACT_NAME": "_contact_name", "MOVED_TIME": "_moved_at",
}
# canonical column <- helpers naming it, best first
NAMES_IN_FILE = {"owner": ("_owner_name", "_owner_named"), "stage": ("_stage_name", "_stage_named"),
                 "pipeline": ("_pipeline_name", "_pipeline_named"), "company": ("_company_name",),
                 "contact": ("_contact_name",)}
REST_DEALS_HELPERS = {"_moved_at": "datetime", "_modified_at": "datetime", "_begin": "datetime",
                      "_planned_close": "datetime"}

STATUS_COLUMNS = {"ID": "_id", "ENTITY_ID": "_entity", "STATUS_ID": "_status_id", "NAME": "_name",
                  "SORT": "_sort", "SEMANTICS": "_semantics", "EXTRA.SEMANTICS": "_extra_semantics",
                  "CATEGORY_ID": "_category"}
CATEGORY_COLUMNS = {"ID": "_id", "NAME": "_name", "SORT": "_sort"}
COMPANY_COLUMNS = {"ID": "_id", "TITLE": "_name"}
CONTACT_COLUMNS = {"ID": "_id", "NAME": "_first", "LAST_NAME": "_last", "COMPANY_ID": "_company"}
USER_COLUMNS = {"ID": "user_id", "NAME": "_first", "LAST_NAME": "_last", "ACTIVE": "active", "EMAIL": "_email",
                "SECOND_NAME": "_second", "WORK_POSITION": "_position"}

# crm.activity.list: OWNER_TYPE_ID says what OWNER_ID is (2 = a deal); TYPE_ID and DIRECTION are codes.
ACTIVITY_OWNER_TYPES = {"1": "lead", "2": "deal", "3": "contact", "4": "account"}
ACTIVITY_TYPES = {"1": "meeting", "2": "call", "3": "task", "4": "email", "5": "other", "6": "other"}
# TYPE_ID 6 is "a provider's activity": PROVIDER_ID says what it is (CRM_TODO the universal to-do,
# IMOPENLINES_SESSION an open-line chat with the client; dev.1c-bitrix.ru crm_activity_list, crm.enum.activitytype).
PROVIDER_TYPES = {"CRM_TODO": "task", "TASKS": "task", "TASKS_TASK": "task", "IMOPENLINES_SESSION": "message",
                  "CRM_SMS": "message", "VOXIMPLANT_CALL": "call", "CRM_CALL_LIST": "call", "CRM_EMAIL": "email",
                  "CRM_MEETING": "meeting", "CRM_WEBFORM": "other", "REST_APP": "other"}
DIRECTIONS = {"1": "in", "2": "out", "0": None}  # 0: not a call or an e-mail

SEMANTIC_KIND = {"s": "won", "success": "won", "f": "lost", "failure": "lost", "apology": "lost"}
ID_PATTERN = r"\d+"
STAGE_ID_PATTERN = r"(C\d+:)?[A-Z][A-Z0-9_]*"


def _flags(frame: pd.DataFrame) -> pd.Series | None:
    from audit.ingest.profiles.bitrix24 import stage_group_flags
    return stage_group_flags(frame)


def rest_deals_finish(frame: pd.DataFrame, ctx: FinishContext) -> dict[str, pd.DataFrame]:
    frame = frame.copy()
    # Stage ids of other pipelines carry their category: C1:WON is the system WON of category 1.
    system_stage = frame["stage"].str.replace(r"^C\d+:", "", regex=True)
    frame["status"] = deal_status(system_stage, ctx, flags=_flags(frame), what="stage ids")
    closed = frame["status"].ne("open")
    if "_planned_close" in frame.columns:
        # A date field: the REST gives it as the portal's midnight UTC in the portal's zone
        # ("2024-06-01T03:00:00+03:00"); its wall-clock hour means nothing.
        frame["expected_close_at"] = frame["_planned_close"].dt.normalize().where(~closed)
    note_close_estimates(frame, ctx, ("_modified_at", "DATE_MODIFY"), ("_planned_close", "CLOSEDATE"))
    _names_in_file(frame)
    declare_ids(ctx, "deals", frame, {"pipeline": "category", "stage": "stage", "owner": "user",
                                      "created_by": "user", "source": "source", "company": "company",
                                      "contact": "contact"})
    return {"deals": frame}


def _names_in_file(frame: pd.DataFrame) -> None:
    """Ids replaced by the names the file carries beside them (status was read from the ids)."""
    for column, helpers in NAMES_IN_FILE.items():
        for helper in reversed(helpers):  # the best one last, so it wins
            if helper in frame.columns:
                named = frame[helper].astype("str").str.replace(r"^\s*\[[^\]]*\]\s*", "", regex=True).str.strip()
                named = named.where(frame[helper].notna() & named.ne(""))
                frame[column] = named.fillna(frame[column]) if column in frame.columns else named


def note_close_estimates(frame: pd.DataFrame, ctx: FinishContext, *fields: tuple[str, str]) -> None:
    """Closed deals get the first filled of `fields` (helper column, field name as exported) as
    a stand-in close time; the assemble step replaces it from stage history where it can.

    A deal's last stage change (BI Builder's MOVED_TIME) is no stand-in: a closed deal's last
    move was into its final stage, so it is the close time itself."""
    closed = frame["status"].ne("open")
    estimate = pd.Series(pd.NaT, index=frame.index, dtype="datetime64[us]")
    source = pd.Series(None, index=frame.index, dtype=object)
    for column, name in fields:
        if column in frame.columns:
            take = estimate.isna() & frame[column].notna()
            source[take] = name
            estimate = estimate.fillna(frame[column])
    moved = pd.Series(False, index=frame.index)
    if "_moved_at" in frame.columns:
        moved = closed & frame["_moved_at"].notna()
        estimate = estimate.where(~moved, frame["_moved_at"])
    if estimate.notna().any():  # a column the export did not have is not made up empty
        frame["closed_at"] = estimate.where(closed)
    stand_in = closed & ~moved
    if stand_in.any():
        ctx.lookup(CLOSE_ESTIMATES, pd.DataFrame({"deal_id": frame.loc[stand_in, "deal_id"].to_numpy(),
                                                  "field": source[stand_in].to_numpy()}))


def history_finish(frame: pd.DataFrame, ctx: FinishContext) -> dict[str, pd.DataFrame]:
    frame = frame.copy()
    if "to_stage" not in frame.columns or frame["to_stage"].isna().all():
        frame["to_stage"] = frame.get("_stage_id")
        declare_ids(ctx, "stage_history", frame, {"to_stage": "stage", "pipeline": "category"})
    return {"stage_history": frame}


def activities_finish(frame: pd.DataFrame, ctx: FinishContext) -> dict[str, pd.DataFrame]:
    """Activities ("Дела", crm.activity.list): only those owned by a deal are deal activities."""
    frame = frame.copy()
    if "_owner_type" in frame.columns and frame["_owner_type"].notna().any():
        owner_type = frame["_owner_type"].astype("str").str.strip().map(ACTIVITY_OWNER_TYPES).fillna("other")
        on_deal = owner_type.eq("deal")
        if not on_deal.all():
            ctx.warn(off_deal_warning(frame[~on_deal], len(frame), noun=("activities", "дел"),
                                      kinds=owner_type[~on_deal]))
        frame = frame[on_deal]
    if "_completed" in frame.columns:
        # COMPLETED N ("Выполнено: Нет"): a call or meeting planned, not held - no evidence of contact.
        done = frame["_completed"].isna() | truthy(frame["_completed"])
        if not done.all():
            ctx.warn(plans_warning(int((~done).sum()), len(frame), noun=("activities", "дел"),
                                  marked=("COMPLETED = N, or 'Выполнено' = Нет", "COMPLETED = N или «Выполнено» = Нет")))
        frame = frame[done]
    if "type" in frame.columns:
        codes = frame["type"].astype("str").str.strip().map(ACTIVITY_TYPES)
        if "_provider" in frame.columns:
            by_provider = frame["_provider"].astype("str").str.strip().str.upper().map(PROVIDER_TYPES)
            codes = by_provider.where(codes.isna() | codes.eq("other"), codes).fillna(codes)
        frame["type"] = codes.fillna(frame["type"])
    if "direction" in frame.columns:
        code = frame["direction"].astype("str").str.strip()
        frame["direction"] = code.map(DIRECTIONS).where(code.isin(DIRECTIONS), frame["direction"])
    if "_end" in frame.columns and "at" in frame.columns:
        # A call's START_TIME..END_TIME is its length (Bitrix24 telephony writes both).
        length = (frame["_end"] - frame["at"]).dt.total_seconds()
        calls = frame["type"].eq("call") & length.ge(0) if "type" in frame.columns else False
        frame["duration_s"] = (frame["duration_s"] if "duration_s" in frame.columns
                               else pd.Series(float("nan"), index=frame.index)).fillna(length.where(calls))
    declare_ids(ctx, "activities", frame, {"owner": "user"})
    return {"activities": frame}


LINKED_DEAL_ID = r"^\s*(?:(?:сделка|deal)\s*(?:№|#|:)?\s*)?\[?(\d+)\]?\s*$"


def linked_activities_finish(frame: pd.DataFrame, ctx: FinishContext) -> dict[str, pd.DataFrame]:
    """The "Дела" list exported from the UI names what each activity is linked to ("Связано с",
    "Сделка") instead of a deal id column. An id there ("123", "Сделка #123", "[123]") links the
    activity; a title or a name does not (titles repeat, and a contact is no deal): those rows are
    left out and counted, with what to export instead."""
    linked = frame["_linked"].astype("str").str.strip() if "_linked" in frame.columns else None
    found = (linked.str.extract(LINKED_DEAL_ID, flags=2, expand=False) if linked is not None
             else pd.Series(None, index=frame.index, dtype=object))
    found = found.where(frame["_linked"].notna()) if linked is not None else found
    if found.isna().any():
        ctx.warn(_unlinked_warning(int(found.isna().sum()), len(frame)))
    return activities_finish(frame.assign(deal_id=found)[found.notna()], ctx)


def _unlinked_warning(n: int, total: int) -> InputWarning:
    hint = "export the activities with the deal ID column ('ID сделки'), or crm.activity.list (OWNER_ID)"
    hint_ru = "выгрузите дела с колонкой «ID сделки» или crm.activity.list (OWNER_ID)"
    return InputWarning(
        code="activities-not-on-deals",
        message=(f"{n:,} of {total:,} activities name what they are linked to ('Связано с') but no deal id: they "
                 f"cannot be tied to a deal of the deals export and are left out of deal activity; {hint}."),
        message_ru=(f"{n} из {total} дел указывают, с чем связаны («Связано с»), но не ID сделки: их нельзя отнести "
                    f"к сделкам выгрузки, они не учитываются в работе по сделкам; {hint_ru}."),
        numbers={"rows": int(total), "not_on_deal": int(n), "on_other": int(n), "linked": 0, "left_out": int(n)})


# crm.timeline.comment.list (dev.1c-bitrix.ru rest_help/crm/timeline/comment): ID, CREATED, ENTITY_ID,
# ENTITY_TYPE lead / deal / contact / company / order, AUTHOR_ID, COMMENT - a manager's note on the card.
COMMENT_COLUMNS = {"ID": "_id", "ENTITY_ID": "deal_id", "ENTITY_TYPE": "_entity", "CREATED": "at",
                   "AUTHOR_ID": "owner", "COMMENT": "result"}
COMMENT_ENTITIES = {"deal": "deal", "lead": "lead", "contact": "contact", "company": "account"}


def comments_finish(frame: pd.DataFrame, ctx: FinishContext) -> dict[str, pd.DataFrame]:
    """Timeline comments: notes on the deal they were written on; comments on leads, contacts and
    companies are no deal's and are counted."""
    kind = frame["_entity"].astype("str").str.strip().str.lower().map(COMMENT_ENTITIES).fillna("other")
    on_deal = kind.eq("deal")
    if not on_deal.all():
        ctx.warn(off_deal_warning(frame[~on_deal], len(frame), noun=("timeline comments", "комментариев"),
                                  kinds=kind[~on_deal]))
    frame = frame[on_deal].assign(type="note")
    if "_id" in frame.columns:  # its own numbering, not crm.activity.list's
        frame["activity_id"] = "comment:" + frame["_id"].astype("str")
    declare_ids(ctx, "activities", frame, {"owner": "user"})
    return {"activities": frame}


def lookup_finish(name: str):
    def finish(frame: pd.DataFrame, ctx: FinishContext) -> dict[str, pd.DataFrame]:
        ctx.lookup(name, frame)
        return {}
    return finish


# -- after every file is read ------------------------------------------------------------------------

def assemble(a: Assembly) -> None:
    statuses = a.lookups.get(STATUSES)
    stages = _stage_rows(statuses)
    categories = id_names(a.lookups.get(CATEGORIES), "_id", "_name")
    resolve(a, "deals", ("stage",), id_names(stages, "_status_id", "_name"))
    resolve(a, "stage_history", ("to_stage", "from_stage"), id_names(stages, "_status_id", "_name"))
    resolve(a, "deals", ("pipeline",), categories)
    resolve(a, "stage_history", ("pipeline",), categories)
    if statuses is not None and "_entity" in statuses.columns:
        resolve(a, "deals", ("source",), id_names(statuses[statuses["_entity"].eq("SOURCE")], "_status_id", "_name"))
    resolve(a, "deals", ("company",), id_names(a.lookups.get(COMPANIES), "_id", "_name"))
    resolve(a, "deals", ("contact",), _contact_names(a.lookups.get(CONTACTS)))
    if len(stages) and "pipelines" not in a.tables:
        a.tables["pipelines"] = _pipelines(stages, categories)
    _warn_unresolved(a, stages_exported=statuses is not None, categories_exported=CATEGORIES in a.lookups)
    _close_times(a)


def _stage_rows(statuses: pd.DataFrame | None) -> pd.DataFrame:
    """The deal stages of a crm.status.list dump, with their category id."""
    if statuses is None or "_entity" not in statuses.columns:
        return pd.DataFrame(columns=["_status_id", "_name", "_sort", "_category", "_kind"])
    rows = statuses[statuses["_entity"].astype("str").str.match(r"^DEAL_STAGE(_\d+)?$", na=False)].copy()
    from_entity = rows["_entity"].str.extract(r"^DEAL_STAGE_?(\d*)$", expand=False).replace("", "0")
    rows["_category"] = rows["_category"].fillna(from_entity) if "_category" in rows.columns else from_entity
    semantics = rows.get("_extra_semantics", pd.Series(None, index=rows.index))
    if "_semantics" in rows.columns:
        semantics = rows["_semantics"].where(rows["_semantics"].notna(), semantics)
    rows["_kind"] = semantics.astype("str").str.strip().str.lower().map(SEMANTIC_KIND).fillna("open")
    return rows


def _pipelines(stages: pd.DataFrame, categories: pd.Series) -> pd.DataFrame:
    """The declared stage order: crm.status.list's SORT within each category, kind from SEMANTICS."""
    category = stages["_category"].astype("str")
    order = pd.to_numeric(stages["_sort"], errors="coerce") if "_sort" in stages.columns else None
    return pd.DataFrame({"pipeline": category.map(categories).fillna(category).to_numpy(),
                         "stage": stages["_name"].fillna(stages["_status_id"]).to_numpy(),
                         "order": order.to_numpy() if order is not None else float("nan"),
                         "kind": stages["_kind"].to_numpy()})


def _contact_names(contacts: pd.DataFrame | None) -> pd.Series:
    if contacts is None:
        return pd.Series(dtype="str")
    parts = [contacts[c].fillna("").astype("str") if c in contacts.columns else "" for c in ("_first", "_last")]
    named = contacts.assign(_name=(parts[0] + " " + parts[1]).str.strip().replace("", None))
    return id_names(named, "_id", "_name")


UNRESOLVED = {
    # kind: (pattern, what, what_ru, export, export_ru)
    "category": (ID_PATTERN, "the pipeline (CATEGORY_ID)", "воронка (CATEGORY_ID)",
                 "crm.category.list (ID, NAME)", "crm.category.list (ID, NAME)"),
    "stage": (STAGE_ID_PATTERN, "the stage (STAGE_ID)", "стадия (STAGE_ID)",
              "crm.status.list (ENTITY_ID, STATUS_ID, NAME, SORT, SEMANTICS)",
              "crm.status.list (ENTITY_ID, STATUS_ID, NAME, SORT, SEMANTICS)"),
    "user": (ID_PATTERN, "the responsible user", "ответственный",
             "user.get (ID, NAME, LAST_NAME)", "user.get (ID, NAME, LAST_NAME)"),
}
ROWS_OF = {"deals": (("deal", "deals"), "сделок"),
           "stage_history": (("stage history row", "stage history rows"), "строк истории стадий"),
           "activities": (("activity", "activities"), "дел")}


def _warn_unresolved(a: Assembly, *, stages_exported: bool, categories_exported: bool) -> None:
    users = a.tables.get("users")
    known_users = set(users["user_id"].dropna().astype("str")) if users is not None and "user_id" in users else set()
    exported = {"category": categories_exported, "stage": stages_exported, "user": bool(known_users)}
    for kind, (pattern, what, what_ru, export, export_ru) in UNRESOLVED.items():
        for table, column, file in declared(a, kind):
            if kind == "user" and column != "owner":
                continue  # one warning per table: the owner column speaks for created_by too
            counts = unresolved(a, table, column, pattern)
            counts = counts[~counts.index.isin(known_users)] if kind == "user" else counts
            if len(counts):
                rows_of, rows_of_ru = ROWS_OF.get(table, ((table, table), table))
                a.warn(ids_warning(counts, column=f"{table}.{column}", what=what, what_ru=what_ru, rows_of=rows_of,
                                   rows_of_ru=rows_of_ru, export=export, export_ru=export_ru, file=file,
                                   present=exported[kind]))


def _close_times(a: Assembly) -> None:
    """Closed deals whose close time is a stand-in get the time of their last move into the stage
    they sit in, when stage history has it; a warning counts the rest per deals file."""
    estimates = a.lookups.get(CLOSE_ESTIMATES)
    deals = a.tables.get("deals")
    if estimates is None or deals is None:
        return
    history = a.tables.get("stage_history")
    from_history = pd.Series(dtype="datetime64[us]")
    if history is not None and len(history):
        entries = history[["deal_id", "to_stage", "changed_at"]].merge(
            deals[["deal_id", "stage"]].drop_duplicates("deal_id"), on="deal_id")
        entries = entries[entries["to_stage"].eq(entries["stage"]) & entries["changed_at"].notna()]
        from_history = entries.groupby("deal_id")["changed_at"].max()
    if len(from_history):
        estimated = deals["deal_id"].isin(estimates["deal_id"]) & deals["status"].ne("open")
        found = deals[["deal_id"]].merge(from_history.rename("found").reset_index(), on="deal_id", how="left")["found"]
        found.index = deals.index
        use = estimated & found.notna()
        deals.loc[use, "closed_at"] = found[use].astype(deals["closed_at"].dtype)
    for file, rows in estimates.groupby("_file", sort=False):
        left = rows[~rows["deal_id"].isin(from_history.index)]
        if len(left):
            a.warn(_approximate_warning(len(rows), left, file, history is not None))


def _approximate_warning(closed: int, left: pd.DataFrame, file: str, history: bool) -> InputWarning:
    n = len(left)
    fields = sorted(set(left["field"].dropna()))
    used = " / ".join(fields)
    hint = ("the stage history has no move into their final stage" if history else
            "export the stage history (crm.stagehistory.list or 'История стадий') to read the real close times")
    hint_ru = ("в истории стадий нет их перехода на финальную стадию" if history else
               "выгрузите историю стадий (crm.stagehistory.list или «История стадий»), чтобы знать настоящее "
               "время закрытия")
    return InputWarning(
        code="close-times-approximate",
        message=(f"{n:,} of {closed:,} closed deals have no close time in the export: Bitrix24 pre-fills "
                 f"CLOSEDATE with a planned date, so {used or 'nothing'} stands in, and cycle times and close-date "
                 f"checks are approximate; {hint}."),
        message_ru=(f"У {n} из {closed} закрытых сделок в выгрузке нет времени закрытия: Bitrix24 заранее "
                    f"заполняет CLOSEDATE плановой датой, поэтому вместо него взято: {used or 'ничего'}; "
                    f"длительность сделок и проверки дат закрытия приблизительны; {hint_ru}."),
        file=file, numbers={"closed": int(closed), "approximate": n, "fields": fields})
