"""The account's database: a database made by an earlier version keeps its data and gains what
SuiteQL now shows (customers' address book)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from netsuite_emulator.domain.store import Store

EARLIER_CUSTOMER = """
CREATE TABLE customer (
    id INTEGER PRIMARY KEY AUTOINCREMENT, externalid TEXT UNIQUE, entityid TEXT NOT NULL,
    companyname TEXT NOT NULL, email TEXT, phone TEXT, url TEXT, defaultaddress TEXT,
    addr1 TEXT, city TEXT, zip TEXT, country TEXT,
    creditlimit TEXT, balance TEXT NOT NULL DEFAULT '0', overduebalance TEXT NOT NULL DEFAULT '0',
    unbilledorders TEXT NOT NULL DEFAULT '0', terms INTEGER, currency INTEGER NOT NULL DEFAULT 1,
    subsidiary INTEGER NOT NULL DEFAULT 1, isinactive TEXT NOT NULL DEFAULT 'F',
    datecreated TEXT NOT NULL, lastmodifieddate TEXT NOT NULL
);
INSERT INTO customer (entityid, companyname, addr1, city, datecreated, lastmodifieddate)
VALUES ('1000001', 'Nordwind', 'Leopoldstrasse 1', 'Muenchen', '2026-01-01', '2026-01-01'),
       ('1000002', 'Ohne Adresse', NULL, NULL, '2026-01-01', '2026-01-01');
"""


class TestEarlierDatabase:
    def test_customers_gain_their_address_book(self, tmp_path: Path) -> None:
        path = tmp_path / "account.sqlite3"
        with sqlite3.connect(path) as earlier:
            earlier.executescript(EARLIER_CUSTOMER)
        store = Store(str(path))
        try:
            rows = store.rows(
                "SELECT c.entityid, c.vatregnumber, c.defaultbillingaddress, a.addr1 "
                "FROM customer c LEFT JOIN entityaddress a ON a.nkey = c.defaultbillingaddress "
                "ORDER BY c.id"
            )
            book = store.rows("SELECT entity, addressbookaddress FROM customeraddressbook")
        finally:
            store.close()
        assert [(r["entityid"], r["defaultbillingaddress"], r["addr1"]) for r in rows] == [
            ("1000001", 1, "Leopoldstrasse 1"),
            ("1000002", None, None),
        ]
        assert [(r["entity"], r["addressbookaddress"]) for r in book] == [(1, 1)]
