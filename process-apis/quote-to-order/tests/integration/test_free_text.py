"""Free text in partner orders is data in every system it reaches, never syntax: what the
partner sent is what the ERP and the CRM hold, byte for byte, or the order is refused whole."""

from __future__ import annotations

import asyncio
import secrets
from typing import Any

import httpx
import pytest
from hypothesis import event, given

from trivium_testing.free_text import FREE_TEXT_SETTINGS, free_text
from trivium_testing.services import RunningService
from trivium_testing.stack import SALESFORCE_DATA_PATH as DATA
from trivium_testing.stack import service_client

# This flow's composite references, doubled quotes, CRLF, emoji, right-to-left text and the
# right-to-left override.
FREE_TEXT = free_text(
    "@{order.id}",
    "@{x.Id}",
    "''",
    "\r\n",
    "\U0001f680",
    "\u05e9\u05dc\u05d5\u05dd",
    "\u202e",
)
ERP_REFERENCE_LENGTH = 35


async def place_and_read_back(stack: Any, orders_url: str, text: str) -> None:
    system = stack.system
    async with (
        service_client(orders_url, audience="quote-to-order") as orders,
        system.salesforce_org() as org,
        system.sap_odata() as sap,
    ):
        response = await orders.post(
            "/orders",
            json={
                "accountNumber": "P-1002",
                "purchaseOrderNumber": text,
                "lines": [{"sku": "MAT-0006", "quantity": "1"}],
            },
            headers={"Idempotency-Key": secrets.token_hex(8)},
        )
        event(f"status {response.status_code}")
        if response.status_code != 201:
            assert response.status_code in (400, 422), response.text
            assert response.headers["content-type"] == "application/problem+json"
            assert len(text) > ERP_REFERENCE_LENGTH, response.text
            return
        order = response.json()
        assert order["purchaseOrderNumber"] == text
        erp = await sap.get(
            f"/API_SALES_ORDER_SRV/A_SalesOrder('{order['erpOrderNumber']}')",
            params={"$select": "PurchaseOrderByCustomer"},
        )
        erp.raise_for_status()
        assert erp.json()["d"]["PurchaseOrderByCustomer"] == text
        crm = await org.get(f"{DATA}/sobjects/Order/{order['crmOrderId']}")
        crm.raise_for_status()
        assert crm.json()["PoNumber"] == text


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
        response = await orders.post(
            "/orders", json=body, headers={"Idempotency-Key": secrets.token_hex(8)}
        )
        assert response.status_code == 201, response.text
        order = response.json()
        [erp_order] = await world.erp_orders(purchase_order)
        [crm_order] = await world.crm_orders(order["erpOrderNumber"])
        assert crm_order["PoNumber"] == purchase_order == erp_order["PurchaseOrderByCustomer"]

    @FREE_TEXT_SETTINGS
    @given(text=FREE_TEXT)
    def test_any_text_is_held_as_sent_or_refused_whole(
        self, stack: Any, orders_service: RunningService, text: str
    ) -> None:
        # Unique per example, so that no two examples name the same purchase order.
        asyncio.run(place_and_read_back(stack, orders_service.url, text + secrets.token_hex(2)))
