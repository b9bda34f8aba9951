"""The SQLite database: one table per entity set (columns = properties), generated from the model.

One connection is shared by the request threads and the lifecycle task, guarded by one
re-entrant lock; nested `transaction()` blocks become savepoints, which is how a `$batch`
changeset stays all-or-nothing while each operation in it can fail on its own.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any

from s4hana_emulator.odata.model import EntitySet, Property, ServiceModel
from s4hana_emulator.odata.sql import order_expression, quote, register_functions
from s4hana_emulator.odata.values import INTEGER_TYPES, default_value

Row = dict[str, Any]


class DuplicateKey(Exception):
    """An insert whose key already exists."""


def column_type(prop: Property) -> str:
    if prop.type == "Boolean" or prop.type in INTEGER_TYPES:
        return "INTEGER"
    if prop.type in ("DateTime", "DateTimeOffset", "Time"):
        return "INTEGER"
    if prop.type == "Double":
        return "REAL"
    return "TEXT"


# Columns that rules, views and the suite's `$filter`s look rows up by (customer of an order or
# invoice, the customer's reference, delta reads by change time): indexed wherever they occur, so
# that credit exposure and order lookups do not scan every order ever created.
LOOKUP_COLUMNS = (
    "SoldToParty",
    "PurchaseOrderByCustomer",
    "Customer",
    "LastChangeDateTime",
    "ReferenceSDDocument",
    # The availability check sums what open order items have confirmed of a material: without
    # this index every item check scans every order item ever created.
    "Material",
)


def index_sql(entity_set: EntitySet) -> list[str]:
    """CREATE INDEX statements for the set's lookup columns that are not its leading key."""
    names = {prop.name for prop in entity_set.properties}
    leading_key = entity_set.keys[0].name if entity_set.keys else None
    return [
        f"CREATE INDEX IF NOT EXISTS {quote(f'ix_{entity_set.name}_{column}')} "
        f"ON {quote(entity_set.name)} ({quote(column)})"
        for column in LOOKUP_COLUMNS
        if column in names and column != leading_key
    ]


def table_sql(entity_set: EntitySet) -> str:
    columns = [f"{quote(prop.name)} {column_type(prop)}" for prop in entity_set.properties]
    keys = ", ".join(quote(prop.name) for prop in entity_set.keys)
    columns.append(f"PRIMARY KEY ({keys})")
    return f"CREATE TABLE IF NOT EXISTS {quote(entity_set.name)} ({', '.join(columns)})"


class Store:
    """One SQLite connection, its lock, and model-aware row access."""

    def __init__(self, path: str) -> None:
        if path != ":memory:" and not path.startswith("file:"):
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        # The rules build a few hundred distinct statements (one per set and lookup); the default
        # statement cache of 128 would let them evict each other and be compiled again.
        self.conn = sqlite3.connect(
            path,
            check_same_thread=False,
            isolation_level=None,
            uri=path.startswith("file:"),
            cached_statements=1024,
        )
        self.conn.row_factory = sqlite3.Row
        register_functions(self.conn)
        self.lock = threading.RLock()
        self._depth = 0
        if path != ":memory:":
            self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.execute("PRAGMA synchronous=NORMAL")
        self.tables: list[str] = []
        self._inserts: dict[str, tuple[str, list[str]]] = {}
        self._key_orders: dict[str, str] = {}

    def close(self) -> None:
        with self.lock:
            self.conn.close()

    def create_schema(self, models: Iterable[ServiceModel]) -> None:
        """Create the tables of every entity set (then the views, which read the tables)."""
        sets = [entity_set for model in models for entity_set in model.entity_sets]
        with self.transaction():
            for entity_set in sets:
                if entity_set.view_sql is None:
                    self.conn.execute(table_sql(entity_set))
                    self._add_missing_columns(entity_set)
                    for statement in index_sql(entity_set):
                        self.conn.execute(statement)
                    self.tables.append(entity_set.name)
            for entity_set in sets:
                if entity_set.view_sql is not None:
                    self.conn.execute(f"DROP VIEW IF EXISTS {quote(entity_set.name)}")
                    self.conn.execute(
                        f"CREATE VIEW {quote(entity_set.name)} AS {entity_set.view_sql}"
                    )

    def _add_missing_columns(self, entity_set: EntitySet) -> None:
        """A database from an older model gets the properties added since (initial values)."""
        table = quote(entity_set.name)
        existing = {row[1] for row in self.conn.execute(f"PRAGMA table_info({table})")}
        for prop in entity_set.properties:
            if prop.name not in existing:
                column = f"{quote(prop.name)} {column_type(prop)}"
                default = default_value(prop)
                if default is not None:
                    column += (
                        f" DEFAULT {default!r}"
                        if isinstance(default, str)
                        else f" DEFAULT {default}"
                    )
                self.conn.execute(f"ALTER TABLE {table} ADD COLUMN {column}")

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """A transaction, or a savepoint inside the current one; rolled back on any error."""
        with self.lock:
            self._depth += 1
            savepoint = f"sp{self._depth}"
            self.conn.execute("BEGIN" if self._depth == 1 else f"SAVEPOINT {savepoint}")
            try:
                yield self.conn
            except BaseException:
                if self._depth == 1:
                    self.conn.execute("ROLLBACK")
                else:
                    self.conn.execute(f"ROLLBACK TO {savepoint}")
                    self.conn.execute(f"RELEASE {savepoint}")
                raise
            else:
                self.conn.execute("COMMIT" if self._depth == 1 else f"RELEASE {savepoint}")
            finally:
                self._depth -= 1

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        # Plain tuples zipped with the column names once per statement: building a dict from
        # each `sqlite3.Row` costs about twice as much, and the order path reads wide rows.
        with self.lock:
            cursor = self.conn.cursor()
            cursor.row_factory = None
            rows = cursor.execute(sql, params).fetchall()
            description = cursor.description
        if not rows:
            return []
        names = [column[0] for column in description]
        return [dict(zip(names, row, strict=True)) for row in rows]

    def scalar(self, sql: str, params: Sequence[Any] = ()) -> Any:
        with self.lock:
            row = self.conn.execute(sql, params).fetchone()
        return None if row is None else row[0]

    def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        with self.lock:
            return self.conn.execute(sql, params).rowcount

    def is_empty(self) -> bool:
        return all(
            self.scalar(f"SELECT COUNT(*) FROM {quote(table)}") == 0 for table in self.tables
        )

    def clear(self) -> None:
        """Delete every row of every table."""
        with self.transaction():
            for table in self.tables:
                self.conn.execute(f"DELETE FROM {quote(table)}")

    # Model-aware access -------------------------------------------------------------------

    def select(
        self,
        entity_set: EntitySet,
        *,
        where: str = "",
        params: Sequence[Any] = (),
        order: str = "",
        limit: int | None = None,
        offset: int = 0,
    ) -> list[Row]:
        """Rows of a set (aliased `t` in `where` and `order`), in key order unless told."""
        sql = f"SELECT * FROM {quote(entity_set.name)} t"
        if where:
            sql += f" WHERE {where}"
        sql += " ORDER BY " + (order or self._key_order(entity_set))
        if limit is not None or offset:
            sql += f" LIMIT {-1 if limit is None else int(limit)} OFFSET {int(offset)}"
        return self.query(sql, params)

    def _key_order(self, entity_set: EntitySet) -> str:
        """The set's default ORDER BY, built once per table (named after its set)."""
        order = self._key_orders.get(entity_set.name)
        if order is None:
            order = self._key_orders[entity_set.name] = key_order(entity_set)
        return order

    def count(self, entity_set: EntitySet, *, where: str = "", params: Sequence[Any] = ()) -> int:
        sql = f"SELECT COUNT(*) FROM {quote(entity_set.name)} t"
        if where:
            sql += f" WHERE {where}"
        return int(self.scalar(sql, params))

    def get(self, entity_set: EntitySet, key: Mapping[str, Any]) -> Row | None:
        where, params = key_condition(entity_set, key)
        # The whole key matches one row at most: no ORDER BY (its sort expressions only cost).
        rows = self.query(f"SELECT * FROM {quote(entity_set.name)} t WHERE {where}", params)
        return rows[0] if rows else None

    def insert(self, entity_set: EntitySet, row: Mapping[str, Any]) -> None:
        statement = self._inserts.get(entity_set.name)
        if statement is None:
            # Built once per table (a table is named after its set): the text only depends on it.
            names = list(entity_set.initial_values)
            statement = (_insert_sql(entity_set.name, names), names)
            self._inserts[entity_set.name] = statement
        sql, names = statement
        try:
            self.execute(sql, [row.get(name) for name in names])
        except sqlite3.IntegrityError as error:
            raise DuplicateKey(entity_set.name) from error

    def update(
        self, entity_set: EntitySet, key: Mapping[str, Any], changes: Mapping[str, Any]
    ) -> int:
        if not changes:
            return 0
        where, params = key_condition(entity_set, key, alias=None)
        assignments = ", ".join(f"{quote(name)} = ?" for name in changes)
        sql = f"UPDATE {quote(entity_set.name)} SET {assignments} WHERE {where}"
        return self.execute(sql, [*changes.values(), *params])

    def delete(self, entity_set: EntitySet, key: Mapping[str, Any]) -> int:
        where, params = key_condition(entity_set, key, alias=None)
        return self.execute(f"DELETE FROM {quote(entity_set.name)} WHERE {where}", params)


def key_order(entity_set: EntitySet, alias: str = "t") -> str:
    return ", ".join(order_expression(alias, prop) for prop in entity_set.keys)


def key_condition(
    entity_set: EntitySet, key: Mapping[str, Any], *, alias: str | None = "t"
) -> tuple[str, list[Any]]:
    names = entity_set.key_names
    return _key_where(names, alias), [key[name] for name in names]


# Built for every row read or written by key; the text only depends on the key's columns and the
# alias, so each is built once (bounded by the model).
@lru_cache(maxsize=4096)
def _key_where(names: tuple[str, ...], alias: str | None) -> str:
    prefix = f"{alias}." if alias else ""
    return " AND ".join(f"{prefix}{quote(name)} = ?" for name in names)


def _insert_sql(table: str, names: list[str]) -> str:
    return (
        f"INSERT INTO {quote(table)} ({', '.join(map(quote, names))}) "
        f"VALUES ({', '.join('?' for _ in names)})"
    )


def key_of(entity_set: EntitySet, row: Mapping[str, Any]) -> dict[str, Any]:
    return {name: row[name] for name in entity_set.key_names}
