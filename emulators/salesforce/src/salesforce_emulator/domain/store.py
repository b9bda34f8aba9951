"""The SQLite database: one table per sObject (see the storage convention), plus internal tables."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from salesforce_emulator.domain.schema import ID_TYPES, REAL_TYPES, Catalog, FieldDef, ObjectDef

INTERNAL_TABLES = (
    """CREATE TABLE IF NOT EXISTS _sf_change_event (
        replay_id INTEGER PRIMARY KEY AUTOINCREMENT,
        entity TEXT NOT NULL,
        created_ms INTEGER NOT NULL,
        payload TEXT NOT NULL)""",
    "CREATE INDEX IF NOT EXISTS _sf_change_event_created ON _sf_change_event (created_ms)",
    "CREATE TABLE IF NOT EXISTS _sf_meta (key TEXT PRIMARY KEY, value TEXT)",
)
ORG_ID_KEY = "org_id"


def column_type(field: FieldDef) -> str:
    """The SQLite type of a field's column under the storage convention."""
    if field.type in ("boolean", "int"):
        return "INTEGER"
    if field.type in REAL_TYPES:
        return "REAL"
    return "TEXT"


def quote_name(name: str) -> str:
    """An identifier quoted for SQL (`Order` is a keyword)."""
    return '"' + name.replace('"', '""') + '"'


def column_sql(field: FieldDef) -> str:
    if field.name == "Id":
        return '"Id" TEXT PRIMARY KEY'
    if field.name == "IsDeleted":
        return '"IsDeleted" INTEGER NOT NULL DEFAULT 0'
    return f"{quote_name(field.name)} {column_type(field)}"


class Store:
    """One SQLite connection shared by the app and its worker threads, guarded by one lock.

    Statements are fast; the lock keeps a background bulk job and the request handlers from
    interleaving inside a transaction. Nested `transaction()` blocks become savepoints.
    """

    def __init__(self, path: str) -> None:
        if path != ":memory:" and not path.startswith("file:"):
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.conn = sqlite3.connect(
            path, check_same_thread=False, isolation_level=None, uri=path.startswith("file:")
        )
        self._lock = threading.RLock()
        self._depth = 0
        self._after_commit: list[Callable[[], None]] = []
        if path != ":memory:":
            self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.execute("PRAGMA synchronous=NORMAL")

    def close(self) -> None:
        with self._lock:
            self.conn.close()

    def create_schema(self, catalog: Catalog) -> None:
        """Create (or extend) one table per sObject and the internal tables."""
        with self.transaction() as conn:
            for statement in INTERNAL_TABLES:
                conn.execute(statement)
            for obj in catalog.objects():
                self._create_table(conn, obj)

    @staticmethod
    def _create_table(conn: sqlite3.Connection, obj: ObjectDef) -> None:
        table = quote_name(obj.name)
        columns = ", ".join(column_sql(field) for field in obj.fields)
        conn.execute(f"CREATE TABLE IF NOT EXISTS {table} ({columns})")
        present = {row[1] for row in conn.execute(f"PRAGMA table_info({table})")}
        for field in obj.fields:
            if field.name not in present:
                conn.execute(f"ALTER TABLE {table} ADD COLUMN {column_sql(field)}")
        for field in obj.fields:
            if field.name == "Id":
                continue
            index = quote_name(f"{obj.name}_{field.name}_idx")
            if field.unique or field.external_id:
                conn.execute(
                    f"CREATE INDEX IF NOT EXISTS {index} ON {table} "
                    f"({quote_name(field.name)} COLLATE NOCASE)"
                )
            elif field.type in ID_TYPES or field.auto_number:
                conn.execute(
                    f"CREATE INDEX IF NOT EXISTS {index} ON {table} ({quote_name(field.name)})"
                )

    def wipe(self, catalog: Catalog) -> None:
        """Drop every row of every table (admin reset); the org stays the same org."""
        with self.transaction() as conn:
            for obj in catalog.objects():
                conn.execute(f"DELETE FROM {quote_name(obj.name)}")
            conn.execute("DELETE FROM _sf_change_event")
            conn.execute("DELETE FROM _sf_meta WHERE key <> ?", (ORG_ID_KEY,))

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """A write transaction (or a savepoint inside one); rolled back when the block raises."""
        with self._lock:
            depth = self._depth
            savepoint = f"sp{depth}"
            self.conn.execute("BEGIN IMMEDIATE" if depth == 0 else f"SAVEPOINT {savepoint}")
            self._depth += 1
            try:
                yield self.conn
            except BaseException:
                self._depth -= 1
                if depth == 0:
                    self.conn.execute("ROLLBACK")
                    self._after_commit.clear()
                else:
                    self.conn.execute(f"ROLLBACK TO {savepoint}")
                    self.conn.execute(f"RELEASE {savepoint}")
                raise
            self._depth -= 1
            if depth == 0:
                self.conn.execute("COMMIT")
                callbacks, self._after_commit = self._after_commit, []
                for callback in callbacks:
                    callback()
            else:
                self.conn.execute(f"RELEASE {savepoint}")

    @contextmanager
    def reading(self) -> Iterator[sqlite3.Connection]:
        """The connection, for reads, while no other thread uses it."""
        with self._lock:
            yield self.conn

    def after_commit(self, callback: Callable[[], None]) -> None:
        """Run `callback` once the current outermost transaction commits."""
        self._after_commit.append(callback)

    @property
    def in_transaction(self) -> bool:
        return self._depth > 0


def fetch_dicts(
    conn: sqlite3.Connection, sql: str, params: Sequence[Any] = ()
) -> list[dict[str, Any]]:
    """Rows of a query as dicts keyed by column name."""
    cursor = conn.execute(sql, params)
    names = [column[0] for column in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def fetch_rows_by_id(
    conn: sqlite3.Connection, obj: ObjectDef, ids: Sequence[str]
) -> dict[str, dict[str, Any]]:
    """Stored rows of `obj` by id (deleted rows included), in chunks SQLite accepts."""
    rows: dict[str, dict[str, Any]] = {}
    table = quote_name(obj.name)
    unique_ids = list(dict.fromkeys(ids))
    for start in range(0, len(unique_ids), 500):
        chunk = unique_ids[start : start + 500]
        marks = ",".join("?" * len(chunk))
        for row in fetch_dicts(conn, f'SELECT * FROM {table} WHERE "Id" IN ({marks})', chunk):
            rows[row["Id"]] = row
    return rows
