"""The catalog through the running stack: partner prices, stock, paging, caching, degradation."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import Any

import httpx
import pytest

pytestmark = pytest.mark.asyncio


async def catalog_page(client: httpx.AsyncClient, **params: str) -> dict[str, Any]:
    response = await client.get("/partner/v1/catalog", params=params)
    assert response.status_code == 200, response.text
    page: dict[str, Any] = response.json()
    return page


class TestGetCatalog:
    async def test_partner_prices_and_stock_with_one_availability_call(
        self, gold: httpx.AsyncClient, silver: httpx.AsyncClient, world: Any
    ) -> None:
        before = await world.availability_calls()
        page = await catalog_page(gold, search="MAT-000", limit="9")
        assert await world.availability_calls() - before == 1
        items = {item["sku"]: item for item in page["items"]}
        assert sorted(items) == [f"MAT-{n:04d}" for n in range(1, 10)]
        skus = ",".join(items)
        own = await world.erp_json("/prices", skus=skus, customerId="1000001")
        stock = await world.erp_json("/availability", skus=skus)
        assert {sku: items[sku]["unitPrice"] for sku in items} == {
            row["sku"]: row["unitPrice"] for row in own["items"]
        }
        assert {sku: Decimal(items[sku]["availability"]["quantity"]) for sku in items} == {
            row["sku"]: Decimal(row["quantity"]) for row in stock["items"]
        }
        assert items["MAT-0005"]["availability"]["status"] == "low"
        assert items["MAT-0001"]["availability"]["status"] == "in_stock"
        # Customer 1000001 has its own price for MAT-0001; partner P-1002 pays the list price.
        other = {
            i["sku"]: i for i in (await catalog_page(silver, search="MAT-000", limit="9"))["items"]
        }
        assert other["MAT-0001"]["unitPrice"] != items["MAT-0001"]["unitPrice"]
        assert other["MAT-0002"]["unitPrice"] == items["MAT-0002"]["unitPrice"]

    async def test_out_of_stock(self, gold: httpx.AsyncClient) -> None:
        page = await catalog_page(gold, search="MAT-0010")
        [item] = page["items"]
        assert item["availability"] == {"quantity": "0", "status": "out_of_stock"}

    async def test_cursor_paging_visits_every_item_once_and_pages_are_kept(
        self, gold: httpx.AsyncClient, world: Any
    ) -> None:
        expected = await world.orderable_skus("MAT-")
        seen: list[str] = []
        cursors: list[str | None] = [None]
        before = await world.availability_calls()
        while True:
            params = {
                "search": "MAT-",
                "limit": "7",
                **({"cursor": cursors[-1]} if cursors[-1] else {}),
            }
            page = await catalog_page(gold, **params)
            seen += [item["sku"] for item in page["items"]]
            if page["nextCursor"] is None:
                break
            cursors.append(page["nextCursor"])
        assert sorted(seen) == expected
        assert len(seen) == len(set(seen))
        pages = len(cursors)
        assert await world.availability_calls() - before == pages
        # Read again at once: every page comes from the cache, the ERP is not asked.
        before = await world.availability_calls()
        for cursor in cursors:
            page_of = {"cursor": cursor} if cursor else {}
            await catalog_page(gold, search="MAT-", limit="7", **page_of)
        assert await world.availability_calls() - before == 0

    async def test_a_cursor_this_api_did_not_issue_is_400(self, gold: httpx.AsyncClient) -> None:
        response = await gold.get("/partner/v1/catalog", params={"cursor": "not a cursor!"})
        assert response.status_code == 400
        assert response.json()["type"].endswith("/invalid-cursor")

    async def test_bad_limit_is_422_with_field_errors(self, gold: httpx.AsyncClient) -> None:
        response = await gold.get("/partner/v1/catalog", params={"limit": "0"})
        assert response.status_code == 422
        assert response.json()["errors"]

    async def test_products_without_prices_while_the_erp_is_down(
        self, silver: httpx.AsyncClient, world: Any
    ) -> None:
        await world.erp_down()
        page = await catalog_page(silver, search="Valve", limit="5")
        assert page["items"]
        assert all(item["unitPrice"] is None for item in page["items"])
        assert all(
            item["availability"] == {"quantity": None, "status": "unknown"}
            for item in page["items"]
        )
        await world.s4_admin.delete("/chaos")
        # A degraded page is not kept: once the ERP is back (and the ERP System API's breaker
        # has let a trial call through), prices are there.
        deadline = asyncio.get_running_loop().time() + 30
        while any(
            item["unitPrice"] is None
            for item in (await catalog_page(silver, search="Valve", limit="5"))["items"]
        ):
            assert asyncio.get_running_loop().time() < deadline, "prices did not come back"
            await asyncio.sleep(0.2)
