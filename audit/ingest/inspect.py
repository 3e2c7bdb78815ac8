"""`crm-audit inspect`: what ingestion saw in each file, for a human or as JSON."""

from __future__ import annotations

import json

from audit.ingest import Loaded


def inspection(loaded: Loaded) -> dict:
    crm = loaded.crm
    tables = {}
    for name in ("deals", "stage_history", "activities", "leads", "users", "pipelines", "calls", "contact_points"):
        frame = crm.table(name)
        if frame is not None:
            tables[name] = {"rows": len(frame), "columns": sorted(crm.provided.get(name, ())),
                            "exported_empty": list(crm.exported_empty(name))}
    issues = crm.parse_issues
    by_column = (issues.groupby(["file", "column"], dropna=False).size().reset_index(name="count")
                 .to_dict("records") if len(issues) else [])
    return {"crm": loaded.crm_name, "files": [s.as_json() for s in loaded.sources], "tables": tables,
            "parse_failures": [{k: (None if v != v else v) for k, v in r.items()} for r in by_column],
            "warnings": [w.as_json() for w in loaded.warnings]}


def render_inspection(loaded: Loaded, *, as_json: bool = False) -> str:
    info = inspection(loaded)
    if as_json:
        return json.dumps(info, ensure_ascii=False, indent=1) + "\n"
    lines = [f"CRM (deals): {info['crm'] or 'unknown'}", ""]
    for f in loaded.sources:
        where = f.path + (f"  [sheet {f.sheet}]" if f.sheet else "")
        if not f.table:
            lines.append(f"{where}\n  skipped: {f.note}")
            continue
        fmt = ", ".join(x for x in (f.encoding, f"delimiter {f.delimiter!r}" if f.delimiter else None,
                                    f"header row {f.header_row}") if x)
        lines.append(f"{where}\n  table: {f.table}   profile: {f.crm}   rows: {f.rows:,}   {fmt}")
        if f.note:
            lines.append(f"  note: {f.note}")
        if f.mapping:
            mapped = ", ".join(f"{h} -> {c}" for h, c in f.mapping.items())
            lines.append(f"  mapped: {mapped}")
        if f.unmapped:
            lines.append(f"  unmapped: {', '.join(f.unmapped)}")
        if f.parse_failures:
            fails = ", ".join(f"{c}: {n:,}" for c, n in f.parse_failures.items())
            lines.append(f"  could not parse: {fails}")
        lines.append("")
    lines.append("canonical tables:")
    for name, t in info["tables"].items():
        lines.append(f"  {name:<14} {t['rows']:>10,} rows   columns: {', '.join(t['columns'])}")
        if t["exported_empty"]:
            # Judged as data: an exported loss-reason column that is empty means no lost deal has one.
            lines.append(f"  {'':<14} {'':>10}        exported, empty: {', '.join(t['exported_empty'])}")
    missing = [n for n in ("stage_history", "activities", "leads") if n not in info["tables"]]
    if missing:
        lines.append(f"  not provided: {', '.join(missing)} (checks that need them will be skipped)")
    if loaded.warnings:
        lines += ["", "warnings:"]
        lines += [f"  [{w.code}] {w.file + ': ' if w.file else ''}{w.message}" for w in loaded.warnings]
    return "\n".join(lines) + "\n"
