"""New customers through this API and create-customer."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio

from trivium_testing.services import RunningService, start_service
from trivium_testing.stack import SystemStack

pytestmark = pytest.mark.asyncio

CREATE_CUSTOMER = "create_customer_process.main"


@pytest.fixture(scope="module")
def mobile_with_customers(
    system_stack: SystemStack, trivium_run_dir: Path, mobile_env: Any
) -> Iterator[RunningService]:
    """create-customer on the suite's process database, and this service calling it."""
    customers = start_service(
        f"{CREATE_CUSTOMER}:create_app",
        name="create-customer",
        log_dir=trivium_run_dir / "logs",
        env=system_stack.caller_env("create-customer", db=4),
    )
    try:
        mobile = start_service(
            "mobile_experience.main:create_app",
            name="mobile-experience-customers",
            log_dir=trivium_run_dir / "logs",
            env=mobile_env(system_stack, MOBILE_CREATE_CUSTOMER_URL=customers.url),
        )
    except Exception:
        customers.stop()
        raise
    yield mobile
    mobile.stop()
    customers.stop()


@pytest_asyncio.fixture
async def app(
    mobile_with_customers: RunningService, mint_rep_token: Any
) -> AsyncIterator[httpx.AsyncClient]:
    token = mint_rep_token("anna.becker@trivium.demo")
    async with httpx.AsyncClient(
        base_url=mobile_with_customers.url,
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    ) as client:
        yield client


def new_customer(**changes: Any) -> dict[str, Any]:
    tag = secrets.token_hex(4)
    customer: dict[str, Any] = {
        "name": f"Mobile Neukunde {tag} GmbH",
        "address": {
            "street": "Leopoldstraße",
            "houseNumber": "12",
            "city": "München",
            "postalCode": "80802",
            "region": "BY",
            "country": "DE",
        },
        "phone": "089 1234567",
        "website": f"https://www.neukunde-{tag}.example",
    }
    customer.update(changes)
    return customer


class TestCreateCustomer:
    async def test_a_new_customer_exists_in_both_systems(
        self, app: httpx.AsyncClient, world: Any
    ) -> None:
        customer = new_customer()
        response = await app.post(
            "/mobile/v1/customers", json=customer, headers={"Idempotency-Key": secrets.token_hex(8)}
        )
        assert response.status_code == 201, response.text
        created = response.json()
        assert created["status"] == "completed"
        assert response.headers["location"] == f"/mobile/v1/accounts/{created['accountId']}"
        [account] = await world.query(
            f"SELECT Name, ERP_Customer_Number__c FROM Account WHERE Id = '{created['accountId']}'"
        )
        assert account["Name"] == customer["name"]
        assert account["ERP_Customer_Number__c"] == created["erpCustomerNumber"]

    async def test_the_same_customer_again_is_409(self, app: httpx.AsyncClient) -> None:
        customer = new_customer()
        first = await app.post(
            "/mobile/v1/customers", json=customer, headers={"Idempotency-Key": secrets.token_hex(8)}
        )
        assert first.status_code == 201, first.text
        again = await app.post(
            "/mobile/v1/customers", json=customer, headers={"Idempotency-Key": secrets.token_hex(8)}
        )
        assert again.status_code == 409, again.text
        assert again.json()["type"].endswith("/duplicate-customer")

    async def test_bad_fields_are_422_pointing_at_them(self, app: httpx.AsyncClient) -> None:
        customer = new_customer(address={**new_customer()["address"], "country": "Atlantis"})
        response = await app.post(
            "/mobile/v1/customers", json=customer, headers={"Idempotency-Key": secrets.token_hex(8)}
        )
        assert response.status_code == 422, response.text
        problem = response.json()
        assert problem["type"].endswith("/customer-rejected")
        assert "/address/country" in [error["pointer"] for error in problem["errors"]]
