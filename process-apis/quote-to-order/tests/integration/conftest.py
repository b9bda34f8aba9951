"""The real stack on loopback: both emulators, both System APIs and this service.

The emulators and System APIs start once per session (they cost seconds); this service runs once
for most tests and again, with its own Redis database, for the tests that kill it. Tests keep out
of each other's way with their own quotes, accounts and purchase order numbers; `world` arranges
data in the emulators and reads back what the systems hold.
"""

from __future__ import annotations

import asyncio
import itertools
import secrets
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx
import pytest
import pytest_asyncio
import redis

from trivium.redis_discovery import RedisEndpoint
from trivium.service_auth import ServiceTokenIssuer
from trivium.testing.services import RunningService, start_service

SECRET = "integration-service-token-secret-0123456789"
ADMIN_TOKEN = "integration-admin-token"
SAP_USER = ("TRIVIUM_COMM_USER", "Trivium-Demo-Pass1")
DATA = "/services/data/v62.0"
SYSTEM_DB = 8
ORDERS_DB = 9
RECOVERY_DB = 10
# Short waits, so that retries, reclaims and the watchdog happen within a test.
FAST_ORDERS = {
    "QUOTE_TO_ORDER_RETRY_DELAYS_SECONDS": "[0.5, 1.0, 2.0, 4.0]",
    "QUOTE_TO_ORDER_QUEUE_VISIBILITY_TIMEOUT_SECONDS": "2",
    "QUOTE_TO_ORDER_ORDER_LOCK_SECONDS": "1",
    "QUOTE_TO_ORDER_WATCHDOG_SECONDS": "3",
    "QUOTE_TO_ORDER_WAKE_UP_POLL_SECONDS": "0.05",
    "TRIVIUM_BREAKER_RESET_SECONDS": "0.3",
    "TRIVIUM_HTTP_MAX_RETRIES": "1",
}


def redis_db(url: str, db: int) -> str:
    """The same Redis server, another database."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{db}", parts.query, parts.fragment))


@dataclass(frozen=True)
class Stack:
    sf_emulator: RunningService
    s4_emulator: RunningService
    sf_system: RunningService
    erp_system: RunningService
    redis_url: str

    def orders_env(self, *, db: int, **extra: str) -> dict[str, str]:
        """This service's environment against the stack, on its own Redis database."""
        return {
            "REDIS_URL": redis_db(self.redis_url, db),
            "TRIVIUM_SERVICE_TOKEN_SECRET": SECRET,
            "QUOTE_TO_ORDER_SALESFORCE_SYSTEM_URL": self.sf_system.url,
            "QUOTE_TO_ORDER_ERP_SYSTEM_URL": self.erp_system.url,
            **FAST_ORDERS,
            **extra,
        }


def _start_all(starts: list[dict[str, Any]], logs: Path) -> list[RunningService]:
    with ThreadPoolExecutor(len(starts)) as pool:
        futures = [pool.submit(start_service, log_dir=logs, **start) for start in starts]
        results = []
        for future in futures:
            try:
                results.append(future.result())
            except Exception:
                for other in futures:
                    if other.done() and other.exception() is None:
                        other.result().stop(kill=True)
                raise
        return results


@pytest.fixture(scope="session")
def stack(trivium_run_dir: Path, redis_endpoint: RedisEndpoint) -> Iterator[Stack]:
    logs = trivium_run_dir / "logs"
    system_redis = redis_db(redis_endpoint.url, SYSTEM_DB)
    sf_emulator, s4_emulator = _start_all(
        [
            {
                "app_factory": "salesforce_emulator.main:create_app",
                "name": "q2o-sf-emulator",
                "env": {
                    "SF_EMULATOR_DATABASE_PATH": ":memory:",
                    "SF_EMULATOR_ADMIN_TOKEN": ADMIN_TOKEN,
                },
            },
            {
                "app_factory": "s4hana_emulator.main:create_app",
                "name": "q2o-s4-emulator",
                "env": {
                    "S4_EMULATOR_DATABASE_PATH": ":memory:",
                    "S4_EMULATOR_LIFECYCLE_SPEED": "0",
                    "S4_EMULATOR_ADMIN_TOKEN": ADMIN_TOKEN,
                },
            },
        ],
        logs,
    )
    shared = {
        "REDIS_URL": system_redis,
        "TRIVIUM_SERVICE_TOKEN_SECRET": SECRET,
        "TRIVIUM_HTTP_MAX_RETRIES": "1",
        "TRIVIUM_BREAKER_RESET_SECONDS": "0.3",
    }
    try:
        sf_system, erp_system = _start_all(
            [
                {
                    "app_factory": "salesforce_system.main:create_app",
                    "name": "q2o-salesforce-system",
                    "env": {**shared, "SF_SYSTEM_LOGIN_URL": sf_emulator.url},
                },
                {
                    "app_factory": "erp_system.main:create_app",
                    "name": "q2o-erp-system",
                    "env": {
                        **shared,
                        "ERP_SYSTEM_BASE_URL": s4_emulator.url,
                        "ERP_SYSTEM_CREDIT_EXPOSURE_SERVICE": "YY1_CREDITEXPOSURE_CDS",
                        "ERP_SYSTEM_CREDIT_EXPOSURE_ENTITY_SET": "YY1_CreditExposure",
                    },
                },
            ],
            logs,
        )
    except Exception:
        sf_emulator.stop()
        s4_emulator.stop()
        raise
    yield Stack(sf_emulator, s4_emulator, sf_system, erp_system, redis_endpoint.url)
    for service in (erp_system, sf_system, s4_emulator, sf_emulator):
        service.stop()


@pytest.fixture(scope="session")
def orders_service(stack: Stack, trivium_run_dir: Path) -> Iterator[RunningService]:
    """This service with two workers, on its own Redis database."""
    client = redis.Redis.from_url(redis_db(stack.redis_url, ORDERS_DB))
    client.flushdb()
    client.close()
    service = start_service(
        "quote_to_order_process.main:create_app",
        name="quote-to-order",
        log_dir=trivium_run_dir / "logs",
        env=stack.orders_env(db=ORDERS_DB, QUOTE_TO_ORDER_WORKERS="2"),
    )
    yield service
    service.stop()


def service_client(url: str, *, audience: str, roles: list[str] | None = None) -> httpx.AsyncClient:
    issuer = ServiceTokenIssuer(issuer="integration-test", secret=SECRET)
    token = issuer.token_for(audience, claims={"roles": roles} if roles else None)
    return httpx.AsyncClient(base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=30)


@pytest_asyncio.fixture
async def orders(orders_service: RunningService) -> AsyncIterator[httpx.AsyncClient]:
    """This service, called with a service token."""
    async with service_client(orders_service.url, audience="quote-to-order") as client:
        yield client


@pytest_asyncio.fixture
async def operator(orders_service: RunningService) -> AsyncIterator[httpx.AsyncClient]:
    """This service, called with a token carrying the operator role."""
    async with service_client(
        orders_service.url, audience="quote-to-order", roles=["operator"]
    ) as client:
        yield client


_entries: dict[str, dict[str, str]] = {}
_numbers = itertools.count(1)


class World:
    """Arranges CRM and ERP data through the emulators and reads back what the systems hold."""

    def __init__(
        self,
        org: httpx.AsyncClient,
        sap: httpx.AsyncClient,
        erp: httpx.AsyncClient,
        sf_admin: httpx.AsyncClient,
        s4_admin: httpx.AsyncClient,
    ) -> None:
        self.org = org
        self.sap = sap
        self.erp = erp
        self.sf_admin = sf_admin
        self.s4_admin = s4_admin

    async def query(self, soql: str) -> list[dict[str, Any]]:
        response = await self.org.get(f"{DATA}/query", params={"q": soql})
        response.raise_for_status()
        records: list[dict[str, Any]] = response.json()["records"]
        return records

    async def insert(self, sobject: str, fields: dict[str, Any]) -> str:
        response = await self.org.post(f"{DATA}/sobjects/{sobject}", json=fields)
        assert response.status_code == 201, response.text
        record_id: str = response.json()["id"]
        return record_id

    async def update(self, sobject: str, record_id: str, fields: dict[str, Any]) -> None:
        response = await self.org.patch(f"{DATA}/sobjects/{sobject}/{record_id}", json=fields)
        assert response.status_code == 204, response.text

    async def entry(self, sku: str) -> dict[str, str]:
        """The standard price book entry of a sku (`Id`, `Pricebook2Id`)."""
        if not _entries:
            rows = await self.query(
                "SELECT Id, Pricebook2Id, Product2.ERP_Material__c FROM PricebookEntry "
                "WHERE Pricebook2.IsStandard = true"
            )
            for row in rows:
                _entries[row["Product2"]["ERP_Material__c"]] = row
        return _entries[sku]

    async def account_id(self, account_number: str) -> str:
        [row] = await self.query(f"SELECT Id FROM Account WHERE AccountNumber = '{account_number}'")
        account_id: str = row["Id"]
        return account_id

    async def linked_account(self, erp_customer_number: str) -> str:
        """A new CRM account linked to an existing ERP customer."""
        number = next(_numbers)
        return await self.insert(
            "Account",
            {
                "Name": f"Integration Customer {number} {secrets.token_hex(3)}",
                "AccountNumber": f"IT-{secrets.token_hex(4)}",
                "ERP_Customer_Number__c": erp_customer_number,
            },
        )

    async def erp_prices(self, customer_id: str, skus: list[str]) -> dict[str, Decimal]:
        """The customer's prices, as the ERP quotes them."""
        response = await self.erp.post(
            "/sales-orders:simulate",
            json={"customerId": customer_id, "lines": [{"sku": s, "quantity": "1"} for s in skus]},
        )
        response.raise_for_status()
        return {
            line["sku"]: Decimal(line["unitPrice"]["amount"]) for line in response.json()["lines"]
        }

    async def quote(
        self,
        *,
        account_number: str = "P-1002",
        customer_id: str = "1000002",
        lines: list[tuple[str, int]],
        status: str = "Accepted",
        expires: date | None = None,
        discount: Decimal | None = None,
    ) -> str:
        """A quote priced at the customer's ERP prices (first line discounted by `discount`)."""
        account_id = await self.account_id(account_number)
        prices = await self.erp_prices(customer_id, [sku for sku, _ in lines])
        book = (await self.entry(lines[0][0]))["Pricebook2Id"]
        opportunity = await self.insert(
            "Opportunity",
            {
                "Name": f"Integration {next(_numbers)}",
                "AccountId": account_id,
                "StageName": "Negotiation/Review",
                "CloseDate": (date.today() + timedelta(days=30)).isoformat(),
                "Pricebook2Id": book,
            },
        )
        quote_id = await self.insert(
            "Quote",
            {
                "Name": f"Integration quote {next(_numbers)}",
                "OpportunityId": opportunity,
                "Pricebook2Id": book,
                "Status": status,
                "ExpirationDate": (expires or date.today() + timedelta(days=30)).isoformat(),
            },
        )
        for index, (sku, quantity) in enumerate(lines):
            fields: dict[str, Any] = {
                "QuoteId": quote_id,
                "PricebookEntryId": (await self.entry(sku))["Id"],
                "Quantity": quantity,
                "UnitPrice": float(prices[sku]),
            }
            if index == 0 and discount:
                fields["Discount"] = float(discount)
            await self.insert("QuoteLineItem", fields)
        return quote_id

    async def erp_orders(self, reference: str) -> list[dict[str, Any]]:
        """The ERP's sales orders carrying this customer reference."""
        response = await self.sap.get(
            "/API_SALES_ORDER_SRV/A_SalesOrder",
            params={"$filter": f"PurchaseOrderByCustomer eq '{reference}'"},
        )
        response.raise_for_status()
        rows: list[dict[str, Any]] = response.json()["d"]["results"]
        return rows

    async def crm_orders(self, erp_order_number: str) -> list[dict[str, Any]]:
        """The CRM's orders carrying this ERP order number."""
        return await self.query(
            "SELECT Id, Status, QuoteId, PoNumber, TotalAmount FROM Order "
            f"WHERE ERP_Order_Number__c = '{erp_order_number}'"
        )


@pytest_asyncio.fixture
async def world(stack: Stack) -> AsyncIterator[World]:
    async with (
        httpx.AsyncClient(base_url=stack.sf_emulator.url, timeout=30) as org,
        httpx.AsyncClient(
            base_url=f"{stack.s4_emulator.url}/sap/opu/odata/sap",
            auth=SAP_USER,
            params={"sap-client": "100"},
            headers={"Accept": "application/json"},
            timeout=30,
        ) as sap,
        service_client(stack.erp_system.url, audience="erp-system") as erp,
        httpx.AsyncClient(
            base_url=f"{stack.sf_emulator.url}/__admin", headers={"X-Admin-Token": ADMIN_TOKEN}
        ) as sf_admin,
        httpx.AsyncClient(
            base_url=f"{stack.s4_emulator.url}/__admin", headers={"X-Admin-Token": ADMIN_TOKEN}
        ) as s4_admin,
    ):
        token = await org.post(
            "/services/oauth2/token",
            data={
                "grant_type": "client_credentials",
                "client_id": "trivium-demo-client",
                "client_secret": "trivium-demo-secret",
            },
        )
        org.headers["Authorization"] = f"Bearer {token.json()['access_token']}"
        yield World(org, sap, erp, sf_admin, s4_admin)
        await sf_admin.delete("/chaos")
        await s4_admin.delete("/chaos")


async def wait_for_order(
    client: httpx.AsyncClient, order_id: str, *, until: str, within_seconds: float = 15
) -> dict[str, Any]:
    """Poll the order's status resource until it reaches `until` (or fail with its state)."""
    deadline = asyncio.get_running_loop().time() + within_seconds
    order: dict[str, Any] = {}
    while asyncio.get_running_loop().time() < deadline:
        response = await client.get(f"/orders/{order_id}")
        if response.status_code == 200:
            order = response.json()
            if order["status"] == until:
                return order
        await asyncio.sleep(0.1)
    raise AssertionError(f"order {order_id} did not become {until!r}: {order}")


@pytest.fixture
def poll_order() -> Any:
    """`await poll_order(client, order_id, until="completed")`."""
    return wait_for_order
