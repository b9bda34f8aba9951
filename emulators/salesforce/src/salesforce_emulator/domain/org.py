"""The org: schema, database, id counters and change events, shared by every operation."""

from __future__ import annotations

import secrets
import sqlite3
import threading
from dataclasses import dataclass, field

from salesforce_emulator.domain.errors import not_found
from salesforce_emulator.domain.events import ChangeEventLog
from salesforce_emulator.domain.ids import COUNTER_LIMIT, IdAllocator, make_id
from salesforce_emulator.domain.schema import Catalog, FieldDef, ObjectDef
from salesforce_emulator.domain.store import ORG_ID_KEY, Store, quote_name

# Auto-number formats: digits per field and the first number Salesforce hands out.
AUTO_NUMBERS = {
    ("Quote", "QuoteNumber"): (8, 1),
    ("Order", "OrderNumber"): (8, 100),
    ("QuoteLineItem", "LineNumber"): (5, 1),
    ("OrderItem", "OrderItemNumber"): (10, 1),
}


def new_org_id() -> str:
    """An org id no other org has: every new org gets one (a sandbox refresh makes a new org)."""
    return make_id("00D", 1 + secrets.randbelow(COUNTER_LIMIT - 1))


def load_org_id(store: Store) -> str:
    """The id of the org this database holds, given to it when the database was created."""
    with store.transaction() as conn:
        row = conn.execute("SELECT value FROM _sf_meta WHERE key = ?", (ORG_ID_KEY,)).fetchone()
        if row is not None:
            return str(row[0])
        org_id = new_org_id()
        conn.execute("INSERT INTO _sf_meta (key, value) VALUES (?, ?)", (ORG_ID_KEY, org_id))
        return org_id


@dataclass
class Org:
    """Everything an operation on records needs, built once per app."""

    store: Store
    catalog: Catalog
    events: ChangeEventLog
    ids: IdAllocator = field(default_factory=IdAllocator)
    org_id: str = field(default_factory=lambda: new_org_id())
    _auto_numbers: dict[tuple[str, str], int] = field(default_factory=dict)
    _auto_lock: threading.Lock = field(default_factory=threading.Lock)

    def object_or_raise(self, name: str) -> ObjectDef:
        """The sObject named `name`, or 404 NOT_FOUND like an unknown sObject URL."""
        obj = self.catalog.object(name)
        if obj is None:
            raise not_found()
        return obj

    def load_counters(self) -> None:
        """Continue id and auto-number sequences after what the database already holds."""
        self.ids.reset()
        with self._auto_lock:
            self._auto_numbers.clear()
        with self.store.reading() as conn:
            for obj in self.catalog.objects():
                row = conn.execute(f'SELECT MAX("Id") FROM {quote_name(obj.name)}').fetchone()
                self.ids.seed(obj.key_prefix, row[0])

    def next_auto_number(self, conn: sqlite3.Connection, obj: ObjectDef, item: FieldDef) -> str:
        """The next value of an auto-number field, zero-padded."""
        digits, first = AUTO_NUMBERS.get((obj.name, item.name), (8, 1))
        key = (obj.name, item.name)
        with self._auto_lock:
            if key not in self._auto_numbers:
                row = conn.execute(
                    f"SELECT MAX(CAST({quote_name(item.name)} AS INTEGER)) "
                    f"FROM {quote_name(obj.name)}"
                ).fetchone()
                self._auto_numbers[key] = max(int(row[0] or 0) + 1, first)
            number = self._auto_numbers[key]
            self._auto_numbers[key] = number + 1
        return str(number).zfill(digits)
