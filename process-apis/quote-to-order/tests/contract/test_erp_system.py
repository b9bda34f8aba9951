"""What quote-to-order relies on from the ERP System API: the order check, sales orders."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from pact import Pact, match
from pact.interaction import HttpInteraction

from quote_to_order_process.adapters.erp_system import ErpSystemErp
from quote_to_order_process.adapters.ports import ErpLineDraft, ErpOrderDraft
from quote_to_order_process.domain.errors import AccountNotLinked
from quote_to_order_process.domain.models import ProgressStatus
from trivium_testing.mock_servers import AdapterAt, served
from trivium_testing.pact_erp_system import sales_order_read
from trivium_testing.pact_examples import CUSTOMER_ID, SALES_ORDER_ID, SKU
from trivium_testing.pact_interactions import json_response, problem_response, service_request
from trivium_testing.pact_matchers import decimal_string, erp_number, money

pytestmark = [pytest.mark.contract, pytest.mark.asyncio]

ErpAt = AdapterAt[ErpSystemErp]

EXTERNAL_REFERENCE = "Q-00001"
ORDER_KEY = f"erp-order:{EXTERNAL_REFERENCE}"
# The provider state's parameters: the sales order placed for the quote's reference.
EXISTING_ORDER = {
    "orderId": SALES_ORDER_ID,
    "customerId": CUSTOMER_ID,
    "externalReference": EXTERNAL_REFERENCE,
    "sku": SKU,
}
PROGRESS = "^(" + "|".join(status.value for status in ProgressStatus) + ")$"


def sales_order_body() -> dict[str, Any]:
    return {
        "id": erp_number(SALES_ORDER_ID),
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


def placing_the_order(interaction: HttpInteraction) -> None:
    """The request placing `order_draft()` once for its Idempotency-Key."""
    service_request(
        interaction,
        "POST",
        "/sales-orders",
        idempotency_key=ORDER_KEY,
        body=sales_order_request(),
    )


def order_check(pact: Pact, description: str, *, state: str, **params: str) -> HttpInteraction:
    """A check of an order of two of the example sku for the example customer, the provider in
    `state`."""
    interaction = pact.upon_receiving(description).given(state, customerId=CUSTOMER_ID, **params)
    return service_request(
        interaction,
        "POST",
        "/sales-orders:simulate",
        body={
            "customerId": erp_number(CUSTOMER_ID),
            "lines": match.each_like({"sku": match.str(SKU), "quantity": decimal_string("2")}),
        },
    )


CHECKED_LINES = [ErpLineDraft(sku=SKU, quantity=Decimal(2))]


class TestAssessOrder:
    async def test_prices_stock_and_a_passed_credit_check(
        self, erp_pact: Pact, erp_at: ErpAt
    ) -> None:
        interaction = order_check(
            erp_pact,
            "a check of an order of a customer's priced products",
            state="a customer with priced products exists",
            sku=SKU,
        )
        json_response(
            interaction,
            200,
            {
                "lines": match.each_like(
                    {
                        "sku": match.str(SKU),
                        "listPrice": money("114.00"),
                        "availableQuantity": decimal_string("40"),
                    }
                ),
                "creditOk": True,
            },
        )
        async with served(erp_pact, erp_at) as erp:
            assessment = await erp.assess_order(CUSTOMER_ID, CHECKED_LINES)

        assert assessment.prices[SKU].amount == Decimal("114.00")
        assert assessment.stock[SKU] == Decimal(40)
        assert assessment.credit_passed

    async def test_customer_without_credit_account(self, erp_pact: Pact, erp_at: ErpAt) -> None:
        interaction = order_check(
            erp_pact,
            "a check of an order of a customer without credit account",
            state="a customer without a credit account exists",
        )
        json_response(
            interaction,
            200,
            {
                "lines": match.each_like(
                    {"sku": match.str(SKU), "availableQuantity": decimal_string("0")}
                ),
                "creditOk": False,
                "credit": None,
            },
        )
        async with served(erp_pact, erp_at) as erp:
            assessment = await erp.assess_order(CUSTOMER_ID, CHECKED_LINES)

        assert (assessment.credit_passed, assessment.credit) == (False, None)

    async def test_unknown_customer(self, erp_pact: Pact, erp_at: ErpAt) -> None:
        interaction = order_check(
            erp_pact,
            "a check of an order of a customer that does not exist",
            state="no customer has the number",
        )
        problem_response(interaction, "customer-not-found", 404)
        async with served(erp_pact, erp_at) as erp:
            with pytest.raises(AccountNotLinked):
                await erp.assess_order(CUSTOMER_ID, CHECKED_LINES)


class TestGetOrder:
    async def test_order_with_progress(self, erp_pact: Pact, erp_at: ErpAt) -> None:
        interaction = sales_order_read(erp_pact, "a request for a sales order", EXTERNAL_REFERENCE)
        json_response(interaction, 200, sales_order_body())
        async with served(erp_pact, erp_at) as erp:
            order = await erp.get_order(SALES_ORDER_ID)

        assert order.delivery_status is ProgressStatus.NOT_STARTED


class TestPlaceOrder:
    async def test_new_order_is_created(self, erp_pact: Pact, erp_at: ErpAt) -> None:
        interaction = erp_pact.upon_receiving("a request to create a sales order").given(
            "a customer with priced products exists", customerId=CUSTOMER_ID, sku=SKU
        )
        placing_the_order(interaction)
        json_response(interaction, 201, sales_order_body())
        async with served(erp_pact, erp_at) as erp:
            placement = await erp.place_order(order_draft(), idempotency_key=ORDER_KEY)

        assert placement.created

    async def test_repeat_for_the_same_reference_answers_the_first_order(
        self, erp_pact: Pact, erp_at: ErpAt
    ) -> None:
        interaction = erp_pact.upon_receiving(
            "a request to create a sales order whose reference has one"
        ).given("a sales order exists for a customer's reference", **EXISTING_ORDER)
        placing_the_order(interaction)
        json_response(interaction, 200, sales_order_body())
        async with served(erp_pact, erp_at) as erp:
            placement = await erp.place_order(order_draft(), idempotency_key=ORDER_KEY)

        assert not placement.created
        assert placement.order.id == SALES_ORDER_ID
