"""What the mobile API relies on from the process tier: quote-to-order turning a rep's accepted
quote into an order and reporting it, and create-customer creating a customer in both systems."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from typing import Any

import pytest
from pact import Pact, match

from mobile_experience.adapters.process_apis import CreateCustomerCustomers, QuoteToOrderOrders
from mobile_experience.domain.errors import DuplicateCustomer, QuoteNotFound
from mobile_experience.domain.models import Rep
from trivium_testing.pact_matchers import (
    bearer_token,
    decimal_string,
    idempotency_key,
    money,
    problem,
)

pytestmark = [pytest.mark.contract, pytest.mark.asyncio]

OrdersAt = Callable[[object], AbstractAsyncContextManager[QuoteToOrderOrders]]
CustomersAt = Callable[[object], AbstractAsyncContextManager[CreateCustomerCustomers]]

ORDER_ID = "01KB2Y7ZJ1V8X3Q5N9R2T4W6YA"
QUOTE_ID = "0Q0000000000001AAA"
ACCOUNT_ID = "001000000000001AAA"
CUSTOMER_ID = "1000001"
SKU = "TG-1000"
ORDER_KEY = "rep:anna:quote-order-0001"
CUSTOMER_KEY = "rep:anna:customer-0001"
ULID = r"^[0-9A-HJKMNP-TV-Z]{26}$"
SALESFORCE_ID = r"^[a-zA-Z0-9]{15}([a-zA-Z0-9]{3})?$"
TIMESTAMP = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$"
STATUS = r"^(accepted|in_erp|completed|failed|needs_attention)$"
CUSTOMER_STATUS = r"^(pending|completed|failed|needs_attention)$"


def accepted_quote(**params: str) -> dict[str, str]:
    """The provider state's parameters: a rep's accepted quote of an ERP customer's account."""
    return {
        "quoteId": QUOTE_ID,
        "accountId": ACCOUNT_ID,
        "accountNumber": "P-1001",
        "customerId": CUSTOMER_ID,
        "sku": SKU,
        **params,
    }


def order_body() -> dict[str, Any]:
    return {
        "orderId": match.regex(ORDER_ID, regex=ULID),
        "status": match.regex("completed", regex=STATUS),
        "quoteId": match.regex(QUOTE_ID, regex=SALESFORCE_ID),
        "accountId": match.regex(ACCOUNT_ID, regex=SALESFORCE_ID),
        "erpOrderNumber": match.str("1"),
        "lines": match.each_like(
            {
                "sku": match.str(SKU),
                "quantity": decimal_string("2"),
                "unitPrice": money("114.00"),
                "netAmount": money("228.00"),
            }
        ),
        "total": money("228.00"),
        "createdAt": match.regex("2026-11-28T10:15:00.123000Z", regex=TIMESTAMP),
        "updatedAt": match.regex("2026-11-28T10:15:00.123000Z", regex=TIMESTAMP),
    }


def customer_request() -> dict[str, Any]:
    return {
        "name": match.str("Contoso Manufacturing Ltd"),
        "address": {
            "street": match.str("North First Street"),
            "houseNumber": match.str("2100"),
            "city": match.str("San Jose"),
            "postalCode": match.str("95110"),
            "region": match.str("CA"),
            "country": match.str("US"),
        },
        "website": match.str("www.contoso.example"),
    }


def new_customer() -> dict[str, Any]:
    return {
        "name": "Contoso Manufacturing Ltd",
        "address": {
            "street": "North First Street",
            "houseNumber": "2100",
            "city": "San Jose",
            "postalCode": "95110",
            "region": "CA",
            "country": "US",
        },
        "website": "www.contoso.example",
    }


class TestPlaceQuoteOrder:
    async def test_quote_ordered_at_once(
        self, orders_pact: Pact, orders_at: OrdersAt, rep: Rep
    ) -> None:
        (
            orders_pact.upon_receiving("a rep's order from an accepted quote")
            .given("a rep's accepted quote with lines exists", **accepted_quote())
            .with_request("POST", "/orders")
            .with_header("Authorization", bearer_token())
            .with_header("Idempotency-Key", idempotency_key(ORDER_KEY))
            .with_body({"quoteId": match.str(QUOTE_ID)}, content_type="application/json")
            .will_respond_with(201)
            .with_body(order_body(), content_type="application/json")
        )
        with orders_pact.serve(addr="127.0.0.1") as server:
            async with orders_at(server.url) as orders:
                placement = await orders.place_quote_order(
                    QUOTE_ID, rep=rep, idempotency_key=ORDER_KEY, respond_async=False
                )

        assert not placement.in_background
        assert placement.order.quote_id == QUOTE_ID

    async def test_unknown_quote(self, orders_pact: Pact, orders_at: OrdersAt, rep: Rep) -> None:
        (
            orders_pact.upon_receiving("a rep's order from a quote that does not exist")
            .given("no quote has the id", quoteId=QUOTE_ID)
            .with_request("POST", "/orders")
            .with_header("Authorization", bearer_token())
            .with_header("Idempotency-Key", idempotency_key(ORDER_KEY))
            .with_body({"quoteId": match.str(QUOTE_ID)}, content_type="application/json")
            .will_respond_with(404)
            .with_body(problem("quote-not-found", 404), content_type="application/problem+json")
        )
        with orders_pact.serve(addr="127.0.0.1") as server:
            async with orders_at(server.url) as orders:
                with pytest.raises(QuoteNotFound):
                    await orders.place_quote_order(
                        QUOTE_ID, rep=rep, idempotency_key=ORDER_KEY, respond_async=False
                    )


class TestGetOrder:
    async def test_order_from_a_quote(
        self, orders_pact: Pact, orders_at: OrdersAt, rep: Rep
    ) -> None:
        (
            orders_pact.upon_receiving("a request for an order placed from a quote")
            .given("an order from a rep's quote was completed", **accepted_quote(orderId=ORDER_ID))
            .with_request("GET", f"/orders/{ORDER_ID}")
            .with_header("Authorization", bearer_token())
            .will_respond_with(200)
            .with_body(order_body(), content_type="application/json")
        )
        with orders_pact.serve(addr="127.0.0.1") as server:
            async with orders_at(server.url) as orders:
                order = await orders.get_order(ORDER_ID, rep=rep)

        assert order is not None
        assert order.erp_order_number == "1"

    async def test_order_the_crm_refused_after_the_erp_accepted_it(
        self, orders_pact: Pact, orders_at: OrdersAt, rep: Rep
    ) -> None:
        (
            orders_pact.upon_receiving("a request for an order from a quote that needs attention")
            .given(
                "an order from a rep's quote is in the ERP and its CRM order needs attention",
                **accepted_quote(orderId=ORDER_ID),
            )
            .with_request("GET", f"/orders/{ORDER_ID}")
            .with_header("Authorization", bearer_token())
            .will_respond_with(200)
            .with_body(
                {**order_body(), "status": match.regex("needs_attention", regex=STATUS)},
                content_type="application/json",
            )
        )
        with orders_pact.serve(addr="127.0.0.1") as server:
            async with orders_at(server.url) as orders:
                order = await orders.get_order(ORDER_ID, rep=rep)

        assert order is not None
        assert (order.status, order.erp_order_number) == ("needs_attention", "1")


class TestCreateCustomer:
    async def test_customer_created_in_both_systems(
        self, customers_pact: Pact, customers_at: CustomersAt, rep: Rep
    ) -> None:
        (
            customers_pact.upon_receiving("a rep's new customer")
            .given("neither system holds the customer")
            .with_request("POST", "/customers")
            .with_header("Authorization", bearer_token())
            .with_header("Idempotency-Key", idempotency_key(CUSTOMER_KEY))
            .with_body(customer_request(), content_type="application/json")
            .will_respond_with(201)
            .with_body(
                {
                    "requestId": match.regex(ORDER_ID, regex=ULID),
                    "status": match.regex("completed", regex=CUSTOMER_STATUS),
                    "accountId": match.regex(ACCOUNT_ID, regex=SALESFORCE_ID),
                    "erpCustomerNumber": match.str(CUSTOMER_ID),
                    "accountCreated": match.bool(True),
                    "erpCustomerCreated": match.bool(True),
                },
                content_type="application/json",
            )
        )
        with customers_pact.serve(addr="127.0.0.1") as server:
            async with customers_at(server.url) as customers:
                creation = await customers.create_customer(
                    new_customer(), rep=rep, idempotency_key=CUSTOMER_KEY, on_duplicate=None
                )

        assert creation.status == 201
        assert creation.customer.erp_customer_number == CUSTOMER_ID

    async def test_customer_that_exists_is_refused(
        self, customers_pact: Pact, customers_at: CustomersAt, rep: Rep
    ) -> None:
        (
            customers_pact.upon_receiving("a rep's new customer that exists already")
            .given("an account and an ERP customer with the customer's name exist")
            .with_request("POST", "/customers")
            .with_header("Authorization", bearer_token())
            .with_header("Idempotency-Key", idempotency_key(CUSTOMER_KEY))
            .with_body(customer_request(), content_type="application/json")
            .will_respond_with(409)
            .with_body(problem("duplicate-customer", 409), content_type="application/problem+json")
        )
        with customers_pact.serve(addr="127.0.0.1") as server:
            async with customers_at(server.url) as customers:
                with pytest.raises(DuplicateCustomer):
                    await customers.create_customer(
                        new_customer(), rep=rep, idempotency_key=CUSTOMER_KEY, on_duplicate=None
                    )
