"""What the partner portal relies on from quote-to-order: placing a partner's order once per
Idempotency-Key, reading it back, and listing the partner's orders."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from pact import Pact, match

from partner_portal_experience.adapters.ports import OrderDraft, Placement
from partner_portal_experience.adapters.quote_to_order import QuoteToOrderOrders
from partner_portal_experience.domain.errors import OrderRejected
from trivium_testing.mock_servers import AdapterAt, served
from trivium_testing.pact_examples import ACCOUNT_ID, ACCOUNT_NUMBER, ORDER_ID, SKU, linked_records
from trivium_testing.pact_interactions import json_response, problem_response, service_request
from trivium_testing.pact_matchers import decimal_string, ulid
from trivium_testing.pact_quote_to_order import order_read, order_status, priced_lines

pytestmark = [pytest.mark.contract, pytest.mark.asyncio]

OrdersAt = AdapterAt[QuoteToOrderOrders]

PURCHASE_ORDER = "PO-4711"
ORDER_KEY = "partner:P-1001:order-0001"
PROGRESS = r"^(not_started|partial|complete|not_relevant)$"


def order_body(status: str = "completed") -> dict[str, Any]:
    return {
        "orderId": ulid(ORDER_ID),
        "status": order_status(status),
        "accountId": match.str(ACCOUNT_ID),
        "accountNumber": match.str(ACCOUNT_NUMBER),
        "erpOrderNumber": match.str("1"),
        "purchaseOrderNumber": match.str(PURCHASE_ORDER),
        "requestedDeliveryDate": match.date("2026-12-15"),
        **priced_lines(),
    }


def placed_order_body() -> dict[str, Any]:
    """An order just placed, with the ERP's progress as read when it was created (the portal
    shows it without reading the ERP again)."""
    return {
        **order_body(),
        "deliveryStatus": match.regex("not_started", regex=PROGRESS),
        "billingStatus": match.regex("not_started", regex=PROGRESS),
    }


def order_draft() -> OrderDraft:
    return OrderDraft(
        account_number=ACCOUNT_NUMBER,
        purchase_order_number=PURCHASE_ORDER,
        lines=[(SKU, Decimal(2))],
        requested_delivery_date=date(2026, 12, 15),
    )


def order_request(sku: str, **fields: Any) -> dict[str, Any]:
    """A partner's order of two of `sku`, as the portal sends it (with its optional `fields`)."""
    return {
        "accountNumber": match.str(ACCOUNT_NUMBER),
        "purchaseOrderNumber": match.str(PURCHASE_ORDER),
        "lines": match.each_like({"sku": match.str(sku), "quantity": decimal_string("2")}),
        **fields,
    }


async def placed_by_the_partner(orders: QuoteToOrderOrders, draft: OrderDraft) -> Placement:
    """The draft placed at once, for the signed-in partner, with the order's Idempotency-Key."""
    return await orders.place_order(
        draft,
        idempotency_key=ORDER_KEY,
        respond_async=False,
        identity={"partnerAccountNumber": ACCOUNT_NUMBER},
    )


class TestPlaceOrder:
    async def test_order_completed_at_once(self, orders_pact: Pact, orders_at: OrdersAt) -> None:
        interaction = orders_pact.upon_receiving("a partner's order").given(
            "a partner with an ERP customer orders products in stock", **linked_records()
        )
        service_request(
            interaction,
            "POST",
            "/orders",
            idempotency_key=ORDER_KEY,
            body=order_request(SKU, requestedDeliveryDate=match.date("2026-12-15")),
        )
        json_response(interaction, 201, placed_order_body())
        async with served(orders_pact, orders_at) as orders:
            placement = await placed_by_the_partner(orders, order_draft())

        assert not placement.in_background
        assert placement.order.erp_order_number == "1"
        assert placement.order.delivery_status == "not_started"

    async def test_order_of_an_unknown_product_is_refused(
        self, orders_pact: Pact, orders_at: OrdersAt
    ) -> None:
        interaction = orders_pact.upon_receiving(
            "a partner's order of a product the ERP does not price"
        ).given("a partner with an ERP customer orders products in stock", **linked_records())
        service_request(
            interaction,
            "POST",
            "/orders",
            idempotency_key=ORDER_KEY,
            body=order_request("NO-SUCH-SKU"),
        )
        problem_response(interaction, "unknown-product", 422, orderId=ulid(ORDER_ID))
        draft = OrderDraft(
            account_number=ACCOUNT_NUMBER,
            purchase_order_number=PURCHASE_ORDER,
            lines=[("NO-SUCH-SKU", Decimal(2))],
        )
        async with served(orders_pact, orders_at) as orders:
            with pytest.raises(OrderRejected) as refused:
                await placed_by_the_partner(orders, draft)

        assert refused.value.slug == "unknown-product"


class TestGetOrder:
    @pytest.mark.parametrize(
        ("description", "state", "status"),
        [
            pytest.param(
                "a request for a partner's order",
                "a partner's order was completed",
                "completed",
                id="completed",
            ),
            pytest.param(
                "a request for a partner's order that needs attention",
                "a partner's order is in the ERP and its CRM order needs attention",
                "needs_attention",
                id="crm-refused-after-the-erp-accepted-it",
            ),
        ],
    )
    async def test_partner_order(
        self, orders_pact: Pact, orders_at: OrdersAt, description: str, state: str, status: str
    ) -> None:
        interaction = order_read(
            orders_pact, description, state, **linked_records(orderId=ORDER_ID)
        )
        json_response(interaction, 200, order_body(status))
        async with served(orders_pact, orders_at) as orders:
            order = await orders.get_order(ORDER_ID)

        assert order is not None
        assert (order.status, order.erp_order_number, order.account_id) == (
            status,
            "1",
            ACCOUNT_ID,
        )

    async def test_unknown_order(self, orders_pact: Pact, orders_at: OrdersAt) -> None:
        interaction = orders_pact.upon_receiving(
            "a request for an order that does not exist"
        ).given("no order has the id", orderId=ORDER_ID)
        service_request(interaction, "GET", f"/orders/{ORDER_ID}")
        problem_response(interaction, "order-not-found", 404)
        async with served(orders_pact, orders_at) as orders:
            order = await orders.get_order(ORDER_ID)

        assert order is None


class TestListOrders:
    async def test_partner_orders_newest_first(
        self, orders_pact: Pact, orders_at: OrdersAt
    ) -> None:
        interaction = orders_pact.upon_receiving("a request for a partner's orders").given(
            "a partner's order was completed", **linked_records(orderId=ORDER_ID)
        )
        service_request(
            interaction, "GET", "/orders", query={"accountId": ACCOUNT_ID, "limit": "20"}
        )
        json_response(
            interaction, 200, {"items": match.each_like(order_body()), "nextCursor": None}
        )
        async with served(orders_pact, orders_at) as orders:
            listing = await orders.list_orders(
                account_id=ACCOUNT_ID, status=None, limit=20, cursor=None
            )

        assert [order.order_id for order in listing.items] == [ORDER_ID]
