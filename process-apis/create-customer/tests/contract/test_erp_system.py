"""What create-customer relies on from the ERP System API: customer search, read, creation
(once per external id) and link."""

from __future__ import annotations

from typing import Any

import pytest
from pact import Pact, match
from pact.interaction import HttpInteraction

from create_customer_process.adapters.erp_system import ErpSystemErp
from create_customer_process.adapters.ports import CustomerDraft
from trivium_testing.mock_servers import AdapterAt, served
from trivium_testing.pact_erp_system import unknown_customer
from trivium_testing.pact_examples import ACCOUNT_ID, CUSTOMER_ID
from trivium_testing.pact_interactions import json_response, problem_response, service_request
from trivium_testing.pact_matchers import erp_number

pytestmark = [pytest.mark.contract, pytest.mark.asyncio]

ErpAt = AdapterAt[ErpSystemErp]

CUSTOMER_NAME = "Contoso Manufacturing Ltd"
VAT_ID = "GB123456789"
REQUEST_KEY = "erp-customer:01KB2Y7ZJ1V8X3Q5N9R2T4W6YA"


def customer_body() -> dict[str, Any]:
    return {
        "id": erp_number(CUSTOMER_ID),
        "name": match.str(CUSTOMER_NAME),
        "externalId": match.str(ACCOUNT_ID),
    }


def customer_draft() -> CustomerDraft:
    return CustomerDraft(
        name=CUSTOMER_NAME,
        external_id=ACCOUNT_ID,
        street="North First Street",
        house_number="2100",
        city="San Jose",
        postal_code="95110",
        region="CA",
        country="US",
        language="EN",
        vat_id=VAT_ID,
        sales_area={"sales_organization": "1710", "distribution_channel": "10", "division": "00"},
    )


def customer_request() -> dict[str, Any]:
    return {
        "name": match.str(CUSTOMER_NAME),
        "externalId": match.str(ACCOUNT_ID),
        "language": match.regex("EN", regex=r"^[A-Z]{2}$"),
        "address": {
            "street": match.str("North First Street"),
            "houseNumber": match.str("2100"),
            "city": match.str("San Jose"),
            "postalCode": match.str("95110"),
            "region": match.str("CA"),
            "country": match.regex("US", regex=r"^[A-Z]{2}$"),
        },
        "vatId": match.regex(VAT_ID, regex=r"^[A-Z0-9]+$"),
        "salesArea": {
            "salesOrganization": match.str("1710"),
            "distributionChannel": match.str("10"),
            "division": match.str("00"),
        },
    }


def linked_customer(**params: str) -> dict[str, str]:
    return {"customerId": CUSTOMER_ID, "name": CUSTOMER_NAME, "externalId": ACCOUNT_ID, **params}


class TestSearchCustomers:
    async def test_customers_with_a_vat_id(self, erp_pact: Pact, erp_at: ErpAt) -> None:
        interaction = erp_pact.upon_receiving("a search for customers by VAT id").given(
            "a customer linked to a CRM account exists", **linked_customer(vatId=VAT_ID)
        )
        service_request(interaction, "GET", "/customers", query={"vatId": VAT_ID, "limit": "50"})
        json_response(interaction, 200, {"items": match.each_like(customer_body())})
        async with served(erp_pact, erp_at) as erp:
            found = await erp.search_customers(vat_id=VAT_ID)

        assert [customer.id for customer in found] == [CUSTOMER_ID]


class TestGetCustomer:
    async def test_existing_customer(self, erp_pact: Pact, erp_at: ErpAt) -> None:
        interaction = erp_pact.upon_receiving("a request for a customer").given(
            "a customer linked to a CRM account exists", **linked_customer()
        )
        service_request(interaction, "GET", f"/customers/{CUSTOMER_ID}")
        json_response(interaction, 200, customer_body())
        async with served(erp_pact, erp_at) as erp:
            customer = await erp.get_customer(CUSTOMER_ID)

        assert customer is not None
        assert customer.external_id == ACCOUNT_ID

    async def test_unknown_customer(self, erp_pact: Pact, erp_at: ErpAt) -> None:
        unknown_customer(erp_pact, "a request for a customer that does not exist")
        async with served(erp_pact, erp_at) as erp:
            customer = await erp.get_customer(CUSTOMER_ID)

        assert customer is None


def creating_the_customer(interaction: HttpInteraction) -> None:
    """The request creating `customer_draft()`, once for its Idempotency-Key."""
    service_request(
        interaction, "POST", "/customers", idempotency_key=REQUEST_KEY, body=customer_request()
    )


class TestCreateCustomer:
    async def test_new_customer(self, erp_pact: Pact, erp_at: ErpAt) -> None:
        interaction = erp_pact.upon_receiving("a request to create a customer").given(
            "no customer has the number", customerId=CUSTOMER_ID
        )
        creating_the_customer(interaction)
        json_response(interaction, 201, customer_body())
        async with served(erp_pact, erp_at) as erp:
            written = await erp.create_customer(customer_draft(), idempotency_key=REQUEST_KEY)

        assert written.created
        assert written.record.id == CUSTOMER_ID

    async def test_customer_with_the_external_id_exists(
        self, erp_pact: Pact, erp_at: ErpAt
    ) -> None:
        interaction = erp_pact.upon_receiving(
            "a request to create a customer whose external id is taken"
        ).given("a customer linked to a CRM account exists", **linked_customer())
        creating_the_customer(interaction)
        problem_response(
            interaction,
            "duplicate-customer",
            409,
            existingCustomerId=erp_number(CUSTOMER_ID),
        )
        interaction = erp_pact.upon_receiving("a request for a customer").given(
            "a customer linked to a CRM account exists", **linked_customer()
        )
        service_request(interaction, "GET", f"/customers/{CUSTOMER_ID}")
        json_response(interaction, 200, customer_body())
        async with served(erp_pact, erp_at) as erp:
            written = await erp.create_customer(customer_draft(), idempotency_key=REQUEST_KEY)

        assert not written.created
        assert written.record.id == CUSTOMER_ID


class TestLinkCustomer:
    async def test_account_id_recorded(self, erp_pact: Pact, erp_at: ErpAt) -> None:
        interaction = erp_pact.upon_receiving(
            "a request to link a customer to a CRM account"
        ).given("a customer linked to a CRM account exists", **linked_customer())
        service_request(
            interaction,
            "PATCH",
            f"/customers/{CUSTOMER_ID}",
            body={"externalId": match.str(ACCOUNT_ID)},
        )
        json_response(interaction, 200)
        async with served(erp_pact, erp_at) as erp:
            await erp.link_customer(CUSTOMER_ID, ACCOUNT_ID)
