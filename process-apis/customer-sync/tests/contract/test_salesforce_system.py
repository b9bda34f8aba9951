"""What customer-sync relies on from the Salesforce System API: the account change feed (long
poll from a position), account profiles with the ERP-kept fields, the account of an ERP customer,
order ERP status and the product upsert."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from pact import Pact, match
from pact.interaction import HttpInteraction

from customer_sync_process.adapters.ports import ErpCatalogItem
from customer_sync_process.adapters.salesforce_system import SalesforceSystemCrm
from customer_sync_process.domain.errors import PositionUnavailable
from customer_sync_process.domain.products import product_row
from customer_sync_process.domain.values import crm_write
from trivium.schemas import Money
from trivium_testing.mock_servers import AdapterAt, served
from trivium_testing.pact_interactions import json_response, problem_response, service_request
from trivium_testing.pact_matchers import decimal_string, money, salesforce_id, timestamp
from trivium_testing.pact_salesforce_system import unknown_account

pytestmark = [pytest.mark.contract, pytest.mark.asyncio]

CHANGED_AT = "2026-11-28T10:15:00Z"

CrmAt = AdapterAt[SalesforceSystemCrm]

ACCOUNT_ID = "001000000000001AAA"
CUSTOMER_ID = "1000001"
ERP_ORDER = "5000001"
# Positions are opaque: any the feed answered with is sent back as it is.
POSITION = "position-17"
NEXT_POSITION = "position-18"
ORG_ID = "00D000000000001EAA"
POSITION_PATTERN = r"^[A-Za-z0-9_-]{1,128}$"


def seconds(example: str = "0.0") -> Any:
    return match.regex(example, regex=r"^\d+(\.\d+)?$")


def linked_account(**params: str) -> dict[str, str]:
    return {"accountId": ACCOUNT_ID, "erpCustomerNumber": CUSTOMER_ID, **params}


def profile_body() -> dict[str, Any]:
    return {
        "id": salesforce_id(ACCOUNT_ID),
        "name": match.str("Nordwind Getraenke GmbH"),
        "phone": match.str("+4989123456"),
        "billingAddress": {
            "street": match.str("Leopoldstrasse 1"),
            "city": match.str("Muenchen"),
            "postalCode": match.str("80802"),
            "country": match.str("Germany"),
        },
        "erpCustomerNumber": match.str(CUSTOMER_ID),
        "creditLimit": money("50000.00"),
        "paymentTerms": match.str("0001"),
        "erpBlocked": match.bool(False),
        "lastModifiedAt": timestamp(CHANGED_AT),
    }


def catalog_item() -> ErpCatalogItem:
    return ErpCatalogItem(
        sku="TG-1000",
        name="Tegernseer Hell 0.5 l",
        unit_price=Money(amount=Decimal("114.00"), currency="EUR"),
        available_quantity=Decimal(40),
    )


def reading_changes(interaction: HttpInteraction) -> None:
    """The long poll for the account changes after `POSITION`."""
    service_request(
        interaction,
        "GET",
        "/account-changes",
        query={"position": POSITION, "waitSeconds": seconds()},
    )


class TestReadChanges:
    async def test_changes_after_a_position(self, salesforce_pact: Pact, crm_at: CrmAt) -> None:
        interaction = salesforce_pact.upon_receiving(
            "a long poll for account changes after a position"
        ).given("an account changed after the position", **linked_account(position=POSITION))
        reading_changes(interaction)
        json_response(
            interaction,
            200,
            {
                "items": match.each_like(
                    {
                        "position": match.regex(NEXT_POSITION, regex=POSITION_PATTERN),
                        "changeType": match.regex(
                            "updated", regex=r"^(created|updated|deleted|resync)$"
                        ),
                        "accountIds": match.each_like(salesforce_id(ACCOUNT_ID)),
                        "changedFields": match.each_like(match.str("phone")),
                        "values": {"phone": match.str("+4989999999")},
                        "commitTimestamp": timestamp(CHANGED_AT),
                        "origin": {"fromSuite": match.bool(False)},
                    }
                ),
                "position": match.regex(NEXT_POSITION, regex=POSITION_PATTERN),
                "systemId": salesforce_id(ORG_ID),
            },
        )
        async with served(salesforce_pact, crm_at) as crm:
            page = await crm.read_changes(POSITION, wait_seconds=0.0)

        assert page.items[0].values == {"phone": "+4989999999"}
        assert page.items[0].change_type == "updated"
        assert page.position == NEXT_POSITION
        assert page.system_id == ORG_ID

    async def test_position_no_longer_held(self, salesforce_pact: Pact, crm_at: CrmAt) -> None:
        interaction = salesforce_pact.upon_receiving(
            "a read of account changes from a position gone"
        ).given("the CRM no longer holds the changes after the position", position=POSITION)
        reading_changes(interaction)
        problem_response(interaction, "position-unavailable", 410)
        async with served(salesforce_pact, crm_at) as crm:
            with pytest.raises(PositionUnavailable):
                await crm.read_changes(POSITION, wait_seconds=0.0)


class TestGetProfile:
    async def test_profile_of_a_linked_account(self, salesforce_pact: Pact, crm_at: CrmAt) -> None:
        interaction = salesforce_pact.upon_receiving("a request for an account profile").given(
            "an account profile linked to an ERP customer exists", **linked_account()
        )
        service_request(interaction, "GET", f"/account-profiles/{ACCOUNT_ID}")
        json_response(interaction, 200, profile_body())
        async with served(salesforce_pact, crm_at) as crm:
            profile = await crm.get_profile(ACCOUNT_ID)

        assert profile is not None
        assert profile.erp_customer_number == CUSTOMER_ID

    async def test_unknown_account(self, salesforce_pact: Pact, crm_at: CrmAt) -> None:
        unknown_account(
            salesforce_pact,
            "a request for the profile of an unknown account",
            f"/account-profiles/{ACCOUNT_ID}",
        )
        async with served(salesforce_pact, crm_at) as crm:
            profile = await crm.get_profile(ACCOUNT_ID)

        assert profile is None


class TestListProfiles:
    async def test_profiles_by_id(self, salesforce_pact: Pact, crm_at: CrmAt) -> None:
        interaction = salesforce_pact.upon_receiving("a re-read of account profiles by id").given(
            "an account profile linked to an ERP customer exists", **linked_account()
        )
        service_request(
            interaction, "GET", "/account-profiles", query={"limit": "200", "ids": ACCOUNT_ID}
        )
        json_response(
            interaction, 200, {"items": match.each_like(profile_body()), "nextCursor": None}
        )
        async with served(salesforce_pact, crm_at) as crm:
            profiles = await crm.list_profiles(ids=[ACCOUNT_ID])

        assert [profile.id for profile in profiles] == [ACCOUNT_ID]


class TestUpdateProfile:
    async def test_erp_kept_fields_written(self, salesforce_pact: Pact, crm_at: CrmAt) -> None:
        interaction = salesforce_pact.upon_receiving(
            "an update of the ERP-kept fields of an account"
        ).given("an account profile linked to an ERP customer exists", **linked_account())
        service_request(
            interaction,
            "PATCH",
            f"/account-profiles/{ACCOUNT_ID}",
            body={
                "creditLimit": decimal_string("60000.00"),
                "paymentTerms": match.str("0002"),
                "erpBlocked": match.bool(True),
            },
        )
        json_response(interaction, 200, profile_body())
        async with served(salesforce_pact, crm_at) as crm:
            profile = await crm.update_profile(
                ACCOUNT_ID,
                crm_write({"creditLimit": "60000.00", "paymentTerms": "0002", "blocked": True}),
            )

        assert profile.id == ACCOUNT_ID


class TestFindAccountId:
    async def test_account_of_an_erp_customer(self, salesforce_pact: Pact, crm_at: CrmAt) -> None:
        interaction = salesforce_pact.upon_receiving(
            "a search for the account of an ERP customer"
        ).given("an account profile linked to an ERP customer exists", **linked_account())
        service_request(
            interaction, "GET", "/accounts", query={"erpCustomerNumber": CUSTOMER_ID, "limit": "2"}
        )
        json_response(
            interaction, 200, {"items": match.each_like({"id": salesforce_id(ACCOUNT_ID)})}
        )
        async with served(salesforce_pact, crm_at) as crm:
            account_id = await crm.find_account_id(CUSTOMER_ID)

        assert account_id == ACCOUNT_ID


class TestSetOrderStatus:
    async def test_erp_status_shown_on_the_order(
        self, salesforce_pact: Pact, crm_at: CrmAt
    ) -> None:
        interaction = salesforce_pact.upon_receiving(
            "an ERP status for the order of an ERP order number"
        ).given("an order carries the ERP order number", erpOrderNumber=ERP_ORDER)
        service_request(
            interaction,
            "PATCH",
            f"/orders/by-erp-order-number/{ERP_ORDER}/erp-status",
            body={"erpStatus": match.str("Invoiced"), "invoiceNumber": match.str("90000001")},
        )
        json_response(
            interaction,
            200,
            {"orderId": salesforce_id("801000000000001AAA"), "changed": match.bool(True)},
        )
        async with served(salesforce_pact, crm_at) as crm:
            status = await crm.set_order_status(
                ERP_ORDER, erp_status="Invoiced", invoice_number="90000001"
            )

        assert status is not None
        assert status.changed

    async def test_no_order_with_the_number(self, salesforce_pact: Pact, crm_at: CrmAt) -> None:
        interaction = salesforce_pact.upon_receiving(
            "an ERP status for an ERP order number no order has"
        ).given("no order carries the ERP order number", erpOrderNumber=ERP_ORDER)
        service_request(
            interaction,
            "PATCH",
            f"/orders/by-erp-order-number/{ERP_ORDER}/erp-status",
            body={"erpStatus": match.str("Delivered")},
        )
        problem_response(interaction, "record-not-found", 404)
        async with served(salesforce_pact, crm_at) as crm:
            status = await crm.set_order_status(
                ERP_ORDER, erp_status="Delivered", invoice_number=None
            )

        assert status is None


class TestUpsertProducts:
    async def test_rows_upserted_with_a_report(self, salesforce_pact: Pact, crm_at: CrmAt) -> None:
        interaction = salesforce_pact.upon_receiving(
            "a bulk upsert of products from the ERP catalog"
        ).given("the CRM holds none of the products")
        service_request(
            interaction,
            "PUT",
            "/products",
            body={
                "products": match.each_like(
                    {
                        "sku": match.str("TG-1000"),
                        "name": match.str("Tegernseer Hell 0.5 l"),
                        "availableQuantity": decimal_string("40.00"),
                        "isActive": match.bool(True),
                        "listPrice": decimal_string("114.00"),
                    }
                )
            },
        )
        json_response(
            interaction,
            200,
            {
                "method": match.str("collections"),
                "total": match.int(1),
                "succeeded": match.int(1),
                "failed": match.int(0),
                "failures": [],
            },
        )
        async with served(salesforce_pact, crm_at) as crm:
            report = await crm.upsert_products([product_row(catalog_item())])

        assert report.succeeded == report.total == 1
