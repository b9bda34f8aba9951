"""What create-customer relies on from the ERP System API: customer search, read, creation
(once per external id) and link."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from typing import Any

import pytest
from pact import Pact, match

from create_customer_process.adapters.erp_system import ErpSystemErp
from create_customer_process.adapters.ports import CustomerDraft
from trivium_testing.pact_matchers import bearer_token, idempotency_key, problem

pytestmark = [pytest.mark.contract, pytest.mark.asyncio]

ErpAt = Callable[[object], AbstractAsyncContextManager[ErpSystemErp]]

CUSTOMER_ID = "1000001"
CUSTOMER_NAME = "Contoso Manufacturing Ltd"
ACCOUNT_ID = "001000000000001AAA"
VAT_ID = "GB123456789"
REQUEST_KEY = "erp-customer:01KB2Y7ZJ1V8X3Q5N9R2T4W6YA"
ERP_NUMBER = r"^[A-Za-z0-9]{1,10}$"


def customer_body() -> dict[str, Any]:
    return {
        "id": match.regex(CUSTOMER_ID, regex=ERP_NUMBER),
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
        (
            erp_pact.upon_receiving("a search for customers by VAT id")
            .given("a customer linked to a CRM account exists", **linked_customer(vatId=VAT_ID))
            .with_request("GET", "/customers")
            .with_query_parameter("vatId", VAT_ID)
            .with_query_parameter("limit", "50")
            .with_header("Authorization", bearer_token())
            .will_respond_with(200)
            .with_body({"items": match.each_like(customer_body())}, content_type="application/json")
        )
        with erp_pact.serve(addr="127.0.0.1") as server:
            async with erp_at(server.url) as erp:
                found = await erp.search_customers(vat_id=VAT_ID)

        assert [customer.id for customer in found] == [CUSTOMER_ID]


class TestGetCustomer:
    async def test_existing_customer(self, erp_pact: Pact, erp_at: ErpAt) -> None:
        (
            erp_pact.upon_receiving("a request for a customer")
            .given("a customer linked to a CRM account exists", **linked_customer())
            .with_request("GET", f"/customers/{CUSTOMER_ID}")
            .with_header("Authorization", bearer_token())
            .will_respond_with(200)
            .with_body(customer_body(), content_type="application/json")
        )
        with erp_pact.serve(addr="127.0.0.1") as server:
            async with erp_at(server.url) as erp:
                customer = await erp.get_customer(CUSTOMER_ID)

        assert customer is not None
        assert customer.external_id == ACCOUNT_ID

    async def test_unknown_customer(self, erp_pact: Pact, erp_at: ErpAt) -> None:
        (
            erp_pact.upon_receiving("a request for a customer that does not exist")
            .given("no customer has the number", customerId=CUSTOMER_ID)
            .with_request("GET", f"/customers/{CUSTOMER_ID}")
            .with_header("Authorization", bearer_token())
            .will_respond_with(404)
            .with_body(problem("customer-not-found", 404), content_type="application/problem+json")
        )
        with erp_pact.serve(addr="127.0.0.1") as server:
            async with erp_at(server.url) as erp:
                customer = await erp.get_customer(CUSTOMER_ID)

        assert customer is None


class TestCreateCustomer:
    async def test_new_customer(self, erp_pact: Pact, erp_at: ErpAt) -> None:
        (
            erp_pact.upon_receiving("a request to create a customer")
            .given("no customer has the number", customerId=CUSTOMER_ID)
            .with_request("POST", "/customers")
            .with_header("Authorization", bearer_token())
            .with_header("Idempotency-Key", idempotency_key(REQUEST_KEY))
            .with_body(customer_request(), content_type="application/json")
            .will_respond_with(201)
            .with_body(customer_body(), content_type="application/json")
        )
        with erp_pact.serve(addr="127.0.0.1") as server:
            async with erp_at(server.url) as erp:
                written = await erp.create_customer(customer_draft(), idempotency_key=REQUEST_KEY)

        assert written.created
        assert written.record.id == CUSTOMER_ID

    async def test_customer_with_the_external_id_exists(
        self, erp_pact: Pact, erp_at: ErpAt
    ) -> None:
        (
            erp_pact.upon_receiving("a request to create a customer whose external id is taken")
            .given("a customer linked to a CRM account exists", **linked_customer())
            .with_request("POST", "/customers")
            .with_header("Authorization", bearer_token())
            .with_header("Idempotency-Key", idempotency_key(REQUEST_KEY))
            .with_body(customer_request(), content_type="application/json")
            .will_respond_with(409)
            .with_body(
                {
                    **problem("duplicate-customer", 409),
                    "existingCustomerId": match.regex(CUSTOMER_ID, regex=ERP_NUMBER),
                },
                content_type="application/problem+json",
            )
        )
        (
            erp_pact.upon_receiving("a request for a customer")
            .given("a customer linked to a CRM account exists", **linked_customer())
            .with_request("GET", f"/customers/{CUSTOMER_ID}")
            .with_header("Authorization", bearer_token())
            .will_respond_with(200)
            .with_body(customer_body(), content_type="application/json")
        )
        with erp_pact.serve(addr="127.0.0.1") as server:
            async with erp_at(server.url) as erp:
                written = await erp.create_customer(customer_draft(), idempotency_key=REQUEST_KEY)

        assert not written.created
        assert written.record.id == CUSTOMER_ID


class TestLinkCustomer:
    async def test_account_id_recorded(self, erp_pact: Pact, erp_at: ErpAt) -> None:
        (
            erp_pact.upon_receiving("a request to link a customer to a CRM account")
            .given("a customer linked to a CRM account exists", **linked_customer())
            .with_request("PATCH", f"/customers/{CUSTOMER_ID}")
            .with_header("Authorization", bearer_token())
            .with_body({"externalId": match.str(ACCOUNT_ID)}, content_type="application/json")
            .will_respond_with(200)
        )
        with erp_pact.serve(addr="127.0.0.1") as server:
            async with erp_at(server.url) as erp:
                await erp.link_customer(CUSTOMER_ID, ACCOUNT_ID)
