"""Ids that stand for names: declared by finish steps, resolved by assemble steps.

API-style exports carry ids where a report shows names: Salesforce `RecordTypeId` (the pipeline),
`AccountId` (the company), Bitrix24 `CATEGORY_ID` / `STAGE_ID` / `ASSIGNED_BY_ID`. A finish step
declares which canonical columns of its file hold such ids (`declare_ids`); the profile's
assemble step maps them through the lookup tables exported beside (`id_names`, `resolve`), and
what stays an id is named in an `ids-unresolved` warning, with the file to export.
"""

from __future__ import annotations

import pandas as pd

from audit.ingest.profiles.base import Assembly, FinishContext
from audit.model.warnings import InputWarning

IDS = "ids"  # lookup name of the declarations: table, column, kind (+ _file)


def declare_ids(ctx: FinishContext, table: str, frame: pd.DataFrame, columns: dict[str, str]) -> None:
    """Declare that `columns` (canonical column -> kind of id) of `table` hold ids; columns the
    file does not fill are left out."""
    filled = [(c, k) for c, k in columns.items() if c in frame.columns and frame[c].notna().any()]
    if filled:
        ctx.lookup(IDS, pd.DataFrame({"table": table, "column": [c for c, _ in filled],
                                      "kind": [k for _, k in filled]}))


def declared(assembly: Assembly, kind: str) -> list[tuple[str, str, str]]:
    """(table, column, file) of every declaration of `kind`."""
    ids = assembly.lookups.get(IDS)
    if ids is None:
        return []
    rows = ids[ids["kind"] == kind].drop_duplicates(["table", "column", "_file"])
    return list(zip(rows["table"], rows["column"], rows["_file"]))


def id_names(frame: pd.DataFrame | None, id_col: str, name_col: str) -> pd.Series:
    """id -> name from a lookup table (first row per id; rows without both dropped)."""
    if frame is None or id_col not in frame.columns or name_col not in frame.columns:
        return pd.Series(dtype="str")
    pairs = frame[[id_col, name_col]].dropna().astype("str")
    pairs = pairs[(pairs[id_col].str.strip() != "") & (pairs[name_col].str.strip() != "")]
    return pairs.drop_duplicates(id_col).set_index(id_col)[name_col]


def resolve(assembly: Assembly, table: str, columns: tuple[str, ...], names: pd.Series) -> None:
    """Replace ids by names in the columns of `table` (values that are not known ids stay)."""
    frame = assembly.tables.get(table)
    if frame is None or names.empty:
        return
    for col in columns:
        if col in frame.columns and frame[col].isin(names.index).any():
            frame[col] = frame[col].map(names).fillna(frame[col]).astype(frame[col].dtype)


def unresolved(assembly: Assembly, table: str, column: str, pattern: str) -> pd.Series:
    """Values of the column that still look like ids (`pattern`, a full-match regex), with the
    number of rows holding each."""
    frame = assembly.tables.get(table)
    if frame is None or column not in frame.columns:
        return pd.Series(dtype="int64")
    values = frame[column].dropna().astype("str")
    return values[values.str.fullmatch(pattern)].value_counts()


def ids_warning(counts: pd.Series, *, column: str, what: str, what_ru: str, rows_of: tuple[str, str],
                rows_of_ru: str, export: str, export_ru: str, file: str | None, present: bool) -> InputWarning:
    """`counts`: rows per unresolved id. `what`: the thing named by id ("the pipeline (CATEGORY_ID)");
    `rows_of`: (singular, plural) of the rows ("deal", "deals"); `rows_of_ru`: their Russian genitive
    plural. `present`: whether the lookup file was exported at all (then the ids are missing from
    it, else it is missing)."""
    n_ids, n_rows = len(counts), int(counts.sum())
    examples = ", ".join(str(i) for i in counts.index[:3]) + (", ..." if n_ids > 3 else "")
    if present:
        why = f"{n_ids:,} of them {'is' if n_ids == 1 else 'are'} not in the exported {export}"
        why_ru = f"в выгруженной таблице {export_ru} их нет ({n_ids})"
    else:
        why = f"export {export} beside it to read them as names"
        why_ru = f"выгрузите рядом {export_ru}, чтобы прочитать их как названия"
    rows = rows_of[0] if n_rows == 1 else rows_of[1]
    message = (f"{what[0].upper()}{what[1:]} is an id, not a name, on {n_rows:,} {rows} ({n_ids:,} distinct: "
               f"{examples}); {why}. Until then each id stands as the name.")
    message_ru = (f"{what_ru[0].upper()}{what_ru[1:]}: идентификатор вместо названия у {rows_of_ru}: {n_rows} "
                  f"(разных: {n_ids} — {examples}); {why_ru}. Пока идентификатор используется как название.")
    return InputWarning(code="ids-unresolved", message=message, message_ru=message_ru, file=file,
                        numbers={"column": column, "ids": n_ids, "rows": n_rows, "lookup_exported": present})
