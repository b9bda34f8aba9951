"""What quote-to-order relies on from the ERP System API: prices, stock, credit, sales orders."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from pact import Pact, match

from quote_to_order_process.adapters.erp_system import ErpSystemErp
from quote_to_order_process.adapters.ports import ErpLineDraft, ErpOrderDraft
from quote_to_order_process.domain.errors import AccountNotLinked
from quote_to_order_process.domain.models import ProgressStatus
from trivium_testing.pact_matchers import (
    bearer_token,
    decimal_string,
    idempotency_key,
    money,
    problem,
)

pytestmark = [pytest.mark.contract, pytest.mark.asyncio]

ErpAt = Callable[[object], AbstractAsyncContextManager[ErpSystemErp]]

CUSTOMER_ID = "1000001"
SKU = "TG-1000"
ORDER_ID = "5000001"
EXTERNAL_REFERENCE = "Q-00001"
ERP_NUMBER = r"^[A-Za-z0-9]{1,10}$"
PROGRESS = "^(" + "|".join(status.value for status in ProgressStatus) + ")$"


def erp_number(example: str) -> Any:
    return match.regex(example, regex=ERP_NUMBER)


def sales_order_body() -> dict[str, Any]:
    return {
        "id": erp_number(ORDER_ID),
        "customerId": erp_number(CUSTOMER_ID),
        "externalReference": match.str(EXTERNAL_REFERENCE),
        "deliveryStatus": match.regex("not_started", regex=PROGRESS),
        "billingStatus": match.regex("not_started", regex=PROGRESS),
    }


def order_draft() -> ErpOrderDraft:
    return ErpOrderDraft(
        customer_id=CUSTOMER_ID,
        external_reference=EXTERNAL_REFERENCE,
        lines=[ErpLineDraft(sku=SKU, quantity=Decimal(2), unit_price=Decimal("114.00"))],
        requested_delivery_date=date(2026, 12, 15),
    )


def sales_order_request() -> dict[str, Any]:
    return {
        "customerId": erp_number(CUSTOMER_ID),
        "externalReference": match.str(EXTERNAL_REFERENCE),
        "lines": match.each_like(
            {
                "sku": match.str(SKU),
                "quantity": decimal_string("2"),
                "unitPrice": decimal_string("114.00"),
            }
        ),
        "requestedDeliveryDate": match.date("2026-12-15"),
    }


class TestGetPrices:
    async def test_customer_prices_of_skus(self, erp_pact: Pact, erp_at: ErpAt) -> None:
        (
            erp_pact.upon_receiving("a request for a customer's prices of skus")
            .given("a customer with priced products exists", customerId=CUSTOMER_ID, sku=SKU)
            .with_request("GET", "/prices")
            .with_query_parameter("customerId", CUSTOMER_ID)
            .with_query_parameter("skus", SKU)
            .with_header("Authorization", bearer_token())
            .will_respond_with(200)
            .with_body(
                {"items": match.each_like({"sku": match.str(SKU), "unitPrice": money("114.00")})},
                content_type="application/json",
            )
        )
        with erp_pact.serve(addr="127.0.0.1") as server:
            async with erp_at(server.url) as erp:
                prices = await erp.get_prices(CUSTOMER_ID, [SKU])

        assert prices[SKU].amount == Decimal("114.00")


class TestGetStock:
    async def test_stock_of_skus(self, erp_pact: Pact, erp_at: ErpAt) -> None:
        (
            erp_pact.upon_receiving("a query for the stock of skus")
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
                stock = await erp.get_stock([SKU])

        assert stock[SKU] == Decimal(40)


class TestGetCredit:
    async def test_credit_position(self, erp_pact: Pact, erp_at: ErpAt) -> None:
        (
            erp_pact.upon_receiving("a request for a customer's credit position")
            .given("a customer with a credit account exists", customerId=CUSTOMER_ID)
            .with_request("GET", f"/customers/{CUSTOMER_ID}/credit")
            .with_header("Authorization", bearer_token())
            .will_respond_with(200)
            .with_body(
                {
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
            erp_pact.upon_receiving("a request for the credit of a customer without credit account")
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

    async def test_unknown_customer(self, erp_pact: Pact, erp_at: ErpAt) -> None:
        (
            erp_pact.upon_receiving("a request for the credit of a customer that does not exist")
            .given("no customer has the number", customerId=CUSTOMER_ID)
            .with_request("GET", f"/customers/{CUSTOMER_ID}/credit")
            .with_header("Authorization", bearer_token())
            .will_respond_with(404)
            .with_body(problem("customer-not-found", 404), content_type="application/problem+json")
        )
        with erp_pact.serve(addr="127.0.0.1") as server:
            async with erp_at(server.url) as erp:
                with pytest.raises(AccountNotLinked):
                    await erp.get_credit(CUSTOMER_ID)


class TestGetOrder:
    async def test_order_with_progress(self, erp_pact: Pact, erp_at: ErpAt) -> None:
        (
            erp_pact.upon_receiving("a request for a sales order")
            .given(
                "a sales order exists for a customer's reference",
                orderId=ORDER_ID,
                customerId=CUSTOMER_ID,
                externalReference=EXTERNAL_REFERENCE,
                sku=SKU,
            )
            .with_request("GET", f"/sales-orders/{ORDER_ID}")
            .with_header("Authorization", bearer_token())
            .will_respond_with(200)
            .with_body(sales_order_body(), content_type="application/json")
        )
        with erp_pact.serve(addr="127.0.0.1") as server:
            async with erp_at(server.url) as erp:
                order = await erp.get_order(ORDER_ID)

        assert order.delivery_status is ProgressStatus.NOT_STARTED


class TestPlaceOrder:
    async def test_new_order_is_created(self, erp_pact: Pact, erp_at: ErpAt) -> None:
        (
            erp_pact.upon_receiving("a request to create a sales order")
            .given("a customer with priced products exists", customerId=CUSTOMER_ID, sku=SKU)
            .with_request("POST", "/sales-orders")
            .with_header("Authorization", bearer_token())
            .with_header("Idempotency-Key", idempotency_key(f"erp-order:{EXTERNAL_REFERENCE}"))
            .with_body(sales_order_request(), content_type="application/json")
            .will_respond_with(201)
            .with_body(sales_order_body(), content_type="application/json")
        )
        with erp_pact.serve(addr="127.0.0.1") as server:
            async with erp_at(server.url) as erp:
                placement = await erp.place_order(
                    order_draft(), idempotency_key=f"erp-order:{EXTERNAL_REFERENCE}"
                )

        assert placement.created

    async def test_repeat_for_the_same_reference_answers_the_first_order(
        self, erp_pact: Pact, erp_at: ErpAt
    ) -> None:
        (
            erp_pact.upon_receiving("a request to create a sales order whose reference has one")
            .given(
                "a sales order exists for a customer's reference",
                orderId=ORDER_ID,
                customerId=CUSTOMER_ID,
                externalReference=EXTERNAL_REFERENCE,
                sku=SKU,
            )
            .with_request("POST", "/sales-orders")
            .with_header("Authorization", bearer_token())
            .with_header("Idempotency-Key", idempotency_key(f"erp-order:{EXTERNAL_REFERENCE}"))
            .with_body(sales_order_request(), content_type="application/json")
            .will_respond_with(200)
            .with_body(sales_order_body(), content_type="application/json")
        )
        with erp_pact.serve(addr="127.0.0.1") as server:
            async with erp_at(server.url) as erp:
                placement = await erp.place_order(
                    order_draft(), idempotency_key=f"erp-order:{EXTERNAL_REFERENCE}"
                )

        assert not placement.created
        assert placement.order.id == ORDER_ID
