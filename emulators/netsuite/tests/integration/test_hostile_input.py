"""Bad input gets NetSuite's error body with a 4xx status, never a 500."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from ..support import RECORD, SUITEQL, order_body

pytestmark = pytest.mark.asyncio
TRANSIENT = {"Prefer": "transient"}


def _refused(response: httpx.Response) -> None:
    assert 400 <= response.status_code < 500, response.text
    assert response.json()["o:errorDetails"][0]["o:errorCode"]


BODIES: list[Any] = [
    [],
    "text",
    12,
    None,
    {"companyName": 5},
    {"companyName": "x" * 1000},
    {"companyName": "X", "creditLimit": "1e999999"},
    {"companyName": "X", "creditLimit": True},
    {"companyName": "X", "creditLimit": "NaN"},
    {"companyName": "X", "terms": {"id": "x"}},
    {"companyName": "X", "terms": {"id": "99"}},
    {"companyName": "X", "itemPricing": [1]},
    {"companyName": "X", "itemPricing": {"items": [{"item": {"id": "1"}}]}},
    {"companyName": "X", "addressBook": {"items": [{"addressBookAddress": "Hamburg"}]}},
]
ORDERS: list[Any] = [
    {"entity": {"id": "1"}},
    {"entity": {"id": "999"}, "item": {"items": []}},
    order_body("1", ("2", 10**20)),
    order_body("1", ("2", "abc")),
    order_body("x"),
    {**order_body("1"), "tranDate": "yesterday"},
    {**order_body("1"), "orderStatus": "Z"},
    {
        **order_body("1"),
        "item": {"items": [{"item": {"id": "2"}, "quantity": 1, "location": {"id": "9"}}]},
    },
]
QUERIES = [
    "SELECT UPPER(id, id) FROM customer",
    "SELECT id FROM customer WHERE id = 1 UNION SELECT 1",
    "SELECT id FROM customer WHERE " + "NOT " * 5000 + "id = 1",
    "SELECT",
    "",
    "SELECT id FROM customer WHERE id = 99999999999999999999999999 AND id > 1",
]


class TestHostileInput:
    @pytest.mark.parametrize("body", BODIES)
    async def test_customer_bodies(self, netsuite: httpx.AsyncClient, body: Any) -> None:
        _refused(await netsuite.post(f"{RECORD}/customer", json=body))

    @pytest.mark.parametrize("body", ORDERS)
    async def test_order_bodies(self, netsuite: httpx.AsyncClient, body: Any) -> None:
        _refused(await netsuite.post(f"{RECORD}/salesOrder", json=body))

    @pytest.mark.parametrize("query", QUERIES)
    async def test_queries(self, netsuite: httpx.AsyncClient, query: str) -> None:
        response = await netsuite.post(SUITEQL, json={"q": query}, headers=TRANSIENT)
        if response.status_code == 200:
            assert response.json()["items"] == []
        else:
            _refused(response)

    async def test_deeply_nested_json(self, netsuite: httpx.AsyncClient) -> None:
        body = b"[" * 100_000 + b"]" * 100_000
        _refused(
            await netsuite.post(
                f"{RECORD}/customer", content=body, headers={"content-type": "application/json"}
            )
        )

    async def test_paging_out_of_range(self, netsuite: httpx.AsyncClient) -> None:
        _refused(await netsuite.get(f"{RECORD}/customer", params={"offset": 10**30}))
        _refused(await netsuite.get(f"{RECORD}/customer", params={"offset": -1}))
        response = await netsuite.post(
            SUITEQL, json={"q": "SELECT id FROM item"}, headers=TRANSIENT, params={"offset": 2**40}
        )
        _refused(response)

    async def test_not_json(self, netsuite: httpx.AsyncClient) -> None:
        response = await netsuite.post(
            f"{RECORD}/customer", content=b"companyName=X", headers={"content-type": "text/plain"}
        )
        _refused(response)

    async def test_transform_into_something_else(self, netsuite: httpx.AsyncClient) -> None:
        _refused(await netsuite.post(f"{RECORD}/salesOrder/1/!transform/vendorBill"))
        _refused(await netsuite.post(f"{RECORD}/customer/1/!transform/invoice"))
        _refused(await netsuite.post(f"{RECORD}/salesOrder/999/!transform/invoice"))

    async def test_unknown_sublist(self, netsuite: httpx.AsyncClient) -> None:
        _refused(await netsuite.get(f"{RECORD}/customer/1/contacts"))

    async def test_patch_wrong_method_and_types(self, netsuite: httpx.AsyncClient) -> None:
        _refused(await netsuite.patch(f"{RECORD}/salesOrder/1", json={"entity": {"id": "2"}}))
        _refused(await netsuite.patch(f"{RECORD}/inventoryItem/1", json={"locations": {}}))
        _refused(await netsuite.patch(f"{RECORD}/inventoryItem/1", json={"itemId": "MAT-0002"}))
        response = await netsuite.request("POST", f"{RECORD}/customer/1", json={})
        _refused(response)
