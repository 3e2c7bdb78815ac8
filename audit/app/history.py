"""Run history for scheduled audits (`--history DIR`): is the CRM getting cleaner?

Every run records its summary in DIR/crm-audit-history.sqlite (SQLite from the standard
library): the audit's as_of, a digest of its input files, the trust score, each check's
status and affected count, each owner's score and the finding counts by severity.

Two rules make the trend trustworthy:

- **Ordered by the data's time, not the wall clock.** A run's place in the trend is its
  `as_of` (the latest event in the export, or --as-of), so auditing last month's export
  today slots in where it belongs. `previous` is the latest run (by as_of, then by recording)
  whose as_of is not after this one's, other than an identical rerun (same as_of and same
  inputs): so a fix re-exported the same day is compared with the export it fixed. It says
  what differs (`same_inputs`, `same_as_of`), so "±0 since the run of 2026-11-20" on the same
  data audited as of another date reads as that, not as a trend. `trend` holds one point per
  earlier as_of, oldest first (the current run is not in it).
- **A rerun replaces, never doubles.** A run is identified by (as_of, inputs digest): the
  same files audited again (say, with a changed config) replace that run's record. A
  different export with the same as_of (a corrected re-export) is kept as its own run;
  the trend shows the latest recorded one for that as_of.

Overlapping runs are safe: WAL journal, a busy timeout, and each record written in one
IMMEDIATE transaction (the writer takes the lock before reading anything it updates).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import sqlite3
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from audit.model.errors import AuditError
from audit.model.result import AuditResult

HISTORY_FILE = "crm-audit-history.sqlite"
SCHEMA_VERSION = 1
BUSY_TIMEOUT_S = 30.0
# Stored as fixed-width text so that ordering and equality of as_of are plain text comparisons.
_AS_OF_KEY = "%Y-%m-%dT%H:%M:%S.%f"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,  -- recording order
    as_of         TEXT NOT NULL,                      -- the audit's reference time, fixed-width ISO
    inputs_digest TEXT NOT NULL,                      -- sha256 over the input files' sha256
    recorded_at   TEXT NOT NULL,                      -- wall clock (UTC), for people only
    crm           TEXT,
    tool_version  TEXT,
    score         REAL NOT NULL,
    finding_counts TEXT NOT NULL,                     -- JSON {"high": n, "medium": n, ...}
    UNIQUE (as_of, inputs_digest)
);
CREATE TABLE IF NOT EXISTS run_inputs (
    run_id     INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    path       TEXT NOT NULL,
    table_name TEXT,
    rows       INTEGER,
    sha256     TEXT
);
CREATE TABLE IF NOT EXISTS run_checks (
    run_id   INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    code     TEXT NOT NULL,
    name     TEXT,
    severity TEXT,
    status   TEXT NOT NULL,
    affected INTEGER,
    metric   REAL,
    PRIMARY KEY (run_id, code)
);
CREATE TABLE IF NOT EXISTS run_owners (
    run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    owner  TEXT NOT NULL,
    score  REAL,
    PRIMARY KEY (run_id, owner)
);
CREATE INDEX IF NOT EXISTS runs_by_as_of ON runs (as_of, id);
"""


def as_of_key(as_of: Any) -> str:
    return pd.Timestamp(as_of).strftime(_AS_OF_KEY)


def inputs_digest(result: AuditResult) -> str:
    """One digest of the recognised input files' contents (paths and order do not matter,
    so a cron job that copies the export to a dated folder still matches a rerun)."""
    parts = sorted(s.sha256 or f"{s.path}:{s.rows}" for s in result.inputs if s.table is not None)
    return hashlib.sha256("\n".join(parts).encode("utf-8")).hexdigest()


class History:
    """The run history in one folder. `attach` before writing reports, `record` after."""

    def __init__(self, directory: str | Path, *, timeout: float = BUSY_TIMEOUT_S):
        self.directory = Path(directory)
        self.path = self.directory / HISTORY_FILE
        self.timeout = timeout

    # -- the two calls the run makes ---------------------------------------------------

    def attach(self, result: AuditResult) -> AuditResult:
        """The result with `previous` (the latest run with an as_of not after this one's, other
        than an identical rerun; or None) and `trend` (one {as_of, score} per earlier as_of,
        oldest first)."""
        if not self.path.exists():
            return replace(result, previous=None, trend=())
        key, digest = as_of_key(result.as_of), inputs_digest(result)
        with self._connect() as db:
            if db is None:
                return replace(result, previous=None, trend=())
            row = db.execute(
                "SELECT * FROM runs WHERE as_of <= ? AND NOT (as_of = ? AND inputs_digest = ?) "
                "ORDER BY as_of DESC, id DESC LIMIT 1", (key, key, digest)
            ).fetchone()
            previous = None
            if row is not None:
                previous = self._summary(db, row)
                previous["same_inputs"] = row["inputs_digest"] == digest
                previous["same_as_of"] = row["as_of"] == key
            trend = tuple(
                {"as_of": _iso(r["as_of"]), "score": r["score"]}
                for r in db.execute(
                    "SELECT as_of, score FROM runs WHERE id IN "
                    "(SELECT MAX(id) FROM runs WHERE as_of < ? GROUP BY as_of) ORDER BY as_of", (key,))
            )
        return replace(result, previous=previous, trend=trend)

    def record(self, result: AuditResult) -> None:
        """Store the run, replacing an earlier record of the same as_of and inputs. A run that
        judged nothing has no score, so it is no point of the trend and is not stored."""
        if result.scores.overall is None:
            return
        key, digest = as_of_key(result.as_of), inputs_digest(result)
        recorded_at = datetime.now(UTC).replace(tzinfo=None).isoformat(timespec="seconds")
        with self._connect(create=True) as db, self._write(db):
            db.execute("DELETE FROM runs WHERE as_of = ? AND inputs_digest = ?", (key, digest))
            run_id = db.execute(
                "INSERT INTO runs (as_of, inputs_digest, recorded_at, crm, tool_version, score, "
                "finding_counts) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (key, digest, recorded_at, result.crm, result.tool_version, float(result.scores.overall),
                 json.dumps(result.finding_counts())),
            ).lastrowid
            db.executemany(
                "INSERT INTO run_inputs (run_id, path, table_name, rows, sha256) VALUES (?, ?, ?, ?, ?)",
                [(run_id, s.path, s.table, s.rows, s.sha256) for s in result.inputs])
            db.executemany(
                "INSERT OR REPLACE INTO run_checks (run_id, code, name, severity, status, affected, metric) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                [(run_id, c.code, c.name, c.severity.label, c.status.value, int(c.affected),
                  _number(c.metric)) for c in result.checks])
            db.executemany(
                "INSERT OR REPLACE INTO run_owners (run_id, owner, score) VALUES (?, ?, ?)",
                [(run_id, str(owner), _number(score)) for owner, score in result.scores.by_owner.items()])

    # -- reading, for tools and tests -------------------------------------------------

    def runs(self) -> list[dict[str, Any]]:
        """Every recorded run's summary, oldest as_of first (ties: recording order)."""
        if not self.path.exists():
            return []
        with self._connect() as db:
            if db is None:
                return []
            rows = db.execute("SELECT * FROM runs ORDER BY as_of, id").fetchall()
            return [self._summary(db, r) for r in rows]

    # -- internals ----------------------------------------------------------------------

    @staticmethod
    def _summary(db: sqlite3.Connection, row: sqlite3.Row) -> dict[str, Any]:
        checks = db.execute("SELECT code, status, affected FROM run_checks WHERE run_id = ? ORDER BY code",
                            (row["id"],)).fetchall()
        owners = db.execute("SELECT owner, score FROM run_owners WHERE run_id = ? ORDER BY owner",
                            (row["id"],)).fetchall()
        return {
            "as_of": _iso(row["as_of"]),
            "score": row["score"],
            # A skipped or errored check counted nothing: its affected count is unknown, not 0.
            "checks": {c["code"]: c["affected"] if c["status"] in ("pass", "fail") else None for c in checks},
            "statuses": {c["code"]: c["status"] for c in checks},
            "findings": json.loads(row["finding_counts"]),
            "owners": {o["owner"]: o["score"] for o in owners},
            "recorded_at": row["recorded_at"],
            "inputs_digest": row["inputs_digest"],
        }

    @contextlib.contextmanager
    def _connect(self, create: bool = False) -> Iterator[sqlite3.Connection | None]:
        """An open history; for reading (create=False) None when it holds no runs yet."""
        try:
            if create:
                self.directory.mkdir(parents=True, exist_ok=True)
            # isolation_level=None: no implicit transactions; `_write` opens an explicit one.
            db = sqlite3.connect(self.path, timeout=self.timeout, isolation_level=None)
        except OSError as exc:
            raise AuditError(f"cannot create the history folder: {exc.strerror}", path=self.directory) from None
        except sqlite3.Error as exc:
            raise AuditError(f"cannot open the run history: {exc}", path=self.path) from None
        try:
            db.row_factory = sqlite3.Row
            db.execute(f"PRAGMA busy_timeout = {int(self.timeout * 1000)}")
            db.execute("PRAGMA foreign_keys = ON")
            if create:
                self._prepare(db)
                yield db
            else:
                yield db if self._check_version(db) else None
        except sqlite3.OperationalError as exc:
            if "locked" in str(exc) or "busy" in str(exc):
                raise AuditError(f"the run history stayed locked for {self.timeout:.0f} s by another run",
                                 path=self.path, hint="try again when it has finished") from None
            raise AuditError(f"cannot use the run history: {exc}", path=self.path) from None
        except sqlite3.DatabaseError as exc:
            raise AuditError(f"not a crm-audit history database: {exc}", path=self.path,
                             hint="move it away to start a new history") from None
        finally:
            db.close()

    def _prepare(self, db: sqlite3.Connection) -> None:
        # WAL lets a reader (attach) run while another run writes; the mode persists in the
        # file. Where WAL is unavailable SQLite keeps its rollback journal: slower, still correct.
        db.execute("PRAGMA journal_mode = WAL")
        db.execute("PRAGMA synchronous = NORMAL")
        with self._write(db):
            self._check_version(db)  # refuse someone else's database before adding tables to it
            version = db.execute("PRAGMA user_version").fetchone()[0]
            for statement in filter(str.strip, _SCHEMA.split(";")):
                db.execute(statement)
            if version < SCHEMA_VERSION:
                db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    def _check_version(self, db: sqlite3.Connection) -> bool:
        """True when the history holds our tables; False for a file a concurrent first run
        has created but not yet initialised. Raises for someone else's database."""
        version = db.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise self._newer(version)
        tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if "runs" in tables:
            return True
        if tables:
            raise sqlite3.DatabaseError("it has no runs table")
        return False

    def _newer(self, version: int) -> AuditError:
        return AuditError(f"history schema version {version} is newer than this crm-audit understands "
                          f"({SCHEMA_VERSION})", path=self.path, hint="upgrade crm-audit")

    @staticmethod
    @contextlib.contextmanager
    def _write(db: sqlite3.Connection) -> Iterator[None]:
        """One IMMEDIATE transaction: the write lock is taken up front, so two overlapping
        runs serialise instead of failing on a lock upgrade half-way."""
        db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")


def _iso(key: str) -> str:
    return pd.Timestamp(key).isoformat()


def _number(value: Any) -> float | None:
    if value is None:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) else number  # NaN -> NULL
