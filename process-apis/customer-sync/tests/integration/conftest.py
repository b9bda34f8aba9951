"""The real stack on loopback: both emulators, both System APIs and this service.

This service runs once for the session on its Redis database (7) with short poll, lease and
long-poll times; the tests that kill it restart it on the same port and database. Each test
links its own CRM account to its own ERP customer (the ERP-only demo customers 1000004..), so
tests keep out of each other's way; `world` arranges data and reads back what the systems hold.
"""

from __future__ import annotations

import asyncio
import itertools
import secrets
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio

from trivium_testing.integration import OrgRecords
from trivium_testing.services import RunningService, start_service
from trivium_testing.stack import SALESFORCE_DATA_PATH as DATA
from trivium_testing.stack import (
    ServiceUnderTest,
    SystemStack,
    flush_db,
    redis_db,
    replay_id_of,
    service_client,
)
from trivium_testing.stack_fixtures import caller_fixture
from trivium_testing.waiting import until

SYNC_DB = 7
POLL_SECONDS = 1.0
FAST_SYNC = {
    "CUSTOMER_SYNC_ERP_POLL_SECONDS": str(POLL_SECONDS),
    "CUSTOMER_SYNC_ERP_POLL_OVERLAP_SECONDS": "1",
    "CUSTOMER_SYNC_CDC_WAIT_SECONDS": "5",
    "CUSTOMER_SYNC_LEASE_SECONDS": "2",
    "CUSTOMER_SYNC_RETRY_SECONDS": "0.3",
    "CUSTOMER_SYNC_PRODUCT_SYNC_INTERVAL_SECONDS": "86400",
}


def new_phone(area_code: str) -> str:
    """A German phone number in `area_code` that no other edit uses."""
    return f"+49 {area_code} {secrets.randbelow(10**7):07d}"


# ERP-only demo customers; each test links a CRM account of its own to one of them.
_customers = itertools.count(1_000_010)


@dataclass
class SyncService:
    """This service's process, restartable on the same port and database."""

    stack: SystemStack
    run_dir: Path
    env: dict[str, str]
    current: RunningService | None = None

    @property
    def url(self) -> str:
        assert self.current is not None
        return self.current.url

    def start(self, *, port: int | None = None, name: str = "customer-sync") -> RunningService:
        return start_service(
            "customer_sync_process.main:create_app",
            name=name,
            log_dir=self.run_dir / "logs",
            env=self.env,
            port=port,
        )

    def stop(self) -> None:
        if self.current is not None:
            self.current.stop()
            self.current = None

    def restart(self, *, kill: bool) -> None:
        assert self.current is not None
        port = self.current.port
        self.current.stop(kill=kill)
        self.current = self.start(port=port)


@pytest.fixture(scope="session")
def sync_service(system_stack: SystemStack, trivium_run_dir: Path) -> Iterator[SyncService]:
    flush_db(redis_db(system_stack.redis_url, SYNC_DB))
    env = system_stack.caller_env("customer-sync", db=SYNC_DB, **FAST_SYNC)
    service = SyncService(system_stack, trivium_run_dir, env)
    service.current = service.start()
    _running.append(service)
    asyncio.run(change_feed_position_resolved(service.url))
    yield service
    service.stop()


async def change_feed_position_resolved(url: str) -> None:
    """Wait until the service leads and has read the change feed once: a first start reads from
    `now`, which means the feed's end when that first read happens, so an account a test makes
    before it would never be seen."""
    async with service_client(url, audience="customer-sync") as client:

        async def resolved() -> bool:
            response = await client.get("/status")
            position = response.json().get("changeEvents", {}).get("position")
            return response.status_code == 200 and position not in (None, "", "now", "earliest")

        await until(resolved, what="customer-sync read the change feed once")


_running: list[SyncService] = []
HERE = Path(__file__).resolve().parent


def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> None:
    # The service's loops keep writing to the shared stack (order status, account fields from the
    # ERP): stop it once this folder's tests are done, so that later suites on the same stack see
    # only their own Salesforce calls and change events.
    if nextitem is None or HERE not in Path(nextitem.path).resolve().parents:
        for service in _running:
            service.stop()


sync = caller_fixture()


@pytest.fixture
def service_under_test(sync_service: SyncService) -> ServiceUnderTest:
    return ServiceUnderTest(sync_service.url, audience="customer-sync")


class World(OrgRecords):
    """Arranges data in the emulators and reads back what the systems and this service hold."""

    def __init__(self, **clients: httpx.AsyncClient) -> None:
        super().__init__(clients["org"])
        self.sap = clients["sap"]
        self.erp = clients["erp"]
        self.s4_admin = clients["s4_admin"]
        self.sf_admin = clients["sf_admin"]
        self.sync = clients["sync"]
        self.sync_crm = clients["crm"]
        self._csrf: str | None = None

    async def account(self, account_id: str, *fields: str) -> dict[str, Any]:
        response = await self.org.get(
            f"{DATA}/sobjects/Account/{account_id}", params={"fields": ",".join(fields)}
        )
        response.raise_for_status()
        record: dict[str, Any] = response.json()
        return record

    async def erp_profile(self, customer: str) -> dict[str, Any]:
        response = await self.erp.get(f"/customers/{customer}/profile")
        response.raise_for_status()
        profile: dict[str, Any] = response.json()
        return profile

    async def linked_account(self) -> tuple[str, str]:
        """A new CRM account linked to an ERP customer of its own (same name, so nothing needs
        syncing), once this service has seen it; (account id, customer number)."""
        customer = str(next(_customers))
        profile = await self.erp_profile(customer)
        account_id = await self.insert(
            "Account", {"Name": profile["name"], "ERP_Customer_Number__c": customer}
        )
        await self.events_consumed()
        return account_id, customer

    async def status(self) -> dict[str, Any]:
        response = await self.sync.get("/status")
        response.raise_for_status()
        status: dict[str, Any] = response.json()
        return status

    async def position(self) -> int:
        """The replay id of the last account change event this service committed (0: none)."""
        return replay_id_of((await self.status())["changeEvents"].get("position", ""))

    async def latest_account_event(self) -> int:
        """The replay id of the org's newest account change event."""
        response = await self.sf_admin.get("/cdc/latest", params={"object": "Account"})
        response.raise_for_status()
        replay_id: int = response.json()["replayId"]
        return replay_id

    async def events_consumed(self) -> None:
        """Wait until this service has consumed every account change event made so far."""
        latest = await self.latest_account_event()

        async def reached() -> bool:
            return await self.position() >= latest

        await until(reached, what=f"account change event {latest} consumed")

    async def erp_polls_completed(self) -> int:
        completed: int = (await self.status())["erpPolls"]["completed"]
        return completed

    async def settled(self) -> None:
        """Wait until this service has done what it had to: two more ERP polls completed (so
        one that started after this call), then every account change event made by then
        consumed (including those of its own writes to the CRM)."""
        wanted = await self.erp_polls_completed() + 2

        async def polled() -> bool:
            return await self.erp_polls_completed() >= wanted

        await until(polled, what="two more ERP polls")
        await self.events_consumed()

    async def force_gap(self, account_id: str) -> None:
        """The account's next change comes as a gap event (no values), whoever else writes."""
        response = await self.sf_admin.put("/cdc/gaps", json={"count": 1, "recordId": account_id})
        assert response.json() == {"count": 1}, response.text

    async def sap_write(self, method: str, path: str, body: dict[str, Any]) -> None:
        """A change made in the ERP itself (OData, with a CSRF token)."""
        if self._csrf is None:
            fetched = await self.sap.get(
                "/API_BUSINESS_PARTNER/", headers={"X-CSRF-Token": "Fetch"}
            )
            self._csrf = fetched.headers["x-csrf-token"]
        response = await self.sap.request(
            method, path, json=body, headers={"X-CSRF-Token": self._csrf, "If-Match": "*"}
        )
        assert response.status_code in (200, 201, 204), response.text

    async def set_credit_limit(self, customer: str, amount: Decimal) -> None:
        await self.sap_write(
            "PATCH",
            f"/API_CRDTMBUSINESSPARTNER/CreditManagementAccount(BusinessPartner='{customer}',"
            "CreditSegment='1000')",
            {"CreditLimitAmount": format(amount, "f")},
        )

    async def set_erp_phone(self, customer: str, phone: str) -> None:
        response = await self.sap.get(
            "/API_BUSINESS_PARTNER/A_BusinessPartner",
            params={"$filter": f"Customer eq '{customer}'",
                    "$expand": "to_BusinessPartnerAddress/to_PhoneNumber"},
        )  # fmt: skip
        partner = response.json()["d"]["results"][0]
        address = partner["to_BusinessPartnerAddress"]["results"][0]
        numbers = address["to_PhoneNumber"]["results"]
        if numbers:
            key = numbers[0]
            await self.sap_write(
                "PATCH",
                f"/API_BUSINESS_PARTNER/A_AddressPhoneNumber(AddressID='{key['AddressID']}',"
                f"Person='{key['Person']}',OrdinalNumber='{key['OrdinalNumber']}')",
                {"PhoneNumber": phone},
            )
        else:
            await self.sap_write(
                "POST",
                "/API_BUSINESS_PARTNER/A_AddressPhoneNumber",
                {"AddressID": address["AddressID"], "Person": "", "PhoneNumber": phone},
            )

    async def audit(self, limit: int = 1_000) -> list[dict[str, Any]]:
        response = await self.sync.get("/audit", params={"limit": limit})
        response.raise_for_status()
        entries: list[dict[str, Any]] = response.json()
        return entries

    async def audit_of(self, *record_ids: str) -> list[dict[str, Any]]:
        """This service's audit entries for the given records (CRM or ERP ids), newest first."""
        return [entry for entry in await self.audit() if entry["entityId"] in record_ids]

    async def audited(
        self, record_id: str, matches: Callable[[dict[str, Any]], bool], *, what: str
    ) -> dict[str, Any]:
        """Wait until an audit entry for the record `matches`; that entry. (The audit entry is
        committed after the write it records: wait for it, not for the written value.)"""
        found: list[dict[str, Any]] = []

        async def check() -> bool:
            found[:] = [entry for entry in await self.audit_of(record_id) if matches(entry)]
            return bool(found)

        await until(check, what=what)
        return found[0]


@pytest_asyncio.fixture
async def world(system_stack: SystemStack, sync: httpx.AsyncClient) -> AsyncIterator[World]:
    async with (
        system_stack.salesforce_org() as org,
        system_stack.sap_odata() as sap,
        service_client(system_stack.erp_system.url, audience="erp-system") as erp,
        service_client(system_stack.sf_system.url, audience="salesforce-system") as crm,
        system_stack.s4_admin() as s4_admin,
        system_stack.sf_admin() as sf_admin,
    ):
        yield World(
            org=org, sap=sap, erp=erp, crm=crm, s4_admin=s4_admin, sf_admin=sf_admin, sync=sync
        )
