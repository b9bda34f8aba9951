"""What customer-sync relies on from the ERP System API: customer and sales order changes since
a moment, customer profiles (read and written) and the catalog in pages."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from pact import Pact, match
from pact.interaction import HttpInteraction

from customer_sync_process.adapters.erp_system import ErpSystemErp
from customer_sync_process.domain.values import erp_write
from trivium_testing.mock_servers import AdapterAt, served
from trivium_testing.pact_erp_system import unknown_customer
from trivium_testing.pact_examples import ACCOUNT_ID, CUSTOMER_ID, SALES_ORDER_ID
from trivium_testing.pact_interactions import json_response, service_request
from trivium_testing.pact_matchers import decimal_string, erp_number, money, timestamp

pytestmark = [pytest.mark.contract, pytest.mark.asyncio]

CHANGED_AT = "2026-11-28T10:15:00Z"

ErpAt = AdapterAt[ErpSystemErp]

SYSTEM_ID = "S4H/100"
SINCE = datetime(2026, 11, 28, 10, 0, tzinfo=UTC)
PROGRESS = r"^(not_started|partial|complete|not_relevant)$"


def count(example: str = "200") -> Any:
    return match.regex(example, regex=r"^[1-9]\d*$")


def linked_customer() -> dict[str, str]:
    return {"customerId": CUSTOMER_ID, "externalId": ACCOUNT_ID, "orderId": SALES_ORDER_ID}


def crm_owned_fields() -> dict[str, Any]:
    """The profile fields the CRM owns: what this service reads and writes of them."""
    return {
        "name": match.str("Nordwind Getraenke GmbH"),
        "phone": match.str("+4989123456"),
        "address": {
            "street": match.str("Leopoldstrasse"),
            "houseNumber": match.str("1"),
            "city": match.str("Muenchen"),
            "postalCode": match.str("80802"),
            "country": match.regex("DE", regex=r"^[A-Z]{2}$"),
        },
    }


def profile_body() -> dict[str, Any]:
    return {
        "id": erp_number(CUSTOMER_ID),
        "externalId": match.str(ACCOUNT_ID),
        **crm_owned_fields(),
        "blocked": match.bool(False),
        "paymentTerms": match.str("0001"),
        "creditLimit": money("50000.00"),
        "changedAt": timestamp(CHANGED_AT),
    }


def reading_changes_since(interaction: HttpInteraction, path: str) -> None:
    """A read of the records at `path` changed since `SINCE`, a page of 200."""
    service_request(
        interaction, "GET", path, query={"since": timestamp(SINCE.isoformat()), "limit": count()}
    )


def changes_page(item: dict[str, Any]) -> dict[str, Any]:
    """A page of changed records like `item`, the last one, of the ERP system `SYSTEM_ID`."""
    return {
        "items": match.each_like(item),
        "hasMore": match.bool(False),
        "systemId": match.str(SYSTEM_ID),
    }


class TestGetProfile:
    async def test_profile_of_a_linked_customer(self, erp_pact: Pact, erp_at: ErpAt) -> None:
        interaction = erp_pact.upon_receiving("a request for a customer profile").given(
            "a customer profile linked to a CRM account changed", **linked_customer()
        )
        service_request(interaction, "GET", f"/customers/{CUSTOMER_ID}/profile")
        json_response(interaction, 200, profile_body())
        async with served(erp_pact, erp_at) as erp:
            profile = await erp.get_profile(CUSTOMER_ID)

        assert profile is not None
        assert profile.external_id == ACCOUNT_ID

    async def test_unknown_customer(self, erp_pact: Pact, erp_at: ErpAt) -> None:
        unknown_customer(erp_pact, "a request for the profile of an unknown customer", "/profile")
        async with served(erp_pact, erp_at) as erp:
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
        interaction = erp_pact.upon_receiving(
            "an update of the CRM-owned fields of a customer"
        ).given("a customer profile linked to a CRM account changed", **linked_customer())
        service_request(
            interaction,
            "PATCH",
            f"/customers/{CUSTOMER_ID}/profile",
            body=crm_owned_fields(),
        )
        json_response(interaction, 200, profile_body())
        async with served(erp_pact, erp_at) as erp:
            profile = await erp.update_profile(CUSTOMER_ID, body)

        assert profile.id == CUSTOMER_ID


class TestCustomerChanges:
    async def test_customers_changed_since(self, erp_pact: Pact, erp_at: ErpAt) -> None:
        interaction = erp_pact.upon_receiving("a read of customers changed since a moment").given(
            "a customer profile linked to a CRM account changed", **linked_customer()
        )
        reading_changes_since(interaction, "/changes/customers")
        json_response(interaction, 200, changes_page(profile_body()))
        async with served(erp_pact, erp_at) as erp:
            page = await erp.customer_changes(since=SINCE, limit=200)

        assert [profile.id for profile in page.items] == [CUSTOMER_ID]
        assert page.system_id == SYSTEM_ID


class TestSalesOrderChanges:
    async def test_sales_orders_changed_since(self, erp_pact: Pact, erp_at: ErpAt) -> None:
        interaction = erp_pact.upon_receiving(
            "a read of sales orders changed since a moment"
        ).given("a customer profile linked to a CRM account changed", **linked_customer())
        reading_changes_since(interaction, "/changes/sales-orders")
        json_response(
            interaction,
            200,
            changes_page(
                {
                    "id": erp_number(SALES_ORDER_ID),
                    "customerId": erp_number(CUSTOMER_ID),
                    "status": match.str("billed"),
                    "deliveryStatus": match.regex("complete", regex=PROGRESS),
                    "billingStatus": match.regex("complete", regex=PROGRESS),
                    "invoiceNumbers": match.each_like(match.str("90000001")),
                    "changedAt": timestamp(CHANGED_AT),
                }
            ),
        )
        async with served(erp_pact, erp_at) as erp:
            page = await erp.sales_order_changes(since=SINCE, limit=200)

        assert page.items[0].invoice_numbers == ["90000001"]
        assert page.system_id == SYSTEM_ID


class TestCatalogPage:
    async def test_first_page(self, erp_pact: Pact, erp_at: ErpAt) -> None:
        interaction = erp_pact.upon_receiving("a request for the first page of the catalog").given(
            "a product is in stock", sku="TG-1000"
        )
        service_request(interaction, "GET", "/catalog", query={"limit": count("5000")})
        json_response(
            interaction,
            200,
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
        )
        async with served(erp_pact, erp_at) as erp:
            page = await erp.catalog_page(cursor=None, limit=5000)

        assert page.items[0].available_quantity == Decimal(40)
        assert page.next_cursor is None
