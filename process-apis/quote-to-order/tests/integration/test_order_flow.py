"""Orders through the real System APIs and emulators: happy paths, rejections, exactly once."""

from __future__ import annotations

import asyncio
import json
import secrets
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest
import redis.asyncio

from .conftest import place

pytestmark = pytest.mark.asyncio

PROBLEMS = "https://trivium.dev/problems/"
EVENTS = "{quote-to-order}:events"
ORDERS_DB = 9


def reference(prefix: str = "IT") -> str:
    return f"{prefix}-{secrets.token_hex(5).upper()}"


def direct_order(*lines: tuple[str, str], **account: str) -> dict[str, Any]:
    """An order without a quote, of `lines` (sku, quantity), for the account `account` names
    (`accountNumber` or `accountId`; P-1002 unless given), under a new purchase order number."""
    return {
        **(account or {"accountNumber": "P-1002"}),
        "purchaseOrderNumber": reference("PO"),
        "lines": [{"sku": sku, "quantity": quantity} for sku, quantity in lines],
    }


async def order_events(stack: Any, order_id: str) -> list[tuple[str, dict[str, Any]]]:
    """The events emitted for the order: (type, the order as it was then)."""
    events = redis.asyncio.Redis.from_url(stack.orders_env(db=ORDERS_DB)["REDIS_URL"])
    try:
        entries = await events.xrange(EVENTS)
    finally:
        await events.aclose()
    return [
        (fields[b"type"].decode(), json.loads(fields[b"data"]))
        for _, fields in entries
        if fields[b"orderId"].decode() == order_id
    ]


async def api_calls_used(world: Any) -> int:
    used: int = (await world.sf_admin.get("/limits")).json()["used"]
    return used


class TestOrderFromQuote:
    async def test_an_accepted_quote_becomes_an_erp_order_and_a_crm_order(
        self, orders: httpx.AsyncClient, world: Any, stack: Any
    ) -> None:
        quote_id = await world.quote(lines=[("MAT-0002", 2), ("MAT-0003", 1)], discount=Decimal(5))
        # The first order after a start also reads the price book into the System API's cache.
        warm_up = await world.quote(lines=[("MAT-0008", 1)])
        assert (await place(orders, {"quoteId": warm_up})).status_code == 201
        before = await api_calls_used(world)
        response = await place(orders, {"quoteId": quote_id})
        used = await api_calls_used(world) - before
        assert response.status_code == 201, response.text
        order = response.json()
        assert order["status"] == "completed"
        assert order["total"] == {"amount": "275.76", "currency": "EUR"}
        [erp_order] = await world.erp_orders(quote_id)
        assert erp_order["SalesOrder"] == order["erpOrderNumber"]
        assert erp_order["SoldToParty"] == "1000002"
        assert Decimal(erp_order["TotalNetAmount"]) == Decimal("275.76")
        [crm_order] = await world.crm_orders(order["erpOrderNumber"])
        assert (crm_order["Id"], crm_order["QuoteId"]) == (order["crmOrderId"], quote_id)
        assert crm_order["Status"] == "Activated"
        assert Decimal(str(crm_order["TotalAmount"])) == Decimal("275.76")
        # One read of the quote, one composite write of the order that also closes the opportunity.
        assert used == 2
        [marked] = await world.query(
            f"SELECT Opportunity.StageName FROM Quote WHERE Id = '{quote_id}'"
        )
        assert marked["Opportunity"]["StageName"] == "Closed Won"
        emitted = await order_events(stack, order["orderId"])
        assert [(kind, data["status"]) for kind, data in emitted] == [
            ("order.created", "completed")
        ]


class TestDirectOrder:
    async def test_a_partner_order_is_priced_by_the_erp_and_written_to_both_systems(
        self, orders: httpx.AsyncClient, world: Any
    ) -> None:
        purchase_order = reference("PO")
        before = await api_calls_used(world)
        response = await place(
            orders,
            {
                "accountNumber": "P-1001",
                "purchaseOrderNumber": purchase_order,
                "lines": [
                    {"sku": "MAT-0001", "quantity": "2"},
                    {"sku": "MAT-0004", "quantity": "1"},
                ],
                "requestedDeliveryDate": (date.today() + timedelta(days=14)).isoformat(),
            },
        )
        used = await api_calls_used(world) - before
        assert response.status_code == 201, response.text
        order = response.json()
        # The customer's own price for MAT-0001, the list price for MAT-0004.
        assert [line["unitPrice"]["amount"] for line in order["lines"]] == ["40.50", "156.50"]
        [erp_order] = await world.erp_orders(purchase_order)
        assert erp_order["SoldToParty"] == "1000001"
        [crm_order] = await world.crm_orders(order["erpOrderNumber"])
        assert crm_order["PoNumber"] == purchase_order
        assert Decimal(str(crm_order["TotalAmount"])) == Decimal("237.50")
        assert used == 2

    async def test_twenty_concurrent_requests_with_one_key_place_one_order(
        self, orders: httpx.AsyncClient, world: Any
    ) -> None:
        body = direct_order(("MAT-0006", "1"))
        purchase_order = body["purchaseOrderNumber"]
        answers = await asyncio.gather(
            *(place(orders, body, **{"Idempotency-Key": purchase_order}) for _ in range(20))
        )
        assert {answer.status_code for answer in answers} == {201}
        assert len({answer.json()["orderId"] for answer in answers}) == 1
        [erp_order] = await world.erp_orders(purchase_order)
        assert len(await world.crm_orders(erp_order["SalesOrder"])) == 1

    async def test_one_quote_ordered_under_several_keys_at_once_is_ordered_once(
        self, orders: httpx.AsyncClient, world: Any
    ) -> None:
        quote_id = await world.quote(lines=[("MAT-0007", 1)])
        answers = await asyncio.gather(*(place(orders, {"quoteId": quote_id}) for _ in range(5)))
        statuses = sorted(answer.status_code for answer in answers)
        assert statuses == [201, 409, 409, 409, 409]
        conflicts = [answer.json()["type"] for answer in answers if answer.status_code == 409]
        assert set(conflicts) == {PROBLEMS + "quote-already-ordered"}
        [erp_order] = await world.erp_orders(quote_id)
        assert len(await world.crm_orders(erp_order["SalesOrder"])) == 1


class TestGetOrder:
    async def test_an_order_follows_the_erps_delivery_and_billing(
        self, orders: httpx.AsyncClient, world: Any
    ) -> None:
        body = direct_order(("MAT-0002", "1"))
        placed = (await place(orders, body)).json()
        assert (placed["deliveryStatus"], placed["billingStatus"]) == ("not_started", "not_started")
        for _ in ("delivered", "billed"):
            advance = {"salesOrder": placed["erpOrderNumber"]}
            (await world.s4_admin.post("/lifecycle/advance", json=advance)).raise_for_status()
        order = (await orders.get(f"/orders/{placed['orderId']}")).json()
        assert (order["deliveryStatus"], order["billingStatus"]) == ("complete", "complete")
        # Kept for the listing, which does not read the ERP.
        listed = (await orders.get("/orders", params={"accountId": order["accountId"]})).json()
        [row] = [item for item in listed["items"] if item["orderId"] == order["orderId"]]
        assert row["deliveryStatus"] == "complete"


class TestRejections:
    async def refused(
        self, orders: httpx.AsyncClient, body: dict[str, Any], *, status: int, problem: str
    ) -> dict[str, Any]:
        response = await place(orders, body)
        assert response.status_code == status, response.text
        document: dict[str, Any] = response.json()
        assert document["type"] == PROBLEMS + problem
        return document

    async def failed_order(
        self, orders: httpx.AsyncClient, stack: Any, document: dict[str, Any]
    ) -> None:
        """The order is kept as failed, and `order.failed` was emitted for it."""
        order = (await orders.get(f"/orders/{document['orderId']}")).json()
        assert order["status"] == "failed"
        assert order["failure"]["type"] == document["type"]
        emitted = await order_events(stack, document["orderId"])
        assert [(kind, data["failure"]["type"]) for kind, data in emitted] == [
            ("order.failed", document["type"])
        ]

    async def test_a_quote_that_is_not_accepted(
        self, orders: httpx.AsyncClient, world: Any, stack: Any
    ) -> None:
        quote_id = await world.quote(lines=[("MAT-0002", 1)], status="Presented")
        document = await self.refused(
            orders, {"quoteId": quote_id}, status=409, problem="quote-not-accepted"
        )
        await self.failed_order(orders, stack, document)
        assert await world.erp_orders(quote_id) == []

    async def test_an_expired_quote(self, orders: httpx.AsyncClient, world: Any) -> None:
        quote_id = await world.quote(
            lines=[("MAT-0002", 1)], expires=date.today() - timedelta(days=1)
        )
        await self.refused(orders, {"quoteId": quote_id}, status=422, problem="quote-expired")
        assert await world.erp_orders(quote_id) == []

    async def test_quoted_prices_that_are_not_the_erps(
        self, orders: httpx.AsyncClient, world: Any
    ) -> None:
        quote_id = await world.quote(
            lines=[("MAT-0002", 1), ("MAT-0007", 2)], quoted={"MAT-0007": Decimal("200.00")}
        )
        document = await self.refused(
            orders, {"quoteId": quote_id}, status=422, problem="price-mismatch"
        )
        assert [error["pointer"] for error in document["errors"]] == ["/lines/1/unitPrice"]
        assert await world.erp_orders(quote_id) == []

    async def test_an_account_not_linked_to_an_erp_customer(
        self, orders: httpx.AsyncClient, world: Any
    ) -> None:
        quote_id = await world.quote(
            account_number=await world.unlinked_account(), lines=[("MAT-0002", 1)]
        )
        await self.refused(orders, {"quoteId": quote_id}, status=422, problem="account-not-linked")

    async def test_an_account_linked_to_a_customer_the_erp_does_not_know(
        self, orders: httpx.AsyncClient, world: Any, stack: Any
    ) -> None:
        account_id = await world.linked_account("1000999")
        body = direct_order(("MAT-0002", "1"), accountId=account_id)
        document = await self.refused(orders, body, status=422, problem="account-not-linked")
        assert document["erpCustomerNumber"] == "1000999"
        await self.failed_order(orders, stack, document)

    async def test_an_account_that_does_not_exist(self, orders: httpx.AsyncClient) -> None:
        body = direct_order(("MAT-0002", "1"), accountNumber="NO-SUCH-ACCOUNT")
        await self.refused(orders, body, status=404, problem="account-not-found")

    async def test_an_order_without_lines(self, orders: httpx.AsyncClient) -> None:
        body = direct_order()
        await self.refused(orders, body, status=422, problem="order-has-no-lines")

    async def test_a_quote_that_does_not_exist(self, orders: httpx.AsyncClient) -> None:
        await self.refused(
            orders, {"quoteId": "0Q0000000000999CAA"}, status=404, problem="quote-not-found"
        )

    async def test_stock_short_of_the_order(
        self, orders: httpx.AsyncClient, world: Any, stack: Any
    ) -> None:
        body = direct_order(("MAT-0002", "1"), ("MAT-0010", "1"))
        purchase_order = body["purchaseOrderNumber"]
        document = await self.refused(orders, body, status=422, problem="insufficient-stock")
        assert document["errors"] == [
            {"pointer": "/lines/1/quantity", "detail": "MAT-0010: 1 wanted, 0 available"}
        ]
        await self.failed_order(orders, stack, document)
        assert await world.erp_orders(purchase_order) == []

    async def test_an_order_above_the_available_credit(
        self, orders: httpx.AsyncClient, world: Any
    ) -> None:
        body = direct_order(("MAT-0004", "200"), accountNumber="P-1003")
        purchase_order = body["purchaseOrderNumber"]
        document = await self.refused(orders, body, status=422, problem="credit-limit-exceeded")
        assert Decimal(document["orderTotal"]) == Decimal("31300.00")
        assert Decimal(document["availableCredit"]) < Decimal("31300.00")
        assert await world.erp_orders(purchase_order) == []

    async def test_a_customer_blocked_in_credit_management(
        self, orders: httpx.AsyncClient, world: Any
    ) -> None:
        account_id = await world.linked_account("1000050")
        body = direct_order(("MAT-0002", "1"), accountId=account_id)
        await self.refused(orders, body, status=422, problem="credit-blocked")

    async def test_a_product_the_erp_does_not_sell(self, orders: httpx.AsyncClient) -> None:
        body = direct_order(("MAT-9999", "1"))
        await self.refused(orders, body, status=422, problem="unknown-product")

    async def test_a_quantity_that_cannot_be_ordered(self, orders: httpx.AsyncClient) -> None:
        body = direct_order(("MAT-0002", "-2"))
        await self.refused(orders, body, status=422, problem="invalid-quantity")

    async def test_a_purchase_order_number_ordered_before(
        self, orders: httpx.AsyncClient, world: Any
    ) -> None:
        body = direct_order(("MAT-0003", "1"))
        first = await place(orders, body)
        assert first.status_code == 201
        document = await self.refused(orders, body, status=409, problem="duplicate-purchase-order")
        assert document["existingOrderId"] == first.json()["orderId"]
        assert len(await world.erp_orders(body["purchaseOrderNumber"])) == 1


class TestMetrics:
    async def test_outcomes_step_latencies_and_queue_depths_are_exported(
        self, orders: httpx.AsyncClient
    ) -> None:
        body = direct_order(("MAT-0003", "1"))
        assert (await place(orders, body)).status_code == 201
        # The queue gauges are refreshed by the workers every few seconds.
        deadline = asyncio.get_running_loop().time() + 30
        while "trivium_dead_letter_depth{" not in (text := (await orders.get("/metrics")).text):
            assert asyncio.get_running_loop().time() < deadline, "no queue gauges"
            await asyncio.sleep(0.1)
        samples = {
            line.rsplit(" ", 1)[0]: float(line.rsplit(" ", 1)[1])
            for line in text.splitlines()
            if line and not line.startswith("#")
        }
        assert (
            samples['trivium_quote_to_order_orders_total{outcome="completed",source="direct"}'] >= 1
        )
        for step in ("identify", "check", "erp_order", "crm_order", "complete"):
            assert (
                samples[f'trivium_quote_to_order_step_duration_seconds_count{{step="{step}"}}'] >= 1
            )
        stream = "{quote-to-order}:work"
        assert f'trivium_queue_depth{{stream="{stream}"}}' in samples
        assert f'trivium_dead_letter_depth{{stream="{stream}"}}' in samples


class TestListOrders:
    async def test_an_accounts_orders_are_listed_with_their_status(
        self, orders: httpx.AsyncClient, world: Any
    ) -> None:
        account_id = await world.linked_account("1000004")
        placed = []
        for sku in ("MAT-0002", "MAT-0010"):
            body = direct_order((sku, "1"), accountId=account_id)
            placed.append((await place(orders, body)).json()["orderId"])
        listed = (await orders.get("/orders", params={"accountId": account_id})).json()
        assert [(item["orderId"], item["status"]) for item in listed["items"]] == [
            (placed[1], "failed"),
            (placed[0], "completed"),
        ]
