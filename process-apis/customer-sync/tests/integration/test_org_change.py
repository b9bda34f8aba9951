"""The CRM replaced by another org (a sandbox refresh, or a fresh emulator database) while this
service keeps its state: the new org numbers its change events from 1 again, and its edits
still reach the ERP.

The org here is a private one (emulator and Salesforce System API of this test's own, on free
ports), so that replacing it leaves the shared stack alone; the ERP is the shared one, with a
customer created for this test.
"""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import pytest_asyncio
import redis

from trivium_testing.services import RunningService, start_service
from trivium_testing.stack import (
    ADMIN_TOKEN,
    CREDENTIALS_ENV,
    SALESFORCE_CLIENT,
    SystemStack,
    redis_db,
    service_client,
)
from trivium_testing.stack import SALESFORCE_DATA_PATH as DATA
from trivium_testing.waiting import until

from .conftest import new_phone

pytestmark = pytest.mark.asyncio

ORG_CHANGE_DB = 11
SYNC_ENV = {
    "CUSTOMER_SYNC_ERP_POLL_SECONDS": "1",
    "CUSTOMER_SYNC_ERP_POLL_OVERLAP_SECONDS": "1",
    "CUSTOMER_SYNC_CDC_WAIT_SECONDS": "5",
    "CUSTOMER_SYNC_LEASE_SECONDS": "2",
    "CUSTOMER_SYNC_RETRY_SECONDS": "0.3",
    "CUSTOMER_SYNC_PRODUCT_SYNC_INTERVAL_SECONDS": "86400",
}
EDITS_IN_THE_FIRST_ORG = 3


@dataclass
class PrivateOrg:
    """An org emulator that can be replaced by a new org on the same URL, its Salesforce System
    API, and this service on both the org and the shared ERP System API."""

    emulator: RunningService
    sf_system: RunningService
    sync: RunningService
    start_emulator: Callable[[int | None], RunningService]

    def replace(self) -> None:
        """A new org where the old one was: a fresh database, change events from 1 again."""
        port = self.emulator.port
        self.emulator.stop(kill=True)
        self.emulator = self.start_emulator(port)

    def stop(self) -> None:
        for service in (self.sync, self.sf_system, self.emulator):
            service.stop()


@pytest.fixture
def private_org(system_stack: SystemStack, trivium_run_dir: Path) -> Iterator[PrivateOrg]:
    state = redis.Redis.from_url(redis_db(system_stack.redis_url, ORG_CHANGE_DB))
    state.flushdb()
    state.close()
    log_dir = trivium_run_dir / "logs"

    def start_emulator(port: int | None) -> RunningService:
        return start_service(
            "salesforce_emulator.main:create_app",
            name="sf-emulator-private",
            log_dir=log_dir,
            port=port,
            env={
                **CREDENTIALS_ENV,
                "SF_EMULATOR_DATABASE_PATH": ":memory:",
                "SF_EMULATOR_SEED_DEMO_DATA": "false",
                "SF_EMULATOR_ADMIN_TOKEN": ADMIN_TOKEN,
            },
        )

    emulator = start_emulator(None)
    started = [emulator]
    try:
        sf_system = start_service(
            "salesforce_system.main:create_app",
            name="salesforce-system-private",
            log_dir=log_dir,
            env=system_stack.service_env(db=ORG_CHANGE_DB, SF_SYSTEM_LOGIN_URL=emulator.url),
        )
        started.append(sf_system)
        sync = start_service(
            "customer_sync_process.main:create_app",
            name="customer-sync-private",
            log_dir=log_dir,
            env=system_stack.service_env(
                db=ORG_CHANGE_DB,
                CUSTOMER_SYNC_SALESFORCE_SYSTEM_URL=sf_system.url,
                CUSTOMER_SYNC_ERP_SYSTEM_URL=system_stack.erp_system.url,
                **SYNC_ENV,
            ),
        )
    except Exception:
        for service in reversed(started):
            service.stop()
        raise
    org = PrivateOrg(emulator, sf_system, sync, start_emulator)
    yield org
    org.stop()


@asynccontextmanager
async def signed_in(url: str) -> AsyncIterator[tuple[httpx.AsyncClient, str]]:
    """A client of the org with an access token, and the org's id (from the token's identity
    URL, `.../id/<org id>/<user id>`)."""
    async with httpx.AsyncClient(base_url=url, timeout=30) as client:
        client_id, client_secret = SALESFORCE_CLIENT
        token = await client.post(
            "/services/oauth2/token",
            data={"grant_type": "client_credentials", "client_id": client_id,
                  "client_secret": client_secret},
        )  # fmt: skip
        token.raise_for_status()
        client.headers["Authorization"] = f"Bearer {token.json()['access_token']}"
        yield client, token.json()["id"].rstrip("/").split("/")[-2]


@pytest_asyncio.fixture
async def erp(system_stack: SystemStack) -> AsyncIterator[httpx.AsyncClient]:
    async with service_client(system_stack.erp_system.url, audience="erp-system") as client:
        yield client


@pytest_asyncio.fixture
async def sync(private_org: PrivateOrg) -> AsyncIterator[httpx.AsyncClient]:
    async with service_client(private_org.sync.url, audience="customer-sync") as client:
        yield client


async def new_customer(erp: httpx.AsyncClient) -> tuple[str, str]:
    """An ERP customer no other test knows; (customer number, name)."""
    name = f"Org Wechsel {secrets.token_hex(4)} GmbH"
    created = await erp.post(
        "/customers",
        json={"name": name, "address": {"street": "Ring 1", "city": "Kiel", "country": "DE"}},
    )
    assert created.status_code == 201, created.text
    customer: str = created.json()["id"]
    return customer, name


async def insert_account(org: httpx.AsyncClient, *, name: str, customer: str) -> str:
    created = await org.post(
        f"{DATA}/sobjects/Account", json={"Name": name, "ERP_Customer_Number__c": customer}
    )
    assert created.status_code == 201, created.text
    account_id: str = created.json()["id"]
    return account_id


async def set_phone(org: httpx.AsyncClient, account_id: str, phone: str) -> None:
    response = await org.patch(f"{DATA}/sobjects/Account/{account_id}", json={"Phone": phone})
    assert response.status_code == 204, response.text


async def phone_written(sync: httpx.AsyncClient, customer: str, phone: str, *, what: str) -> None:
    """Wait until this service has audited writing `phone` to the ERP customer."""

    async def audited() -> bool:
        response = await sync.get("/audit", params={"limit": 1_000})
        response.raise_for_status()
        return any(
            entry["entityId"] == customer and entry["after"] == {"phone": phone}
            for entry in response.json()
        )

    await until(audited, what=what, within_seconds=60)


async def change_events(sync: httpx.AsyncClient) -> dict[str, str]:
    response = await sync.get("/status")
    response.raise_for_status()
    events: dict[str, str] = response.json()["changeEvents"]
    return events


class TestOrgReplaced:
    async def test_edits_in_the_new_org_reach_the_erp(
        self, private_org: PrivateOrg, sync: httpx.AsyncClient, erp: httpx.AsyncClient
    ) -> None:
        customer, name = await new_customer(erp)
        async with signed_in(private_org.emulator.url) as (first, first_org_id):

            async def reading_the_first_org() -> bool:
                return (await change_events(sync)).get("systemId") == first_org_id

            # Reading from `now`: an edit made before this service first read the org is not
            # one it will see.
            await until(
                reading_the_first_org, what="this service reading the first org", within_seconds=60
            )
            account_id = await insert_account(first, name=name, customer=customer)
            # Events 1..n of the first org applied: their markers are kept.
            for _ in range(EDITS_IN_THE_FIRST_ORG):
                phone = new_phone("431")
                await set_phone(first, account_id, phone)
                await phone_written(sync, customer, phone, what="a first org's edit in the ERP")
        assert (await change_events(sync))["systemId"] == first_org_id

        private_org.replace()

        async with signed_in(private_org.emulator.url) as (second, second_org_id):
            assert second_org_id != first_org_id

            async def reading_the_new_org() -> bool:
                return (await change_events(sync)).get("systemId") == second_org_id

            await until(
                reading_the_new_org, what="this service reading the new org", within_seconds=60
            )
            # The new org's changes take the positions the first org's applied changes had.
            new_account = await insert_account(second, name=name, customer=customer)
            phone = new_phone("431")
            await set_phone(second, new_account, phone)

            await phone_written(sync, customer, phone, what="the new org's edit in the ERP")

        profile = await erp.get(f"/customers/{customer}/profile")
        assert profile.json()["phone"] == phone
        events = await change_events(sync)
        assert events["lastResetReason"] == "system_changed"
        assert events["previousSystemId"] == first_org_id
