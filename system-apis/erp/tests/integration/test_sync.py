"""The routes for sync flows against the emulator: delta reads, profiles, the catalog."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest

pytestmark = pytest.mark.asyncio

ADMIN_GENERATE = "/catalog/generate"


class TestCustomerProfile:
    async def test_phone_written_and_seen_as_a_change(self, erp: httpx.AsyncClient) -> None:
        before = (await erp.get("/customers/1000031/profile")).json()

        updated = await erp.patch("/customers/1000031/profile", json={"phone": "+49 711 5"})
        changes = await erp.get(
            "/changes/customers", params={"since": updated.json()["changedAt"], "limit": 50}
        )

        assert updated.status_code == 200, updated.text
        assert updated.json()["phone"] == "+49 711 5"
        assert updated.json()["changedAt"] >= before["changedAt"]
        assert "1000031" in [item["id"] for item in changes.json()["items"]]

    async def test_unknown_customer(self, erp: httpx.AsyncClient) -> None:
        response = await erp.get("/customers/9999999/profile")

        assert response.status_code == 404


class TestSystemId:
    async def test_change_pages_name_the_system(self, erp: httpx.AsyncClient, stack: Any) -> None:
        since = datetime.now(UTC).isoformat()
        expected = {
            "s4hana": f"127.0.0.1:{stack.emulator.port}/100",
            "netsuite": "netsuite/1234567_SB1",
        }[stack.backend]

        customers = await erp.get("/changes/customers", params={"since": since})
        orders = await erp.get("/changes/sales-orders", params={"since": since})

        assert customers.json()["systemId"] == expected
        assert orders.json()["systemId"] == expected


class TestChangedSalesOrders:
    async def test_billed_orders_carry_their_invoices(self, erp: httpx.AsyncClient) -> None:
        since = (datetime.now(UTC) - timedelta(days=1)).isoformat()

        page = (await erp.get("/changes/sales-orders", params={"since": since})).json()

        billed = [order for order in page["items"] if order["status"] == "billed"]
        assert billed
        assert all(order["invoiceNumbers"] for order in billed)

    async def test_since_is_required(self, erp: httpx.AsyncClient) -> None:
        response = await erp.get("/changes/sales-orders")

        assert response.status_code == 422


class TestCatalog:
    async def test_pages_with_stock_and_price(
        self, erp: httpx.AsyncClient, admin: httpx.AsyncClient, backend: str
    ) -> None:
        # The S/4HANA emulator makes more products on demand; NetSuite's demo has its 40 items.
        expected = 40
        if backend == "s4hana":
            generate = {"count": 30, "prefix": "SYNC-"}
            (await admin.post(ADMIN_GENERATE, json=generate)).raise_for_status()
            expected = 50

        first = (await erp.get("/catalog", params={"limit": 25})).json()
        second = await erp.get("/catalog", params={"limit": 25, "cursor": first["nextCursor"]})

        skus = [item["sku"] for item in first["items"] + second.json()["items"]]
        assert skus == sorted(skus)
        assert len(skus) == len(set(skus)) == expected
        item = next(i for i in first["items"] if i["sku"] == "MAT-0002")
        assert Decimal(item["availableQuantity"]) > 0
        assert item["unitPrice"]["currency"] == "EUR"
