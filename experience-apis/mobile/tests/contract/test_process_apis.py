"""What the mobile API relies on from the process tier: quote-to-order turning a rep's accepted
quote into an order and reporting it, and create-customer creating a customer in both systems."""

from __future__ import annotations

from typing import Any

import pytest
from pact import Pact, match
from pact.interaction import HttpInteraction

from mobile_experience.adapters.process_apis import CreateCustomerCustomers, QuoteToOrderOrders
from mobile_experience.domain.errors import DuplicateCustomer, QuoteNotFound
from mobile_experience.domain.models import Rep
from trivium_testing import pact_examples
from trivium_testing.mock_servers import AdapterAt, served
from trivium_testing.pact_examples import ACCOUNT_ID, CUSTOMER_ID, ORDER_ID, QUOTE_ID, new_customer
from trivium_testing.pact_interactions import json_response, problem_response, service_request
from trivium_testing.pact_matchers import salesforce_id, strings_like, timestamp, ulid
from trivium_testing.pact_quote_to_order import order_read, order_status, priced_lines

pytestmark = [pytest.mark.contract, pytest.mark.asyncio]

OrdersAt = AdapterAt[QuoteToOrderOrders]
CustomersAt = AdapterAt[CreateCustomerCustomers]

ORDER_KEY = "rep:anna:quote-order-0001"
CUSTOMER_KEY = "rep:anna:customer-0001"
CUSTOMER_STATUS = r"^(pending|completed|failed|needs_attention)$"


def accepted_quote(**params: str) -> dict[str, str]:
    """The provider state's parameters: a rep's accepted quote of an ERP customer's account."""
    return {"quoteId": QUOTE_ID, **pact_examples.linked_records(**params)}


def order_body(status: str = "completed") -> dict[str, Any]:
    return {
        "orderId": ulid(ORDER_ID),
        "status": order_status(status),
        "quoteId": salesforce_id(QUOTE_ID),
        "accountId": salesforce_id(ACCOUNT_ID),
        "erpOrderNumber": match.str("1"),
        **priced_lines(),
        "createdAt": timestamp("2026-11-28T10:15:00.123000Z"),
        "updatedAt": timestamp("2026-11-28T10:15:00.123000Z"),
    }


def ordering_the_quote(interaction: HttpInteraction) -> None:
    """The rep's order of the quote, once for its Idempotency-Key."""
    service_request(
        interaction,
        "POST",
        "/orders",
        idempotency_key=ORDER_KEY,
        body={"quoteId": match.str(QUOTE_ID)},
    )


class TestPlaceQuoteOrder:
    async def test_quote_ordered_at_once(
        self, orders_pact: Pact, orders_at: OrdersAt, rep: Rep
    ) -> None:
        interaction = orders_pact.upon_receiving("a rep's order from an accepted quote").given(
            "a rep's accepted quote with lines exists", **accepted_quote()
        )
        ordering_the_quote(interaction)
        json_response(interaction, 201, order_body())
        async with served(orders_pact, orders_at) as orders:
            placement = await orders.place_quote_order(
                QUOTE_ID, rep=rep, idempotency_key=ORDER_KEY, respond_async=False
            )

        assert not placement.in_background
        assert placement.order.quote_id == QUOTE_ID

    async def test_unknown_quote(self, orders_pact: Pact, orders_at: OrdersAt, rep: Rep) -> None:
        interaction = orders_pact.upon_receiving(
            "a rep's order from a quote that does not exist"
        ).given("no quote has the id", quoteId=QUOTE_ID)
        ordering_the_quote(interaction)
        problem_response(interaction, "quote-not-found", 404)
        async with served(orders_pact, orders_at) as orders:
            with pytest.raises(QuoteNotFound):
                await orders.place_quote_order(
                    QUOTE_ID, rep=rep, idempotency_key=ORDER_KEY, respond_async=False
                )


class TestGetOrder:
    @pytest.mark.parametrize(
        ("description", "state", "status"),
        [
            pytest.param(
                "a request for an order placed from a quote",
                "an order from a rep's quote was completed",
                "completed",
                id="completed",
            ),
            pytest.param(
                "a request for an order from a quote that needs attention",
                "an order from a rep's quote is in the ERP and its CRM order needs attention",
                "needs_attention",
                id="crm-refused-after-the-erp-accepted-it",
            ),
        ],
    )
    async def test_order_from_a_quote(
        self,
        orders_pact: Pact,
        orders_at: OrdersAt,
        rep: Rep,
        description: str,
        state: str,
        status: str,
    ) -> None:
        interaction = order_read(
            orders_pact, description, state, **accepted_quote(orderId=ORDER_ID)
        )
        json_response(interaction, 200, order_body(status))
        async with served(orders_pact, orders_at) as orders:
            order = await orders.get_order(ORDER_ID, rep=rep)

        assert order is not None
        assert (order.status, order.erp_order_number) == (status, "1")


def creating_the_customer(interaction: HttpInteraction) -> None:
    """The rep's new customer, sent once for its Idempotency-Key."""
    service_request(
        interaction,
        "POST",
        "/customers",
        idempotency_key=CUSTOMER_KEY,
        body=strings_like(new_customer()),
    )


class TestCreateCustomer:
    async def test_customer_created_in_both_systems(
        self, customers_pact: Pact, customers_at: CustomersAt, rep: Rep
    ) -> None:
        interaction = customers_pact.upon_receiving("a rep's new customer").given(
            "neither system holds the customer"
        )
        creating_the_customer(interaction)
        json_response(
            interaction,
            201,
            {
                "requestId": ulid(ORDER_ID),
                "status": match.regex("completed", regex=CUSTOMER_STATUS),
                "accountId": salesforce_id(ACCOUNT_ID),
                "erpCustomerNumber": match.str(CUSTOMER_ID),
                "accountCreated": match.bool(True),
                "erpCustomerCreated": match.bool(True),
            },
        )
        async with served(customers_pact, customers_at) as customers:
            creation = await customers.create_customer(
                new_customer(), rep=rep, idempotency_key=CUSTOMER_KEY, on_duplicate=None
            )

        assert creation.status == 201
        assert creation.customer.erp_customer_number == CUSTOMER_ID

    async def test_customer_that_exists_is_refused(
        self, customers_pact: Pact, customers_at: CustomersAt, rep: Rep
    ) -> None:
        interaction = customers_pact.upon_receiving(
            "a rep's new customer that exists already"
        ).given("an account and an ERP customer with the customer's name exist")
        creating_the_customer(interaction)
        problem_response(interaction, "duplicate-customer", 409)
        async with served(customers_pact, customers_at) as customers:
            with pytest.raises(DuplicateCustomer):
                await customers.create_customer(
                    new_customer(), rep=rep, idempotency_key=CUSTOMER_KEY, on_duplicate=None
                )
