"""Batch: a 20,000-product stock and price sync against the running stack, with per-row
results."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import Any

import pytest

from trivium_testing.waiting import until

pytestmark = pytest.mark.asyncio

# The `world` fixture's World (conftest.py), which test modules cannot import by name.
World = Any
PRODUCTS = 20_000
PREFIX = "CSB-"
# Stock the CRM's quantity field (13 integer digits) cannot hold: these rows must fail.
TOO_MUCH = Decimal("99999999999999")
OVERSTOCKED = (f"{PREFIX}000007", f"{PREFIX}012345", f"{PREFIX}019999")


class TestStartProductSync:
    # Runs before the catalog grows to 20,000 products (tests run in file order), to stay short.
    async def test_second_sync_is_refused_while_one_runs(self, world: World) -> None:
        # Both requests go out at once: the sync one of them starts must hear from the ERP and
        # the CRM before it can finish, the other request only from this service.
        answers = await asyncio.gather(
            world.sync.post("/syncs/products"), world.sync.post("/syncs/products")
        )

        [started] = [answer for answer in answers if answer.status_code == 202]
        [refused] = [answer for answer in answers if answer.status_code == 409]
        assert refused.json()["runningSyncId"] == started.json()["id"]
        await _finished(world, started.headers["location"])


class TestProductSync:
    async def test_twenty_thousand_products_with_per_row_results(self, world: World) -> None:
        generated = await world.s4_admin.post(
            "/catalog/generate", json={"count": PRODUCTS, "prefix": PREFIX}
        )
        assert generated.status_code == 200, generated.text
        for sku in OVERSTOCKED:
            stock = await world.s4_admin.put(f"/stock/{sku}/1010", json={"quantity": str(TOO_MUCH)})
            assert stock.status_code == 200, stock.text

        started = await world.sync.post("/syncs/products")
        assert started.status_code == 202, started.text
        sync = await _finished(world, started.headers["location"])

        assert sync["status"] == "completed"
        assert sync["processed"] >= PRODUCTS
        assert sync["failed"] == len(OVERSTOCKED)
        assert sync["succeeded"] == sync["processed"] - len(OVERSTOCKED)
        failures = {row["sku"]: row for row in sync["failures"]}
        assert sorted(failures) == sorted(OVERSTOCKED)
        assert {row["code"] for row in failures.values()} == {"NUMBER_OUTSIDE_VALID_RANGE"}
        assert sync["ratePerSecond"] > 0
        [product] = await world.query(
            "SELECT Available_Quantity__c, ERP_List_Price__c, Name FROM Product2 "
            f"WHERE ERP_Material__c = '{PREFIX}000002'"
        )
        assert product["Available_Quantity__c"] == 34
        assert product["ERP_List_Price__c"] == 72.5


class TestGetSync:
    async def test_unknown_sync(self, world: World) -> None:
        response = await world.sync.get("/syncs/sync-0000000000000000")

        assert response.status_code == 404
        assert response.json()["type"].endswith("/sync-not-found")

    async def test_malformed_id(self, world: World) -> None:
        response = await world.sync.get("/syncs/nope")

        assert response.status_code == 422
        assert response.headers["content-type"].startswith("application/problem+json")


async def _finished(world: World, location: str) -> dict[str, Any]:
    sync: dict[str, Any] = {}

    async def done() -> bool:
        sync.update((await world.sync.get(location)).json())
        return bool(sync["status"] != "running")

    await until(done, what="the product sync finished", within_seconds=100)
    return sync
