"""The real stack on loopback: emulators, System APIs, the quote-to-order Process API and this
service, started once per session on this service's Redis databases (5 for the portal, 6 for the
process tier and the gateway of the browser test).

Partners call with the signed identity the gateway would pass down (`partner_client`); `world`
reads what the systems hold and drives the emulators' admin APIs.
"""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio
import yaml
from prometheus_client.parser import text_string_to_metric_families

from trivium.redis_discovery import free_port
from trivium_testing.integration import wait_for_status
from trivium_testing.keys import session_keys
from trivium_testing.services import RunningService, start_service
from trivium_testing.stack import (
    SALESFORCE_DATA_PATH,
    SystemStack,
    flush_db,
    redis_db,
    service_client,
    start_all,
)

KONG_YML = Path(__file__).resolve().parents[4] / "gateway" / "kong.yml"
PORTAL_DB = 5
PROCESS_DB = 6
GATEWAY_DB = 6
AUDIENCE = "partner-portal-experience"
PORTAL_SERVICES = ("partner-portal-experience", "partner-portal-page")
FAST_ORDERS = {
    "QUOTE_TO_ORDER_WORKERS": "2",
    "QUOTE_TO_ORDER_RETRY_DELAYS_SECONDS": "[0.5, 1.0, 2.0, 4.0]",
    "QUOTE_TO_ORDER_WAKE_UP_POLL_SECONDS": "0.05",
}


@dataclass
class PortalStack:
    system: SystemStack
    orders: RunningService
    portal: RunningService


@pytest.fixture(scope="session")
def portal_stack(system_stack: SystemStack, trivium_run_dir: Path) -> Iterator[PortalStack]:
    """quote-to-order and this service, against the session's system stack."""
    for db in (PORTAL_DB, PROCESS_DB):
        flush_db(redis_db(system_stack.redis_url, db))
    orders_port = free_port()
    orders, portal = start_all(
        [
            {
                "app_factory": "quote_to_order_process.main:create_app",
                "name": "quote-to-order-for-partners",
                "port": orders_port,
                "env": system_stack.caller_env("quote-to-order", db=PROCESS_DB, **FAST_ORDERS),
            },
            {
                "app_factory": "partner_portal_experience.main:create_app",
                "name": "partner-portal",
                "env": system_stack.caller_env(
                    "partner-portal-experience",
                    db=PORTAL_DB,
                    PARTNER_PORTAL_QUOTE_TO_ORDER_URL=f"http://127.0.0.1:{orders_port}",
                    # Read fresh each time here (the unit tests show it kept): an order read
                    # after the ERP moved it shows the move.
                    PARTNER_PORTAL_ORDER_PROGRESS_CACHE_SECONDS="0",
                ),
            },
        ],
        log_dir=trivium_run_dir / "logs",
    )
    yield PortalStack(system_stack, orders, portal)
    portal.stop()
    orders.stop()


def kong_document() -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load(KONG_YML.read_text())
    return document


@pytest.fixture(scope="session")
def gateway(portal_stack: Any, trivium_run_dir: Path) -> Iterator[RunningService]:
    """The local gateway running kong.yml in front of this service."""
    document = kong_document()
    for service in document["services"]:
        if service["name"] in PORTAL_SERVICES:
            service["url"] = portal_stack.portal.url
    config = trivium_run_dir / "partner-portal-kong.yml"
    config.write_text(yaml.safe_dump(document, sort_keys=False))
    system: SystemStack = portal_stack.system
    running = start_service(
        "trivium_gateway.main:create_app",
        name="gateway-for-partners",
        log_dir=trivium_run_dir / "logs",
        env=system.service_env(
            db=GATEWAY_DB, GATEWAY_CONFIG_PATH=str(config), GATEWAY_PLUGIN_MODE="in-process"
        ),
    )
    yield running
    running.stop()


def partner_token(account_number: str, *, issuer: str = "gateway", **claims: Any) -> str:
    """The signed identity the gateway passes down for a partner's API key."""
    minted = session_keys().issuer(issuer)
    identity = {"consumer": f"partner-{account_number.lower()}", "plan": "gold", **claims}
    if account_number:
        identity["partnerAccountNumber"] = account_number
    return minted.token_for(AUDIENCE, claims=identity)


def partner_client(url: str, account_number: str, **claims: Any) -> httpx.AsyncClient:
    token = partner_token(account_number, **claims)
    return httpx.AsyncClient(base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=30)


@pytest_asyncio.fixture
async def gold(portal_stack: PortalStack) -> AsyncIterator[httpx.AsyncClient]:
    """Partner P-1001 (ERP customer 1000001, which has its own price for MAT-0001)."""
    async with partner_client(portal_stack.portal.url, "P-1001") as client:
        yield client


@pytest_asyncio.fixture
async def silver(portal_stack: PortalStack) -> AsyncIterator[httpx.AsyncClient]:
    """Partner P-1002 (ERP customer 1000002)."""
    async with partner_client(portal_stack.portal.url, "P-1002") as client:
        yield client


@pytest_asyncio.fixture
async def partners(portal_stack: PortalStack) -> AsyncIterator[Any]:
    """`partners(account_number, **claims)`: a client calling as that partner."""
    async with contextlib.AsyncExitStack() as stack:

        def open_client(account_number: str, **claims: Any) -> httpx.AsyncClient:
            client = partner_client(portal_stack.portal.url, account_number, **claims)
            stack.push_async_callback(client.aclose)
            return client

        yield open_client


@pytest_asyncio.fixture
async def anonymous(portal_stack: PortalStack) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=portal_stack.portal.url, timeout=30) as client:
        yield client


class World:
    """What the systems hold, read past this service, and the emulators' admin controls."""

    def __init__(
        self,
        *,
        org: httpx.AsyncClient,
        erp: httpx.AsyncClient,
        s4_admin: httpx.AsyncClient,
        erp_url: str,
    ) -> None:
        self.org = org
        self.erp = erp
        self.s4_admin = s4_admin
        self.erp_url = erp_url

    async def erp_down(self) -> None:
        """Every ERP request fails with SAP's 503 (without the Retry-After of a full outage,
        which the ERP System API would wait out) until the chaos is cleared."""
        response = await self.s4_admin.put("/chaos", json={"errorRate": 1.0})
        response.raise_for_status()

    async def orderable_skus(self, prefix: str) -> list[str]:
        """Skus starting with `prefix` of the CRM's active products linked to an ERP material
        (other suites on the shared stack add products of their own)."""
        response = await self.org.get(
            f"{SALESFORCE_DATA_PATH}/query",
            params={
                "q": "SELECT ERP_Material__c FROM Product2 "
                f"WHERE IsActive = true AND ERP_Material__c LIKE '{prefix}%'"
            },
        )
        response.raise_for_status()
        return sorted(row["ERP_Material__c"] for row in response.json()["records"])

    async def erp_json(self, path: str, **params: str) -> Any:
        response = await self.erp.get(path, params=params)
        response.raise_for_status()
        return response.json()

    async def availability_calls(self) -> float:
        """Availability requests the ERP System API has served so far (from its metrics)."""
        async with httpx.AsyncClient(base_url=self.erp_url, timeout=10) as client:
            text = (await client.get("/metrics")).text
        return sum(
            sample.value
            for family in text_string_to_metric_families(text)
            for sample in family.samples
            if sample.name == "trivium_http_requests_total"
            and sample.labels.get("route") == "/availability"
        )


@pytest_asyncio.fixture
async def world(portal_stack: PortalStack) -> AsyncIterator[World]:
    system = portal_stack.system
    async with (
        system.salesforce_org() as org,
        service_client(system.erp_system.url, audience="erp-system") as erp,
        system.s4_admin() as s4_admin,
    ):
        yield World(org=org, erp=erp, s4_admin=s4_admin, erp_url=system.erp_system.url)
        await s4_admin.delete("/chaos")


class Ordering:
    """Placing and following partner orders: `place(client, body(...))`, `wait(client, id)`."""

    @staticmethod
    def purchase_order(prefix: str = "PP") -> str:
        return f"{prefix}-{secrets.token_hex(5).upper()}"

    def body(self, *lines: tuple[str, int], **extra: Any) -> dict[str, Any]:
        return {
            "purchaseOrderNumber": self.purchase_order(),
            "lines": [{"sku": sku, "quantity": str(quantity)} for sku, quantity in lines],
            **extra,
        }

    @staticmethod
    async def place(
        client: httpx.AsyncClient, body: dict[str, Any], **headers: str
    ) -> httpx.Response:
        headers.setdefault("Idempotency-Key", secrets.token_hex(8))
        return await client.post("/partner/v1/orders", json=body, headers=headers)

    @staticmethod
    async def wait(
        client: httpx.AsyncClient, order_id: str, *, until: str, within_seconds: float = 30
    ) -> dict[str, Any]:
        """Poll the partner's order until it reaches `until`."""
        return await wait_for_status(
            client, f"/partner/v1/orders/{order_id}", until=until, within_seconds=within_seconds
        )


@pytest.fixture
def ordering() -> Ordering:
    return Ordering()


@pytest.fixture
def identity() -> Any:
    """`identity(account_number, issuer=..., **claims)`: a signed partner identity."""
    return partner_token
