"""Orders the ERP holds and the CRM refuses, on the real stack: `needs_attention` instead of a
half order, the operators' list and retry, and the corrected write."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import pytest_asyncio
import redis
import redis.asyncio

from trivium_testing.services import RunningService
from trivium_testing.stack import service_client
from trivium_testing.stack_fixtures import stack_service_fixture

from .conftest import place

pytestmark = pytest.mark.asyncio

SYSTEM_DB = 8
MARKING_DB = 14
CATALOG_KEY = "trivium:salesforce:pricebook"
# Not a value of the org's Quote status picklist: the CRM refuses it.
UNKNOWN_QUOTE_STATUS = "Ordered"


def purchase_order() -> str:
    return f"PO-{secrets.token_hex(5).upper()}"


# This service configured to set a quote status the org's picklist does not have.
marking_service = stack_service_fixture(
    "quote-to-order",
    db=MARKING_DB,
    name="quote-to-order-marking",
    scope="module",
    stack="stack",
    QUOTE_TO_ORDER_WORKERS="1",
    QUOTE_TO_ORDER_ORDERED_QUOTE_STATUS=UNKNOWN_QUOTE_STATUS,
)


@pytest_asyncio.fixture
async def marking(marking_service: RunningService) -> AsyncIterator[httpx.AsyncClient]:
    async with service_client(marking_service.url, audience="quote-to-order") as client:
        yield client


class TestRefusedCrmWrite:
    async def test_the_order_needs_attention_and_a_retry_after_the_fix_completes_it_once(
        self,
        orders: httpx.AsyncClient,
        operator: httpx.AsyncClient,
        world: Any,
        stack: Any,
        poll_order: Any,
    ) -> None:
        # The ERP sells the product, the CRM's price book entry of it is inactive: the CRM
        # refuses the order's items after the ERP order exists.
        entry = await world.entry("MAT-0031")
        system_redis = redis.asyncio.Redis.from_url(stack.orders_env(db=SYSTEM_DB)["REDIS_URL"])
        reference = purchase_order()
        body = {
            "accountNumber": "P-1002",
            "purchaseOrderNumber": reference,
            "lines": [{"sku": "MAT-0031", "quantity": "1"}],
        }
        try:
            await world.update("PricebookEntry", entry["Id"], {"IsActive": False})
            await system_redis.delete(CATALOG_KEY)
            response = await place(orders, body)
            assert response.status_code == 202, response.text
            order_id = response.json()["orderId"]
            parked = await poll_order(orders, order_id, until="needs_attention")
            [erp_order] = await world.erp_orders(reference)
            assert parked["erpOrderNumber"] == erp_order["SalesOrder"]
            assert (parked["deadLettered"], parked["crmOrderId"]) == (False, None)
            attention = parked["attention"]
            assert attention["erpOrderNumber"] == erp_order["SalesOrder"]
            assert attention["actions"] == ["retry-crm"]
            assert attention["reason"]["type"].endswith("/crm-rejected")
            assert await world.crm_orders(erp_order["SalesOrder"]) == []
            # Acknowledged, not dead-lettered: the order store keeps it for the operators.
            letters = (await operator.get("/dead-letters", params={"limit": 200})).json()
            assert order_id not in [letter["orderId"] for letter in letters["items"]]
            listed = (await operator.get("/needs-attention", params={"limit": 200})).json()
            assert order_id in [row["orderId"] for row in listed["items"]]
            by_status = await orders.get(
                "/orders", params={"accountId": parked["accountId"], "status": "needs_attention"}
            )
            assert order_id in [row["orderId"] for row in by_status.json()["items"]]
            assert (await orders.post(f"/orders/{order_id}/retry-crm")).status_code == 403

            refused_again = await operator.post(f"/orders/{order_id}/retry-crm")
            assert refused_again.status_code == 200, refused_again.text
            assert refused_again.json()["status"] == "needs_attention"

            await world.update("PricebookEntry", entry["Id"], {"IsActive": True})
            retried = await operator.post(f"/orders/{order_id}/retry-crm")
            assert retried.status_code == 200, retried.text
            done = retried.json()
            assert (done["status"], done["attention"]) == ("completed", None)
        finally:
            await world.update("PricebookEntry", entry["Id"], {"IsActive": True})
            await system_redis.delete(CATALOG_KEY)
            await system_redis.aclose()
        assert done["erpOrderNumber"] == erp_order["SalesOrder"]
        assert len(await world.erp_orders(reference)) == 1
        [crm_order] = await world.crm_orders(erp_order["SalesOrder"])
        assert crm_order["Id"] == done["crmOrderId"]
        listed = (await operator.get("/needs-attention", params={"limit": 200})).json()
        assert order_id not in [row["orderId"] for row in listed["items"]]
        again = await operator.post(f"/orders/{order_id}/retry-crm")
        assert again.status_code == 409
        assert again.json()["type"].endswith("/order-not-needing-attention")


class TestCorrectedWrite:
    async def test_a_quote_status_the_crm_refuses_is_left_out_and_the_order_completes(
        self, marking: httpx.AsyncClient, world: Any
    ) -> None:
        quote_id = await world.quote(lines=[("MAT-0002", 1)])
        response = await place(marking, {"quoteId": quote_id})
        assert response.status_code == 201, response.text
        order = response.json()
        assert (order["status"], order["crmOmittedFields"]) == ("completed", ["quoteStatus"])
        assert len(await world.erp_orders(quote_id)) == 1
        [crm_order] = await world.crm_orders(order["erpOrderNumber"])
        assert (crm_order["Id"], crm_order["QuoteId"]) == (order["crmOrderId"], quote_id)
        [marked] = await world.query(
            f"SELECT Status, Opportunity.StageName FROM Quote WHERE Id = '{quote_id}'"
        )
        assert (marked["Status"], marked["Opportunity"]["StageName"]) == ("Accepted", "Closed Won")
