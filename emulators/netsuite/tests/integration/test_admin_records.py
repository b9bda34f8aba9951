"""/__admin/records: customers, items and sales orders in business terms, with the numbers
given (entity ids, item ids, internal ids of the transactions)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import httpx
import pytest

from emulator_kit.record_set import example_record_set

from ..support import RECORD, SUITEQL

pytestmark = pytest.mark.asyncio


def record_set(**changes: Any) -> dict[str, Any]:
    """A customer with a credit limit, a product in stock and a billed order of it."""
    return {**example_record_set(), **changes}


async def suiteql(netsuite: httpx.AsyncClient, query: str) -> list[dict[str, Any]]:
    response = await netsuite.post(SUITEQL, json={"q": query}, headers={"Prefer": "transient"})
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


class TestRecords:
    async def test_records_get_the_numbers_given(
        self, netsuite: httpx.AsyncClient, admin: httpx.AsyncClient
    ) -> None:
        await admin.post("/__admin/reset?seed=false")
        response = await admin.post("/__admin/records", json=record_set())
        assert response.status_code == 204, response.text
        [customer] = await suiteql(
            netsuite,
            "SELECT c.id, c.externalid, c.vatregnumber, c.phone, a.addr1, c.creditlimit, "
            "c.balance FROM customer c JOIN entityaddress a ON a.nkey = c.defaultbillingaddress "
            "WHERE c.entityid = '1000001'",
        )
        assert customer["externalid"] == "001AAA"
        assert customer["vatregnumber"] == "DE123456789"
        assert customer["addr1"] == "Leopoldstrasse 1"
        assert Decimal(customer["creditlimit"]) == 50_000
        order = (await netsuite.get(f"{RECORD}/salesOrder/5000001")).json()
        assert order["entity"]["id"] == customer["id"]
        assert order["otherRefNum"] == "PO-4711"
        assert order["status"]["refName"] == "Billed"
        invoice = (await netsuite.get(f"{RECORD}/invoice/90000001")).json()
        assert invoice["createdFrom"]["id"] == "5000001"
        assert Decimal(customer["balance"]) == Decimal(str(invoice["total"]))
        [item] = await suiteql(
            netsuite,
            "SELECT i.baseprice, l.quantityavailable FROM item i "
            "JOIN inventoryitemlocations l ON l.item = i.id WHERE i.itemid = 'TG-1000'",
        )
        assert (Decimal(item["baseprice"]), Decimal(item["quantityavailable"])) == (114, 38)

    async def test_a_customer_without_limit_has_none(
        self, netsuite: httpx.AsyncClient, admin: httpx.AsyncClient
    ) -> None:
        await admin.post("/__admin/reset?seed=false")
        customer = {"number": "1000007", "name": "Ohne Kredit GmbH"}
        records = record_set(customers=[customer], products=[], salesOrders=[])
        assert (await admin.post("/__admin/records", json=records)).status_code == 204
        [row] = await suiteql(netsuite, "SELECT * FROM customer WHERE entityid = '1000007'")
        assert "creditlimit" not in row

    async def test_a_number_in_use_is_a_conflict_and_adds_nothing(
        self, netsuite: httpx.AsyncClient, admin: httpx.AsyncClient
    ) -> None:
        await admin.post("/__admin/reset")  # the demo account: its transactions have ids 1..
        records = record_set(customers=[], products=[])
        records["salesOrders"][0].update(number="2", customer="1000002", lines=[
            {"sku": "MAT-0002", "quantity": "1"}
        ])  # fmt: skip
        response = await admin.post("/__admin/records", json=records)
        assert response.status_code == 409
        assert response.headers["content-type"] == "application/problem+json"
        taken = await admin.post("/__admin/records", json=record_set(salesOrders=[]) | {
            "customers": [{"number": "1000003", "name": "Twice"}]
        })  # fmt: skip
        assert taken.status_code == 409
        assert not await suiteql(netsuite, "SELECT id FROM item WHERE itemid = 'TG-1000'")

    async def test_an_order_of_an_unknown_item_is_422(self, admin: httpx.AsyncClient) -> None:
        await admin.post("/__admin/reset?seed=false")
        response = await admin.post("/__admin/records", json=record_set(products=[]))
        assert response.status_code == 422
        assert "TG-1000" in response.json()["detail"]
