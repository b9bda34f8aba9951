"""What customer-sync relies on from the ERP System API: customer and sales order changes since
a moment, customer profiles (read and written) and the catalog in pages."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from pact import Pact, match

from customer_sync_process.adapters.erp_system import ErpSystemErp
from customer_sync_process.domain.values import erp_write
from trivium_testing.pact_matchers import bearer_token, decimal_string, money, problem

pytestmark = [pytest.mark.contract, pytest.mark.asyncio]

ErpAt = Callable[[object], AbstractAsyncContextManager[ErpSystemErp]]

CUSTOMER_ID = "1000001"
ACCOUNT_ID = "001000000000001AAA"
ORDER_ID = "5000001"
SYSTEM_ID = "S4H/100"
SINCE = datetime(2026, 11, 28, 10, 0, tzinfo=UTC)
ERP_NUMBER = r"^[A-Za-z0-9]{1,10}$"
TIMESTAMP = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$"
PROGRESS = r"^(not_started|partial|complete|not_relevant)$"


def erp_number(example: str = CUSTOMER_ID) -> Any:
    return match.regex(example, regex=ERP_NUMBER)


def timestamp(example: str = "2026-11-28T10:15:00Z") -> Any:
    return match.regex(example, regex=TIMESTAMP)


def count(example: str = "200") -> Any:
    return match.regex(example, regex=r"^[1-9]\d*$")


def linked_customer() -> dict[str, str]:
    return {"customerId": CUSTOMER_ID, "externalId": ACCOUNT_ID, "orderId": ORDER_ID}


def profile_body() -> dict[str, Any]:
    return {
        "id": erp_number(),
        "externalId": match.str(ACCOUNT_ID),
        "name": match.str("Nordwind Getraenke GmbH"),
        "phone": match.str("+4989123456"),
        "address": {
            "street": match.str("Leopoldstrasse"),
            "houseNumber": match.str("1"),
            "city": match.str("Muenchen"),
            "postalCode": match.str("80802"),
            "country": match.regex("DE", regex=r"^[A-Z]{2}$"),
        },
        "blocked": match.bool(False),
        "paymentTerms": match.str("0001"),
        "creditLimit": money("50000.00"),
        "changedAt": timestamp(),
    }


class TestGetProfile:
    async def test_profile_of_a_linked_customer(self, erp_pact: Pact, erp_at: ErpAt) -> None:
        (
            erp_pact.upon_receiving("a request for a customer profile")
            .given("a customer profile linked to a CRM account changed", **linked_customer())
            .with_request("GET", f"/customers/{CUSTOMER_ID}/profile")
            .with_header("Authorization", bearer_token())
            .will_respond_with(200)
            .with_body(profile_body(), content_type="application/json")
        )
        with erp_pact.serve(addr="127.0.0.1") as server:
            async with erp_at(server.url) as erp:
                profile = await erp.get_profile(CUSTOMER_ID)

        assert profile is not None
        assert profile.external_id == ACCOUNT_ID

    async def test_unknown_customer(self, erp_pact: Pact, erp_at: ErpAt) -> None:
        (
            erp_pact.upon_receiving("a request for the profile of an unknown customer")
            .given("no customer has the number", customerId=CUSTOMER_ID)
            .with_request("GET", f"/customers/{CUSTOMER_ID}/profile")
            .with_header("Authorization", bearer_token())
            .will_respond_with(404)
            .with_body(problem("customer-not-found", 404), content_type="application/problem+json")
        )
        with erp_pact.serve(addr="127.0.0.1") as server:
            async with erp_at(server.url) as erp:
                profile = await erp.get_profile(CUSTOMER_ID)

        assert profile is None


class TestUpdateProfile:
    async def test_crm_owned_fields_written(self, erp_pact: Pact, erp_at: ErpAt) -> None:
        body = erp_write(
            {
                "name": "Nordwind Getraenke GmbH",
                "phone": "+4989123456",
                "billingAddress": {
                    "street": "Leopoldstrasse 1",
                    "city": "Muenchen",
                    "postalCode": "80802",
                    "country": "DE",
                },
            }
        )
        (
            erp_pact.upon_receiving("an update of the CRM-owned fields of a customer")
            .given("a customer profile linked to a CRM account changed", **linked_customer())
            .with_request("PATCH", f"/customers/{CUSTOMER_ID}/profile")
            .with_header("Authorization", bearer_token())
            .with_body(
                {
                    "name": match.str("Nordwind Getraenke GmbH"),
                    "phone": match.str("+4989123456"),
                    "address": {
                        "street": match.str("Leopoldstrasse"),
                        "houseNumber": match.str("1"),
                        "city": match.str("Muenchen"),
                        "postalCode": match.str("80802"),
                        "country": match.regex("DE", regex=r"^[A-Z]{2}$"),
                    },
                },
                content_type="application/json",
            )
            .will_respond_with(200)
            .with_body(profile_body(), content_type="application/json")
        )
        with erp_pact.serve(addr="127.0.0.1") as server:
            async with erp_at(server.url) as erp:
                profile = await erp.update_profile(CUSTOMER_ID, body)

        assert profile.id == CUSTOMER_ID


class TestCustomerChanges:
    async def test_customers_changed_since(self, erp_pact: Pact, erp_at: ErpAt) -> None:
        (
            erp_pact.upon_receiving("a read of customers changed since a moment")
            .given("a customer profile linked to a CRM account changed", **linked_customer())
            .with_request("GET", "/changes/customers")
            .with_query_parameter("since", timestamp(SINCE.isoformat()))
            .with_query_parameter("limit", count())
            .with_header("Authorization", bearer_token())
            .will_respond_with(200)
            .with_body(
                {
                    "items": match.each_like(profile_body()),
                    "hasMore": match.bool(False),
                    "systemId": match.str(SYSTEM_ID),
                },
                content_type="application/json",
            )
        )
        with erp_pact.serve(addr="127.0.0.1") as server:
            async with erp_at(server.url) as erp:
                page = await erp.customer_changes(since=SINCE, limit=200)

        assert [profile.id for profile in page.items] == [CUSTOMER_ID]
        assert page.system_id == SYSTEM_ID


class TestSalesOrderChanges:
    async def test_sales_orders_changed_since(self, erp_pact: Pact, erp_at: ErpAt) -> None:
        (
            erp_pact.upon_receiving("a read of sales orders changed since a moment")
            .given("a customer profile linked to a CRM account changed", **linked_customer())
            .with_request("GET", "/changes/sales-orders")
            .with_query_parameter("since", timestamp(SINCE.isoformat()))
            .with_query_parameter("limit", count())
            .with_header("Authorization", bearer_token())
            .will_respond_with(200)
            .with_body(
                {
                    "items": match.each_like(
                        {
                            "id": erp_number(ORDER_ID),
                            "customerId": erp_number(),
                            "status": match.str("billed"),
                            "deliveryStatus": match.regex("complete", regex=PROGRESS),
                            "billingStatus": match.regex("complete", regex=PROGRESS),
                            "invoiceNumbers": match.each_like(match.str("90000001")),
                            "changedAt": timestamp(),
                        }
                    ),
                    "hasMore": match.bool(False),
                    "systemId": match.str(SYSTEM_ID),
                },
                content_type="application/json",
            )
        )
        with erp_pact.serve(addr="127.0.0.1") as server:
            async with erp_at(server.url) as erp:
                page = await erp.sales_order_changes(since=SINCE, limit=200)

        assert page.items[0].invoice_numbers == ["90000001"]
        assert page.system_id == SYSTEM_ID


class TestCatalogPage:
    async def test_first_page(self, erp_pact: Pact, erp_at: ErpAt) -> None:
        (
            erp_pact.upon_receiving("a request for the first page of the catalog")
            .given("a product is in stock", sku="TG-1000")
            .with_request("GET", "/catalog")
            .with_query_parameter("limit", count("5000"))
            .with_header("Authorization", bearer_token())
            .will_respond_with(200)
            .with_body(
                {
                    "items": match.each_like(
                        {
                            "sku": match.str("TG-1000"),
                            "name": match.str("Tegernseer Hell 0.5 l"),
                            "unitPrice": money("114.00"),
                            "availableQuantity": decimal_string("40"),
                        }
                    ),
                    "nextCursor": None,
                },
                content_type="application/json",
            )
        )
        with erp_pact.serve(addr="127.0.0.1") as server:
            async with erp_at(server.url) as erp:
                page = await erp.catalog_page(cursor=None, limit=5000)

        assert page.items[0].available_quantity == Decimal(40)
        assert page.next_cursor is None
