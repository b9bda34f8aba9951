"""The real stack on loopback: both emulators, both System APIs and this service.

The emulators and System APIs start once per session; this service runs once, on its own Redis
database. Tests keep out of each other's way with customers of their own (a random tag in every
name, postal code and domain); `world` arranges data in the emulators and reads back what the
systems hold.
"""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import pytest_asyncio
import redis
import redis.asyncio

from trivium_testing.integration import OrgRecords, wait_for_status
from trivium_testing.services import RunningService
from trivium_testing.stack import (
    ServiceUnderTest,
    SystemStack,
    redis_db,
    service_client,
)
from trivium_testing.stack_fixtures import caller_fixture, stack_service_fixture

CUSTOMERS_DB = 1
BP = "/API_BUSINESS_PARTNER"
# Short waits, so that retries and the watchdog happen within a test.
FAST_CUSTOMERS = {
    "CREATE_CUSTOMER_RETRY_BASE_SECONDS": "0.2",
    "CREATE_CUSTOMER_RETRY_MAX_SECONDS": "0.5",
    "CREATE_CUSTOMER_MAX_ATTEMPTS": "40",
    "CREATE_CUSTOMER_QUEUE_VISIBILITY_TIMEOUT_SECONDS": "3",
    "CREATE_CUSTOMER_REQUEST_LOCK_SECONDS": "1",
    "CREATE_CUSTOMER_WATCHDOG_SECONDS": "5",
    "CREATE_CUSTOMER_WAKE_UP_POLL_SECONDS": "0.2",
    "CREATE_CUSTOMER_WORKERS": "2",
    # Repeats of a key wait for the first request however slow a loaded machine makes it.
    "CREATE_CUSTOMER_IDEMPOTENCY_WAIT_SECONDS": "120",
}


# This service with two workers, on its own Redis database.
customers_service = stack_service_fixture("create-customer", db=CUSTOMERS_DB, **FAST_CUSTOMERS)
customers = caller_fixture()


@pytest.fixture
def service_under_test(customers_service: RunningService) -> ServiceUnderTest:
    return ServiceUnderTest(customers_service.url, audience="create-customer")


@pytest_asyncio.fixture
async def events(system_stack: SystemStack) -> AsyncIterator[redis.asyncio.Redis]:
    """This service's Redis database, to read its event stream."""
    client = redis.asyncio.Redis.from_url(redis_db(system_stack.redis_url, CUSTOMERS_DB))
    yield client
    await client.aclose()


def tag(length: int = 8) -> str:
    """A word no other test uses: letters only, so that it is one word in a name."""
    return "".join(secrets.choice("bcdfghjklmnpqrstvwxz") for _ in range(length))


def new_customer(**changes: Any) -> dict[str, Any]:
    """A valid customer nobody has created yet."""
    word = tag()
    body: dict[str, Any] = {
        "name": f"  {word.capitalize()}   Manufacturing Ltd ",
        "address": {
            "street": "North First Street",
            "houseNumber": "2100",
            "city": "San Jose",
            "postalCode": f"9{secrets.randbelow(10**4):04d}",
            "region": "California",
            "country": "US",
        },
        "phone": "(408) 555-0100",
        "email": f"AP@{word}.example",
        "website": f"www.{word}.example",
        "industry": "manufacturing",
    }
    body.update(changes)
    return body


async def create(
    client: httpx.AsyncClient, body: dict[str, Any], *, key: str | None = None, **params: str
) -> httpx.Response:
    return await client.post(
        "/customers",
        json=body,
        params=params,
        headers={"Idempotency-Key": key or secrets.token_hex(8)},
    )


class World(OrgRecords):
    """Arranges CRM and ERP data through the emulators and System API; reads back results."""

    def __init__(
        self, org: httpx.AsyncClient, sap: httpx.AsyncClient, erp: httpx.AsyncClient
    ) -> None:
        super().__init__(org)
        self.sap = sap
        self.erp = erp

    async def insert_account(self, fields: dict[str, Any]) -> str:
        return await self.insert("Account", fields)

    async def accounts_named(self, word: str) -> list[dict[str, Any]]:
        """Accounts whose name contains the word, with the fields this flow writes."""
        return await self.query(
            "SELECT Id, Name, ERP_Customer_Number__c, Phone, Website, Industry, BillingStreet, "
            "BillingCity, BillingPostalCode, BillingState, BillingCountry FROM Account "
            f"WHERE Name LIKE '%{word}%'"
        )

    async def partners_named(self, word: str) -> list[dict[str, Any]]:
        """Business partners whose first name line contains the word, with address and roles."""
        response = await self.sap.get(
            f"{BP}/A_BusinessPartner",
            params={
                "$filter": f"substringof('{word.capitalize()}',OrganizationBPName1) eq true",
                "$expand": "to_BusinessPartnerAddress,to_BusinessPartnerRole,"
                "to_Customer/to_CustomerSalesArea,to_BusinessPartnerAddress/to_PhoneNumber",
            },
        )
        response.raise_for_status()
        rows: list[dict[str, Any]] = response.json()["d"]["results"]
        return rows

    async def erp_customer(self, body: dict[str, Any]) -> dict[str, Any]:
        """A customer created in the ERP only (through the ERP System API)."""
        response = await self.erp.post("/customers", json=body)
        assert response.status_code == 201, response.text
        created: dict[str, Any] = response.json()
        return created


@pytest_asyncio.fixture
async def world(system_stack: SystemStack) -> AsyncIterator[World]:
    async with (
        system_stack.salesforce_org() as org,
        system_stack.sap_odata() as sap,
        service_client(system_stack.erp_system.url, audience="erp-system") as erp,
        system_stack.s4_admin() as s4_admin,
    ):
        yield World(org, sap, erp)
        await s4_admin.delete("/chaos")


async def wait_for_request(
    client: httpx.AsyncClient, request_id: str, *, until: str, within_seconds: float = 30
) -> dict[str, Any]:
    """Poll the request's status resource until it reaches `until`."""
    return await wait_for_status(
        client, f"/customers/requests/{request_id}", until=until, within_seconds=within_seconds
    )
