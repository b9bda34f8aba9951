"""The account's SQLite database: one connection, serialized, with the schema of its tables.

Table and column names are SuiteQL's (lower case), so the SuiteQL compiler maps a query onto them
one to one. Money and quantities are decimal strings; dates ISO 8601 text (UTC), which sorts.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

# The nkey of a customer's one address (its own id), when it has one.
_ADDRESS_KEY = "CASE WHEN addr1 IS NOT NULL OR city IS NOT NULL THEN id END"
SCHEMA = """
CREATE TABLE IF NOT EXISTS subsidiary (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS currency (id INTEGER PRIMARY KEY, symbol TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS term (id INTEGER PRIMARY KEY, name TEXT NOT NULL, days INTEGER);
CREATE TABLE IF NOT EXISTS location (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS customer (
    id INTEGER PRIMARY KEY AUTOINCREMENT, externalid TEXT UNIQUE, entityid TEXT NOT NULL,
    companyname TEXT NOT NULL, email TEXT, phone TEXT, url TEXT, defaultaddress TEXT,
    addr1 TEXT, city TEXT, zip TEXT, country TEXT,
    creditlimit TEXT, balance TEXT NOT NULL DEFAULT '0', overduebalance TEXT NOT NULL DEFAULT '0',
    unbilledorders TEXT NOT NULL DEFAULT '0', terms INTEGER, currency INTEGER NOT NULL DEFAULT 1,
    subsidiary INTEGER NOT NULL DEFAULT 1, isinactive TEXT NOT NULL DEFAULT 'F',
    vatregnumber TEXT, creditholdoverride TEXT NOT NULL DEFAULT 'AUTO',
    datecreated TEXT NOT NULL, lastmodifieddate TEXT NOT NULL,
    defaultbillingaddress INTEGER GENERATED ALWAYS AS (ADDRESS_KEY) VIRTUAL,
    defaultshippingaddress INTEGER GENERATED ALWAYS AS (ADDRESS_KEY) VIRTUAL
);
CREATE TABLE IF NOT EXISTS item (
    id INTEGER PRIMARY KEY AUTOINCREMENT, externalid TEXT UNIQUE, itemid TEXT NOT NULL UNIQUE,
    displayname TEXT, description TEXT, itemtype TEXT NOT NULL DEFAULT 'InvtPart',
    baseprice TEXT, isinactive TEXT NOT NULL DEFAULT 'F',
    datecreated TEXT NOT NULL, lastmodifieddate TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS inventoryitemlocations (
    item INTEGER NOT NULL REFERENCES item(id) ON DELETE CASCADE, location INTEGER NOT NULL,
    quantityonhand TEXT NOT NULL DEFAULT '0', quantitycommitted TEXT NOT NULL DEFAULT '0',
    quantityavailable TEXT NOT NULL DEFAULT '0', quantityonorder TEXT NOT NULL DEFAULT '0',
    PRIMARY KEY (item, location)
);
CREATE TABLE IF NOT EXISTS customeritempricing (
    customer INTEGER NOT NULL REFERENCES customer(id) ON DELETE CASCADE,
    item INTEGER NOT NULL REFERENCES item(id) ON DELETE CASCADE, price TEXT NOT NULL,
    PRIMARY KEY (customer, item)
);
CREATE TABLE IF NOT EXISTS "transaction" (
    id INTEGER PRIMARY KEY AUTOINCREMENT, type TEXT NOT NULL, tranid TEXT NOT NULL,
    externalid TEXT, entity INTEGER REFERENCES customer(id), trandate TEXT NOT NULL,
    shipdate TEXT, duedate TEXT, status TEXT NOT NULL, otherrefnum TEXT, memo TEXT,
    createdfrom INTEGER, currency INTEGER NOT NULL DEFAULT 1,
    foreigntotal TEXT NOT NULL DEFAULT '0',
    foreignamountremaining TEXT, createddate TEXT NOT NULL, lastmodifieddate TEXT NOT NULL,
    UNIQUE (type, externalid)
);
CREATE TABLE IF NOT EXISTS transactionline (
    "transaction" INTEGER NOT NULL REFERENCES "transaction"(id) ON DELETE CASCADE,
    id INTEGER NOT NULL, linesequencenumber INTEGER NOT NULL, item INTEGER NOT NULL,
    quantity TEXT NOT NULL, rate TEXT NOT NULL, amount TEXT NOT NULL, location INTEGER,
    quantityshiprecv TEXT NOT NULL DEFAULT '0', quantitybilled TEXT NOT NULL DEFAULT '0',
    orderline INTEGER, description TEXT, PRIMARY KEY ("transaction", id)
);
-- A customer's address book (the emulator keeps one address, default for billing and shipping),
-- as SuiteQL shows it: the addresses in entityaddress, joined to the customer through
-- customeraddressbook or the customer's defaultbillingaddress (an address's nkey).
CREATE VIEW IF NOT EXISTS entityaddress AS
    SELECT id AS nkey, addr1, city, zip, country, defaultaddress AS addrtext, lastmodifieddate
    FROM customer WHERE ADDRESS_KEY IS NOT NULL;
CREATE VIEW IF NOT EXISTS customeraddressbook AS
    SELECT id AS entity, id AS internalid, id AS addressbookaddress, 'T' AS defaultbilling,
           'T' AS defaultshipping, addr1 AS label
    FROM customer WHERE ADDRESS_KEY IS NOT NULL;
CREATE TABLE IF NOT EXISTS idempotency (
    key TEXT PRIMARY KEY, fingerprint TEXT NOT NULL, location TEXT NOT NULL
);
""".replace("ADDRESS_KEY", _ADDRESS_KEY)
DATA_TABLES = (
    "idempotency",
    "transactionline",
    '"transaction"',
    "customeritempricing",
    "inventoryitemlocations",
    "item",
    "customer",
    "location",
    "term",
    "currency",
    "subsidiary",
)
Row = dict[str, Any]
# (table, column, definition) of columns newer than some databases.
ADDED_COLUMNS = (
    ("customer", "vatregnumber", "TEXT"),
    ("customer", "creditholdoverride", "TEXT NOT NULL DEFAULT 'AUTO'"),
    ("customer", "defaultbillingaddress", f"INTEGER GENERATED ALWAYS AS ({_ADDRESS_KEY}) VIRTUAL"),
    ("customer", "defaultshippingaddress", f"INTEGER GENERATED ALWAYS AS ({_ADDRESS_KEY}) VIRTUAL"),
)


class Store:
    """One SQLite connection used by every thread in turn (writes are serialized anyway)."""

    def __init__(self, path: str) -> None:
        if path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        self._connection = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._connection.row_factory = sqlite3.Row
        # Oracle's LIKE, which SuiteQL is, tells upper from lower case.
        self._connection.execute("PRAGMA case_sensitive_like = ON")
        self._connection.execute("PRAGMA foreign_keys = ON")
        self._connection.executescript(SCHEMA)
        self._add_new_columns()
        self._lock = threading.RLock()
        self._depth = 0

    def _add_new_columns(self) -> None:
        """Columns added since a database was made: added to it, so it keeps its data."""
        for table, column, definition in ADDED_COLUMNS:
            present = {row[1] for row in self._connection.execute(f'PRAGMA table_xinfo("{table}")')}
            if column not in present:
                self._connection.execute(f'ALTER TABLE "{table}" ADD COLUMN {column} {definition}')

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """All or nothing; nested calls join the outer transaction."""
        with self._lock:
            outer = self._depth == 0
            if outer:
                self._connection.execute("BEGIN IMMEDIATE")
            self._depth += 1
            try:
                yield
            except BaseException:
                self._depth -= 1
                if outer:
                    self._connection.execute("ROLLBACK")
                raise
            self._depth -= 1
            if outer:
                self._connection.execute("COMMIT")

    def rows(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        with self._lock:
            return [dict(row) for row in self._connection.execute(sql, tuple(params))]

    def row(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        found = self.rows(sql, params)
        return found[0] if found else None

    def scalar(self, sql: str, params: Sequence[Any] = ()) -> Any:
        with self._lock:
            found = self._connection.execute(sql, tuple(params)).fetchone()
        return found[0] if found else None

    def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Run a write; returns the last inserted row id."""
        with self._lock:
            cursor = self._connection.execute(sql, tuple(params))
            return int(cursor.lastrowid or 0)

    def is_empty(self) -> bool:
        return not self.scalar("SELECT COUNT(*) FROM customer") and not self.scalar(
            "SELECT COUNT(*) FROM item"
        )

    def continue_ids_at(self, table: str, next_id: int) -> None:
        """Let the next row of `table` get the internal id `next_id`, as in an account whose
        ids have grown that far. Ids only grow: ValueError when one at or above it was given."""
        with self.transaction():
            highest = self.scalar(f'SELECT MAX(id) FROM "{table}"') or 0
            given = self.scalar("SELECT seq FROM sqlite_sequence WHERE name = ?", (table,)) or 0
            if next_id <= max(highest, given):
                raise ValueError(f"Internal id {next_id} of {table} is given already.")
            self.execute("DELETE FROM sqlite_sequence WHERE name = ?", (table,))
            self.execute(
                "INSERT INTO sqlite_sequence (name, seq) VALUES (?, ?)", (table, next_id - 1)
            )

    def clear(self) -> None:
        with self.transaction():
            for table in DATA_TABLES:
                self.execute(f"DELETE FROM {table}")
            self.execute("DELETE FROM sqlite_sequence")

    def close(self) -> None:
        with self._lock:
            self._connection.close()
