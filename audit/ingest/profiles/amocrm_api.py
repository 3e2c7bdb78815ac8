"""amoCRM / Kommo API v4 dumps: `GET /api/v4/leads` turned into a table (what integrators, BI
connectors and `json_normalize` scripts export), with the lookups that name its ids.

A lead row carries ids where the UI export shows names: `status_id` (the stage), `pipeline_id`,
`responsible_user_id`, `loss_reason_id` (left unread: an id is no reason), and unix times (`created_at`, `closed_at`, read by
audit.ingest.dates). Status ids 142 and 143 are the system stages "Успешно реализовано" (won)
and "Закрыто и не реализовано" (lost) in every pipeline; every other status is an open stage.
Names come from dumps exported beside it: `GET /api/v4/leads/pipelines` flattened one row per
stage (pipeline_id, pipeline_name, status_id, status_name, status_sort) and `GET /api/v4/users`
(id, name, email). Ids nothing names stay as they are, and an `ids-unresolved` warning says which
dump to export. (Field lists: amocrm.ru/developers/content/crm_platform/leads-api, pipelines-api,
users-api; a real lead object: pastebin.com/JGGJ7Bii; a flattened pipelines dump:
github.com/grkhr/amocrm AmoPipelinesStatuses.)
"""

from __future__ import annotations

import pandas as pd

from audit.ingest.profiles import amocrm_activity as activity
from audit.ingest.profiles.base import Assembly, FinishContext
from audit.ingest.profiles.lookups import declare_ids, declared, id_names, ids_warning, resolve, unresolved
from audit.ingest.profiles.status import NAMES_NEVER, deal_status

WON_ID, LOST_ID = "142", "143"
WON_NAME, LOST_NAME = "Успешно реализовано", "Закрыто и не реализовано"
STATUSES = "amocrm.statuses"

LEADS_COLUMNS = {
    "id": "deal_id", "name": "title", "price": "amount", "responsible_user_id": "owner",
    "status_id": "stage", "pipeline_id": "pipeline", "loss_reason_id": "_loss_reason_id",
    "created_by": "created_by", "created_at": "created_at", "closed_at": "closed_at",
    "updated_at": "_updated_at", "is_deleted": "_deleted",
    # GET /api/v4/leads?with=loss_reason embeds the reason itself: [{"id": 5512, "name": "Дорого", ...}]
    "_embedded.loss_reason": "_loss_reason_embedded",
}
LEADS_HELPERS = {"_updated_at": "datetime", "_deleted": "bool"}
PIPELINES_COLUMNS = {"pipeline_id": "_pipeline_id", "pipeline_name": "_pipeline", "status_id": "_status_id",
                     "status_name": "_name", "status_sort": "_sort", "status_type": "_type"}
USERS_COLUMNS = {"id": "user_id", "name": "owner", "email": "_email", "lang": "_lang"}

ID_PATTERN = r"\d+"
UNRESOLVED = {
    # kind: (what, what_ru, export)
    "stage": ("the stage (status_id)", "этап (status_id)",
              "/api/v4/leads/pipelines (pipeline_id, pipeline_name, status_id, status_name, status_sort)"),
    "pipeline": ("the pipeline (pipeline_id)", "воронка (pipeline_id)",
                 "/api/v4/leads/pipelines (pipeline_id, pipeline_name, status_id, status_name, status_sort)"),
    "user": ("the responsible user", "ответственный", "/api/v4/users (id, name, email)"),
}

ROWS_OF = {"deals": (("deal", "deals"), "сделок"),
           "stage_history": (("stage move", "stage moves"), "переходов между этапами"),
           "activities": (("activity", "activities"), "активностей")}


def leads_finish(frame: pd.DataFrame, ctx: FinishContext) -> dict[str, pd.DataFrame]:
    frame = frame.copy()
    for column in ("deal_id", "stage", "pipeline", "owner", "created_by"):
        if column in frame.columns:  # a column with nulls written back from floats: "142.0"
            frame[column] = frame[column].str.replace(r"^(\d+)\.0+$", r"\1", regex=True)
    status_id = frame["stage"].astype("str").str.strip()
    flags = status_id.map({WON_ID: "won", LOST_ID: "lost"}).where(frame["stage"].notna())
    flags = flags.where(flags.notna() | frame["stage"].isna(), "open")
    frame["status"] = deal_status(frame["stage"], ctx, flags=flags, names=NAMES_NEVER)
    if "_deleted" in frame.columns:
        frame = frame[~frame["_deleted"].fillna(False).astype(bool)]
    ctx.note("status_id 142 = won, 143 = lost; unix times read as UTC")
    if "_loss_reason_embedded" in frame.columns:
        name = frame["_loss_reason_embedded"].astype("str").str.extract(
            r"""['"]name['"]\s*:\s*['"]([^'"]+)['"]""", expand=False)
        frame["lost_reason"] = name.where(frame["_loss_reason_embedded"].notna())
    if "_loss_reason_id" in frame.columns and frame["_loss_reason_id"].notna().any():
        # An id is no reason: read as text it would be a "reason that says nothing" (ST04). Named
        # through a /api/v4/leads/loss_reasons dump when one is exported (amocrm_activity), else
        # left unread, so the loss-reason checks skip as "not exported" instead of judging ids.
        ctx.note("loss_reason_id holds ids, not reasons: read only through a /api/v4/leads/loss_reasons dump")
        activity.set_aside_loss_reason_ids(frame, ctx)
    declare_ids(ctx, "deals", frame, {"stage": "stage", "pipeline": "pipeline", "owner": "user",
                                      "created_by": "user"})
    return {"deals": frame}


def pipelines_finish(frame: pd.DataFrame, ctx: FinishContext) -> dict[str, pd.DataFrame]:
    ctx.lookup(STATUSES, frame)
    return {}


def assemble(a: Assembly) -> None:
    statuses = a.lookups.get(STATUSES)
    # Stage moves of the events dump carry the same status and pipeline ids as the leads.
    for table, stages, pipelines in (("deals", ("stage",), ("pipeline",)),
                                     ("stage_history", ("to_stage", "from_stage"), ("pipeline",))):
        resolve(a, table, stages, id_names(statuses, "_status_id", "_name"))
        resolve(a, table, pipelines, id_names(statuses, "_pipeline_id", "_pipeline"))
        # The system stages have one id in every pipeline: named even without the pipelines dump.
        resolve(a, table, stages, pd.Series({WON_ID: WON_NAME, LOST_ID: LOST_NAME}))
    activity.assemble(a)
    if statuses is not None and len(statuses) and "pipelines" not in a.tables:
        a.tables["pipelines"] = _pipelines(statuses)
    users = a.tables.get("users")
    known = set(users["user_id"].dropna().astype("str")) if users is not None and "user_id" in users else set()
    exported = {"stage": statuses is not None, "pipeline": statuses is not None, "user": bool(known)}
    said: set[tuple[str, str]] = set()  # one warning per column, however many files fed it
    for kind, (what, what_ru, export) in UNRESOLVED.items():
        for table, column, file in declared(a, kind):
            if column in ("created_by", "changed_by", "from_stage") or (table, column) in said:
                continue  # the owner / to_stage column speaks for these
            said.add((table, column))
            counts = unresolved(a, table, column, ID_PATTERN)
            counts = counts[~counts.index.isin(known)] if kind == "user" else counts
            if len(counts):
                rows_of, rows_of_ru = ROWS_OF.get(table, ((table, table), table))
                a.warn(ids_warning(counts, column=f"{table}.{column}", what=what, what_ru=what_ru,
                                   rows_of=rows_of, rows_of_ru=rows_of_ru, export=export,
                                   export_ru=export, file=file, present=exported[kind]))


def _pipelines(statuses: pd.DataFrame) -> pd.DataFrame:
    """The declared stage order: status_sort within each pipeline; 142/143 are won/lost."""
    status_id = statuses["_status_id"].astype("str").str.strip()
    kind = status_id.map({WON_ID: "won", LOST_ID: "lost"}).fillna("open")
    pipeline = statuses.get("_pipeline", statuses.get("_pipeline_id"))
    order = pd.to_numeric(statuses["_sort"], errors="coerce") if "_sort" in statuses.columns else float("nan")
    return pd.DataFrame({"pipeline": pipeline.to_numpy() if pipeline is not None else None,
                         "stage": statuses["_name"].fillna(status_id).to_numpy(),
                         "order": order.to_numpy() if hasattr(order, "to_numpy") else order,
                         "kind": kind.to_numpy()})
