"""What quote-to-order relies on from the ERP System API: prices, stock, credit, sales orders."""

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
from trivium_testing.pact_erp_system import (
    credit_position,
    credit_request,
    customer_prices,
    sales_order_read,
    stock_of_skus,
    unknown_customer,
    without_credit_account,
)
from trivium_testing.pact_examples import CUSTOMER_ID, SALES_ORDER_ID, SKU
from trivium_testing.pact_interactions import json_response, service_request
from trivium_testing.pact_matchers import decimal_string, erp_number

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


class TestGetPrices:
    async def test_customer_prices_of_skus(self, erp_pact: Pact, erp_at: ErpAt) -> None:
        customer_prices(erp_pact, "a request for a customer's prices of skus")
        async with served(erp_pact, erp_at) as erp:
            prices = await erp.get_prices(CUSTOMER_ID, [SKU])

        assert prices[SKU].amount == Decimal("114.00")


class TestGetStock:
    async def test_stock_of_skus(self, erp_pact: Pact, erp_at: ErpAt) -> None:
        stock_of_skus(erp_pact, "a query for the stock of skus")
        async with served(erp_pact, erp_at) as erp:
            stock = await erp.get_stock([SKU])

        assert stock[SKU] == Decimal(40)


class TestGetCredit:
    async def test_credit_position(self, erp_pact: Pact, erp_at: ErpAt) -> None:
        interaction = credit_request(erp_pact, "a request for a customer's credit position")
        json_response(interaction, 200, credit_position("available"))
        async with served(erp_pact, erp_at) as erp:
            credit = await erp.get_credit(CUSTOMER_ID)

        assert credit is not None
        assert credit.available == Decimal("25000.00")

    async def test_customer_without_credit_account(self, erp_pact: Pact, erp_at: ErpAt) -> None:
        without_credit_account(
            erp_pact, "a request for the credit of a customer without credit account"
        )
        async with served(erp_pact, erp_at) as erp:
            credit = await erp.get_credit(CUSTOMER_ID)

        assert credit is None

    async def test_unknown_customer(self, erp_pact: Pact, erp_at: ErpAt) -> None:
        unknown_customer(
            erp_pact, "a request for the credit of a customer that does not exist", "/credit"
        )
        async with served(erp_pact, erp_at) as erp:
            with pytest.raises(AccountNotLinked):
                await erp.get_credit(CUSTOMER_ID)


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
