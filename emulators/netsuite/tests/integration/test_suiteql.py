"""SuiteQL through the query service: the header, paging, joins, deltas and errors."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from ..support import RECORD, SUITEQL, netsuite_error, order_body, record_id

pytestmark = pytest.mark.asyncio
TRANSIENT = {"Prefer": "transient"}


async def _query(netsuite: httpx.AsyncClient, q: str, **params: Any) -> dict[str, Any]:
    response = await netsuite.post(SUITEQL, json={"q": q}, headers=TRANSIENT, params=params)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


class TestSuiteQL:
    async def test_rows_as_text_without_empty_values(self, netsuite: httpx.AsyncClient) -> None:
        page = await _query(
            netsuite,
            "SELECT id, entityid, companyname, url, creditlimit FROM customer WHERE id = 1",
        )
        assert page["items"] == [
            {
                "links": [],
                "id": "1",
                "entityid": "1000001",
                "companyname": "Nordwind Industrietechnik GmbH",
                "creditlimit": "250000.00",
            }
        ]
        assert page["totalResults"] == 1
        assert page["hasMore"] is False

    async def test_addresses_are_in_the_address_book(self, netsuite: httpx.AsyncClient) -> None:
        by_default = await _query(
            netsuite,
            "SELECT c.entityid, a.addr1, a.zip, a.city, a.country FROM customer c "
            "LEFT JOIN entityaddress a ON a.nkey = c.defaultbillingaddress WHERE c.id = 1",
        )
        book = await _query(
            netsuite,
            "SELECT b.defaultbilling, a.addr1 FROM customeraddressbook b "
            "JOIN entityaddress a ON a.nkey = b.addressbookaddress WHERE b.entity = 1",
        )
        assert [row["addr1"] for row in by_default["items"]] == ["Industriestraße 1"]
        assert by_default["items"][0]["city"] == "Hamburg"
        assert [(row["defaultbilling"], row["addr1"]) for row in book["items"]] == [
            ("T", "Industriestraße 1")
        ]

    async def test_a_customer_keeps_no_address_of_its_own(
        self, netsuite: httpx.AsyncClient
    ) -> None:
        response = await netsuite.post(
            SUITEQL, json={"q": "SELECT addr1 FROM customer"}, headers=TRANSIENT
        )
        assert netsuite_error(response, 400, "INVALID_PARAMETER")
        created = record_id(
            await netsuite.post(f"{RECORD}/customer", json={"companyName": "Ohne Adresse AG"})
        )
        page = await _query(
            netsuite, f"SELECT id, defaultbillingaddress FROM customer WHERE id = {created}"
        )
        assert page["items"][0].get("defaultbillingaddress") is None

    async def test_paging(self, netsuite: httpx.AsyncClient) -> None:
        page = await _query(
            netsuite, "SELECT itemid FROM item ORDER BY itemid", limit=10, offset=10
        )
        assert page["items"][0]["itemid"] == "MAT-0011"
        assert page["count"] == 10
        assert page["totalResults"] == 40
        assert page["hasMore"] is True
        next_link = next(link["href"] for link in page["links"] if link["rel"] == "next")
        assert next_link.endswith("/query/v1/suiteql?limit=10&offset=20")

    async def test_availability_per_location(self, netsuite: httpx.AsyncClient) -> None:
        page = await _query(
            netsuite,
            "SELECT i.itemid, BUILTIN.DF(q.location) AS location, q.quantityavailable "
            "FROM item i JOIN inventoryitemlocations q ON q.item = i.id "
            "WHERE i.itemid IN ('MAT-0002', 'MAT-0010') ORDER BY i.itemid, q.location",
        )
        assert [(r["itemid"], r["location"], r["quantityavailable"]) for r in page["items"]] == [
            ("MAT-0002", "Hamburg Main Warehouse", "72.00"),
            ("MAT-0002", "Hamburg Overflow Store", "41.00"),
            ("MAT-0010", "Hamburg Main Warehouse", "0.00"),
        ]

    async def test_availability_over_all_locations(self, netsuite: httpx.AsyncClient) -> None:
        page = await _query(
            netsuite,
            "SELECT BUILTIN.DF(q.item) AS sku, SUM(q.quantityavailable) AS available "
            "FROM inventoryitemlocations q JOIN item i ON i.id = q.item "
            "WHERE i.itemid LIKE 'MAT-000%' GROUP BY q.item ORDER BY sku",
        )
        available = {row["sku"]: row["available"] for row in page["items"]}
        assert available["MAT-0002"] == "113"
        assert available["MAT-0005"] == "8"
        assert len(available) == 9

    async def test_orders_with_lines(self, netsuite: httpx.AsyncClient) -> None:
        page = await _query(
            netsuite,
            "SELECT t.tranid, BUILTIN.DF(t.status) AS status, BUILTIN.DF(tl.item) AS sku, "
            "tl.quantity FROM transaction t JOIN transactionline tl ON tl.transaction = t.id "
            "JOIN customer c ON c.id = t.entity WHERE t.type = 'SalesOrd' "
            "AND c.entityid = '1000002' AND tl.mainline = 'F' "
            "ORDER BY t.id, tl.linesequencenumber",
        )
        assert page["items"][0]["status"] == "Sales Order : Billed"
        assert page["items"][0]["sku"] == "MAT-0003"
        assert page["items"][-1]["status"] == "Sales Order : Pending Fulfillment"

    async def test_delta_by_last_modified(self, netsuite: httpx.AsyncClient) -> None:
        response = await netsuite.patch(f"{RECORD}/customer/7", json={"phone": "+49 30 1"})
        assert response.status_code == 204
        modified = (await netsuite.get(f"{RECORD}/customer/7")).json()["lastModifiedDate"]
        page = await _query(
            netsuite,
            "SELECT id FROM customer WHERE lastmodifieddate >= "
            f"TO_DATE('{modified[:19].replace('T', ' ')}', 'YYYY-MM-DD HH24:MI:SS')",
        )
        assert {"links": [], "id": "7"} in page["items"]

    async def test_new_order_is_found(self, netsuite: httpx.AsyncClient) -> None:
        order_id = record_id(await netsuite.post(f"{RECORD}/salesOrder", json=order_body("1")))
        page = await _query(netsuite, f"SELECT otherrefnum FROM transaction WHERE id = {order_id}")
        assert page["items"][0]["otherrefnum"] == "TEST-PO-1"

    async def test_needs_prefer_transient(self, netsuite: httpx.AsyncClient) -> None:
        response = await netsuite.post(SUITEQL, json={"q": "SELECT id FROM customer"})
        netsuite_error(response, 400, "INVALID_PARAMETER")

    async def test_bad_query(self, netsuite: httpx.AsyncClient) -> None:
        response = await netsuite.post(
            SUITEQL, json={"q": "SELECT nope FROM customer"}, headers=TRANSIENT
        )
        netsuite_error(response, 400, "INVALID_PARAMETER")

    async def test_missing_q(self, netsuite: httpx.AsyncClient) -> None:
        response = await netsuite.post(SUITEQL, json={"query": "x"}, headers=TRANSIENT)
        netsuite_error(response, 400, "INVALID_CONTENT")

    async def test_limit_over_1000(self, netsuite: httpx.AsyncClient) -> None:
        response = await netsuite.post(
            SUITEQL, json={"q": "SELECT id FROM item"}, headers=TRANSIENT, params={"limit": 1001}
        )
        netsuite_error(response, 400, "INVALID_CONTENT")
