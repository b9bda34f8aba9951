"""What the partner portal relies on from the ERP System API: the partner's credit, its prices
and the stock of a catalog page, and how far its sales orders have got."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from decimal import Decimal
from typing import Any

import pytest
from pact import Pact, match

from partner_portal_experience.adapters.erp_system import ErpSystemErp
from trivium_testing.pact_matchers import bearer_token, decimal_string, money, problem

pytestmark = [pytest.mark.contract, pytest.mark.asyncio]

ErpAt = Callable[[object], AbstractAsyncContextManager[ErpSystemErp]]

CUSTOMER_ID = "1000001"
SKU = "TG-1000"
ORDER_ID = "5000001"
ERP_NUMBER = r"^[A-Za-z0-9]{1,10}$"
PROGRESS = r"^(not_started|partial|complete|not_relevant)$"


def erp_number(example: str) -> Any:
    return match.regex(example, regex=ERP_NUMBER)


class TestGetCredit:
    async def test_credit_position(self, erp_pact: Pact, erp_at: ErpAt) -> None:
        (
            erp_pact.upon_receiving("a request for a partner's credit position")
            .given("a customer with a credit account exists", customerId=CUSTOMER_ID)
            .with_request("GET", f"/customers/{CUSTOMER_ID}/credit")
            .with_header("Authorization", bearer_token())
            .will_respond_with(200)
            .with_body(
                {
                    "limit": decimal_string("50000.00"),
                    "exposure": decimal_string("25000.00"),
                    "available": decimal_string("25000.00"),
                    "currency": match.regex("EUR", regex=r"^[A-Z]{3}$"),
                    "blocked": match.bool(False),
                },
                content_type="application/json",
            )
        )
        with erp_pact.serve(addr="127.0.0.1") as server:
            async with erp_at(server.url) as erp:
                credit = await erp.get_credit(CUSTOMER_ID)

        assert credit is not None
        assert credit.available == Decimal("25000.00")

    async def test_customer_without_credit_account(self, erp_pact: Pact, erp_at: ErpAt) -> None:
        (
            erp_pact.upon_receiving("a request for the credit of a partner without credit account")
            .given("a customer without a credit account exists", customerId=CUSTOMER_ID)
            .with_request("GET", f"/customers/{CUSTOMER_ID}/credit")
            .with_header("Authorization", bearer_token())
            .will_respond_with(404)
            .with_body(
                problem("credit-account-not-found", 404), content_type="application/problem+json"
            )
        )
        with erp_pact.serve(addr="127.0.0.1") as server:
            async with erp_at(server.url) as erp:
                credit = await erp.get_credit(CUSTOMER_ID)

        assert credit is None


class TestGetPrices:
    async def test_partner_prices_of_a_page(self, erp_pact: Pact, erp_at: ErpAt) -> None:
        (
            erp_pact.upon_receiving("a request for a partner's prices of a catalog page")
            .given("a customer with priced products exists", customerId=CUSTOMER_ID, sku=SKU)
            .with_request("GET", "/prices")
            .with_query_parameter("skus", SKU)
            .with_query_parameter("customerId", CUSTOMER_ID)
            .with_header("Authorization", bearer_token())
            .will_respond_with(200)
            .with_body(
                {"items": match.each_like({"sku": match.str(SKU), "unitPrice": money("114.00")})},
                content_type="application/json",
            )
        )
        with erp_pact.serve(addr="127.0.0.1") as server:
            async with erp_at(server.url) as erp:
                prices = await erp.get_prices([SKU], customer_id=CUSTOMER_ID)

        price = prices[SKU]
        assert price is not None
        assert price.amount == Decimal("114.00")


class TestGetAvailability:
    async def test_stock_of_a_page(self, erp_pact: Pact, erp_at: ErpAt) -> None:
        (
            erp_pact.upon_receiving("a query for the stock of a catalog page")
            .given("a product is in stock", sku=SKU)
            .with_request("POST", "/availability")
            .with_header("Authorization", bearer_token())
            .with_body({"skus": match.each_like(match.str(SKU))}, content_type="application/json")
            .will_respond_with(200)
            .with_body(
                {
                    "items": match.each_like(
                        {"sku": match.str(SKU), "quantity": decimal_string("40")}
                    )
                },
                content_type="application/json",
            )
        )
        with erp_pact.serve(addr="127.0.0.1") as server:
            async with erp_at(server.url) as erp:
                stock = await erp.get_availability([SKU])

        assert stock[SKU] == Decimal(40)


class TestGetOrderProgress:
    async def test_sales_order_progress(self, erp_pact: Pact, erp_at: ErpAt) -> None:
        (
            erp_pact.upon_receiving("a request for the progress of a partner's sales order")
            .given(
                "a sales order exists for a customer's reference",
                orderId=ORDER_ID,
                customerId=CUSTOMER_ID,
                externalReference="PO-4711",
                sku=SKU,
            )
            .with_request("GET", f"/sales-orders/{ORDER_ID}")
            .with_header("Authorization", bearer_token())
            .will_respond_with(200)
            .with_body(
                {
                    "id": erp_number(ORDER_ID),
                    "customerId": erp_number(CUSTOMER_ID),
                    "deliveryStatus": match.regex("not_started", regex=PROGRESS),
                    "billingStatus": match.regex("not_started", regex=PROGRESS),
                },
                content_type="application/json",
            )
        )
        with erp_pact.serve(addr="127.0.0.1") as server:
            async with erp_at(server.url) as erp:
                progress = await erp.get_order_progress(ORDER_ID)

        assert progress is not None
        assert progress.delivery_status == "not_started"

    async def test_unknown_sales_order(self, erp_pact: Pact, erp_at: ErpAt) -> None:
        (
            erp_pact.upon_receiving("a request for the progress of a sales order that is gone")
            .given("no sales order has the number", orderId=ORDER_ID)
            .with_request("GET", f"/sales-orders/{ORDER_ID}")
            .with_header("Authorization", bearer_token())
            .will_respond_with(404)
            .with_body(
                problem("sales-order-not-found", 404), content_type="application/problem+json"
            )
        )
        with erp_pact.serve(addr="127.0.0.1") as server:
            async with erp_at(server.url) as erp:
                progress = await erp.get_order_progress(ORDER_ID)

        assert progress is None
