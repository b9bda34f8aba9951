"""What the mobile API relies on from the ERP System API for a customer 360: recent sales
orders, open invoices and the credit position."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from decimal import Decimal
from typing import Any

import pytest
from pact import Pact, match

from mobile_experience.adapters.erp_system import ErpSystemErp
from trivium_testing.pact_matchers import bearer_token, decimal_string, money, problem

pytestmark = [pytest.mark.contract, pytest.mark.asyncio]

ErpAt = Callable[[object], AbstractAsyncContextManager[ErpSystemErp]]

CUSTOMER_ID = "1000001"
ORDER_ID = "5000001"
ERP_NUMBER = r"^[A-Za-z0-9]{1,10}$"
HISTORY = "a customer with sales orders and open invoices exists"


def erp_number(example: str) -> Any:
    return match.regex(example, regex=ERP_NUMBER)


def customer_with_history() -> dict[str, str]:
    return {"customerId": CUSTOMER_ID, "orderId": ORDER_ID, "invoiceId": "90000001"}


class TestRecentOrders:
    async def test_sales_orders_of_a_customer(self, erp_pact: Pact, erp_at: ErpAt) -> None:
        (
            erp_pact.upon_receiving("a request for a customer's sales orders")
            .given(
                "a customer with sales orders and open invoices exists", **customer_with_history()
            )
            .with_request("GET", f"/customers/{CUSTOMER_ID}/sales-orders")
            .with_query_parameter("limit", "5")
            .with_header("Authorization", bearer_token())
            .will_respond_with(200)
            .with_body(
                {
                    "items": match.each_like(
                        {
                            "id": erp_number(ORDER_ID),
                            "status": match.str("open"),
                            "deliveryStatus": match.str("not_started"),
                            "billingStatus": match.str("not_started"),
                            "total": money("228.00"),
                            "createdOn": match.date("2026-11-28"),
                            "externalReference": match.str("PO-4711"),
                        }
                    )
                },
                content_type="application/json",
            )
        )
        with erp_pact.serve(addr="127.0.0.1") as server:
            async with erp_at(server.url) as erp:
                orders = await erp.recent_orders(CUSTOMER_ID, limit=5)

        assert [order.id for order in orders] == [ORDER_ID]


class TestOpenInvoices:
    async def test_open_invoices_of_a_customer(self, erp_pact: Pact, erp_at: ErpAt) -> None:
        (
            erp_pact.upon_receiving("a request for a customer's open invoices")
            .given(
                "a customer with sales orders and open invoices exists", **customer_with_history()
            )
            .with_request("GET", f"/customers/{CUSTOMER_ID}/invoices")
            .with_query_parameter("limit", "5")
            .with_header("Authorization", bearer_token())
            .will_respond_with(200)
            .with_body(
                {
                    "items": match.each_like(
                        {
                            "id": erp_number("90000001"),
                            "status": match.regex("open", regex=r"^(open|partially_paid)$"),
                            "invoiceDate": match.date("2026-11-28"),
                            "salesOrderId": erp_number(ORDER_ID),
                            "netAmount": money("228.00"),
                        }
                    )
                },
                content_type="application/json",
            )
        )
        with erp_pact.serve(addr="127.0.0.1") as server:
            async with erp_at(server.url) as erp:
                invoices = await erp.open_invoices(CUSTOMER_ID, limit=5)

        assert invoices[0].net_amount.amount == Decimal("228.00")


class TestCredit:
    async def test_credit_position(self, erp_pact: Pact, erp_at: ErpAt) -> None:
        (
            erp_pact.upon_receiving("a request for a customer's credit for the 360 view")
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
                credit = await erp.credit(CUSTOMER_ID)

        assert credit is not None
        assert credit.limit == Decimal("50000.00")

    async def test_customer_without_credit_account(self, erp_pact: Pact, erp_at: ErpAt) -> None:
        (
            erp_pact.upon_receiving("a request for the 360 credit of a customer without one")
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
                credit = await erp.credit(CUSTOMER_ID)

        assert credit is None
