"""Free text in partner orders is data in every system it reaches, never syntax."""

from __future__ import annotations

import secrets
from typing import Any

import httpx
import pytest


async def place(client: httpx.AsyncClient, body: dict[str, Any]) -> httpx.Response:
    return await client.post(
        "/orders", json=body, headers={"Idempotency-Key": secrets.token_hex(8)}
    )


class TestPurchaseOrderNumber:
    @pytest.mark.asyncio
    async def test_a_composite_reference_is_kept_as_written(
        self, orders: httpx.AsyncClient, world: Any
    ) -> None:
        purchase_order = f"PO @{{order.id}} {secrets.token_hex(4)}"
        body = {
            "accountNumber": "P-1002",
            "purchaseOrderNumber": purchase_order,
            "lines": [{"sku": "MAT-0006", "quantity": "1"}],
        }
        response = await place(orders, body)
        assert response.status_code == 201, response.text
        order = response.json()
        assert order["purchaseOrderNumber"] == purchase_order
        [erp_order] = await world.erp_orders(purchase_order.replace("'", "''"))
        [crm_order] = await world.crm_orders(order["erpOrderNumber"])
        assert crm_order["PoNumber"] == purchase_order == erp_order["PurchaseOrderByCustomer"]
