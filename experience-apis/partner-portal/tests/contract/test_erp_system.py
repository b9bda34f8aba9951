"""What the partner portal relies on from the ERP System API: the partner's credit, its prices
and the stock of a catalog page, and how far its sales orders have got."""

from __future__ import annotations

from decimal import Decimal

import pytest
from pact import Pact, match

from partner_portal_experience.adapters.erp_system import ErpSystemErp
from trivium_testing.mock_servers import AdapterAt, served
from trivium_testing.pact_erp_system import (
    credit_position,
    credit_request,
    customer_prices,
    sales_order_read,
    stock_of_skus,
    without_credit_account,
)
from trivium_testing.pact_examples import CUSTOMER_ID, SALES_ORDER_ID, SKU
from trivium_testing.pact_interactions import json_response, problem_response, service_request
from trivium_testing.pact_matchers import erp_number

pytestmark = [pytest.mark.contract, pytest.mark.asyncio]

ErpAt = AdapterAt[ErpSystemErp]

PROGRESS = r"^(not_started|partial|complete|not_relevant)$"


class TestGetCredit:
    async def test_credit_position(self, erp_pact: Pact, erp_at: ErpAt) -> None:
        interaction = credit_request(erp_pact, "a request for a partner's credit position")
        json_response(interaction, 200, credit_position("limit", "exposure", "available"))
        async with served(erp_pact, erp_at) as erp:
            credit = await erp.get_credit(CUSTOMER_ID)

        assert credit is not None
        assert credit.available == Decimal("25000.00")

    async def test_customer_without_credit_account(self, erp_pact: Pact, erp_at: ErpAt) -> None:
        without_credit_account(
            erp_pact, "a request for the credit of a partner without credit account"
        )
        async with served(erp_pact, erp_at) as erp:
            credit = await erp.get_credit(CUSTOMER_ID)

        assert credit is None


class TestGetPrices:
    async def test_partner_prices_of_a_page(self, erp_pact: Pact, erp_at: ErpAt) -> None:
        customer_prices(erp_pact, "a request for a partner's prices of a catalog page")
        async with served(erp_pact, erp_at) as erp:
            prices = await erp.get_prices([SKU], customer_id=CUSTOMER_ID)

        price = prices[SKU]
        assert price is not None
        assert price.amount == Decimal("114.00")


class TestGetAvailability:
    async def test_stock_of_a_page(self, erp_pact: Pact, erp_at: ErpAt) -> None:
        stock_of_skus(erp_pact, "a query for the stock of a catalog page")
        async with served(erp_pact, erp_at) as erp:
            stock = await erp.get_availability([SKU])

        assert stock[SKU] == Decimal(40)


class TestGetOrderProgress:
    async def test_sales_order_progress(self, erp_pact: Pact, erp_at: ErpAt) -> None:
        interaction = sales_order_read(
            erp_pact, "a request for the progress of a partner's sales order", "PO-4711"
        )
        json_response(
            interaction,
            200,
            {
                "id": erp_number(SALES_ORDER_ID),
                "customerId": erp_number(CUSTOMER_ID),
                "deliveryStatus": match.regex("not_started", regex=PROGRESS),
                "billingStatus": match.regex("not_started", regex=PROGRESS),
            },
        )
        async with served(erp_pact, erp_at) as erp:
            progress = await erp.get_order_progress(SALES_ORDER_ID)

        assert progress is not None
        assert progress.delivery_status == "not_started"

    async def test_unknown_sales_order(self, erp_pact: Pact, erp_at: ErpAt) -> None:
        interaction = erp_pact.upon_receiving(
            "a request for the progress of a sales order that is gone"
        ).given("no sales order has the number", orderId=SALES_ORDER_ID)
        service_request(interaction, "GET", f"/sales-orders/{SALES_ORDER_ID}")
        problem_response(interaction, "sales-order-not-found", 404)
        async with served(erp_pact, erp_at) as erp:
            progress = await erp.get_order_progress(SALES_ORDER_ID)

        assert progress is None
