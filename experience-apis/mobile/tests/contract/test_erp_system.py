"""What the mobile API relies on from the ERP System API for a customer 360: recent sales
orders, open invoices and the credit position."""

from __future__ import annotations

from decimal import Decimal

import pytest
from pact import Pact, match
from pact.interaction import HttpInteraction

from mobile_experience.adapters.erp_system import ErpSystemErp
from trivium_testing.mock_servers import AdapterAt, served
from trivium_testing.pact_erp_system import credit_position, credit_request, without_credit_account
from trivium_testing.pact_examples import CUSTOMER_ID, SALES_ORDER_ID
from trivium_testing.pact_interactions import json_response, service_request
from trivium_testing.pact_matchers import erp_number, money

pytestmark = [pytest.mark.contract, pytest.mark.asyncio]

ErpAt = AdapterAt[ErpSystemErp]

HISTORY = "a customer with sales orders and open invoices exists"


def customer_history_request(pact: Pact, description: str, path: str) -> HttpInteraction:
    """The 360 view's read of five of a customer's `path` (sales orders or invoices)."""
    interaction = pact.upon_receiving(description).given(
        HISTORY, customerId=CUSTOMER_ID, orderId=SALES_ORDER_ID, invoiceId="90000001"
    )
    service_request(interaction, "GET", f"/customers/{CUSTOMER_ID}/{path}", query={"limit": "5"})
    return interaction


class TestRecentOrders:
    async def test_sales_orders_of_a_customer(self, erp_pact: Pact, erp_at: ErpAt) -> None:
        interaction = customer_history_request(
            erp_pact, "a request for a customer's sales orders", "sales-orders"
        )
        json_response(
            interaction,
            200,
            {
                "items": match.each_like(
                    {
                        "id": erp_number(SALES_ORDER_ID),
                        "status": match.str("open"),
                        "deliveryStatus": match.str("not_started"),
                        "billingStatus": match.str("not_started"),
                        "total": money("228.00"),
                        "createdOn": match.date("2026-11-28"),
                        "externalReference": match.str("PO-4711"),
                    }
                )
            },
        )
        async with served(erp_pact, erp_at) as erp:
            orders = await erp.recent_orders(CUSTOMER_ID, limit=5)

        assert [order.id for order in orders] == [SALES_ORDER_ID]


class TestOpenInvoices:
    async def test_open_invoices_of_a_customer(self, erp_pact: Pact, erp_at: ErpAt) -> None:
        interaction = customer_history_request(
            erp_pact, "a request for a customer's open invoices", "invoices"
        )
        json_response(
            interaction,
            200,
            {
                "items": match.each_like(
                    {
                        "id": erp_number("90000001"),
                        "status": match.regex("open", regex=r"^(open|partially_paid)$"),
                        "invoiceDate": match.date("2026-11-28"),
                        "salesOrderId": erp_number(SALES_ORDER_ID),
                        "netAmount": money("228.00"),
                    }
                )
            },
        )
        async with served(erp_pact, erp_at) as erp:
            invoices = await erp.open_invoices(CUSTOMER_ID, limit=5)

        assert invoices[0].net_amount.amount == Decimal("228.00")


class TestCredit:
    async def test_credit_position(self, erp_pact: Pact, erp_at: ErpAt) -> None:
        interaction = credit_request(erp_pact, "a request for a customer's credit for the 360 view")
        json_response(interaction, 200, credit_position("limit", "exposure", "available"))
        async with served(erp_pact, erp_at) as erp:
            credit = await erp.credit(CUSTOMER_ID)

        assert credit is not None
        assert credit.limit == Decimal("50000.00")

    async def test_customer_without_credit_account(self, erp_pact: Pact, erp_at: ErpAt) -> None:
        without_credit_account(erp_pact, "a request for the 360 credit of a customer without one")
        async with served(erp_pact, erp_at) as erp:
            credit = await erp.credit(CUSTOMER_ID)

        assert credit is None
