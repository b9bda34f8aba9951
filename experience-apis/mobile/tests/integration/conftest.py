"""The real stack on loopback: emulators, System APIs, quote-to-order and this service.

The emulators and System APIs are the session's shared `system_stack`; quote-to-order runs on
Redis database 4 and this service on database 3. Calls carry a service token as the gateway
mints it: issuer `gateway`, audience `mobile-experience`, the rep's claims. `world` arranges CRM
data through the emulator and reads what the systems hold.
"""

from __future__ import annotations

import itertools
import secrets
from collections.abc import AsyncIterator, Iterator
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio
import redis
import redis.asyncio

from trivium_testing.integration import OrgRecords
from trivium_testing.keys import session_keys
from trivium_testing.services import RunningService
from trivium_testing.stack import SystemStack, redis_db, service_client, serving
from trivium_testing.stack_fixtures import stack_service_fixture

MOBILE_DB = 3
PROCESS_DB = 4
ANNA = "anna.becker@trivium.demo"
LUKAS = "lukas.schmidt@trivium.demo"


# quote-to-order, on this suite's second Redis database.
orders_service = stack_service_fixture("quote-to-order", db=PROCESS_DB, QUOTE_TO_ORDER_WORKERS="1")


def mobile_env(stack: SystemStack, **extra: str) -> dict[str, str]:
    return stack.caller_env(
        "mobile-experience",
        db=MOBILE_DB,
        MOBILE_VIEW_CACHE_TTL_SECONDS="60",
        MOBILE_SECTION_TIMEOUT_SECONDS="2",
        **extra,
    )


@pytest.fixture(scope="session", name="mobile_env")
def mobile_env_fixture() -> Any:
    """`mobile_env(stack, **extra)`: this service's environment against the stack."""
    return mobile_env


@pytest.fixture(scope="session")
def mobile_service(
    system_stack: SystemStack, orders_service: RunningService, trivium_run_dir: Path
) -> Iterator[RunningService]:
    with serving(
        "mobile_experience.main:create_app",
        name="mobile-experience",
        log_dir=trivium_run_dir / "logs",
        env=mobile_env(system_stack, MOBILE_QUOTE_TO_ORDER_URL=orders_service.url),
    ) as service:
        yield service


def rep_token(
    username: str, *, issuer: str = "gateway", audience: str = "mobile-experience"
) -> str:
    """A token as the gateway signs it for a rep."""
    claims = {
        "consumer": f"rep-{username.split('@')[0]}",
        "consumerId": secrets.token_hex(8),
        "plan": "internal",
        "salesforceUsername": username,
    }
    minted = session_keys().issuer(issuer)
    return minted.token_for(audience, claims=claims)


@pytest.fixture
def mint_rep_token() -> Any:
    """`mint_rep_token(username, issuer=..., audience=...)`: a token as the gateway signs it."""
    return rep_token


def rep_client(url: str, username: str = ANNA, **token: str) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        base_url=url,
        headers={"Authorization": f"Bearer {rep_token(username, **token)}"},
        timeout=30,
    )


@pytest_asyncio.fixture
async def anna(mobile_service: RunningService) -> AsyncIterator[httpx.AsyncClient]:
    """The app of Anna Becker, who owns P-1001, P-1002 and C-2001..C-2018."""
    async with rep_client(mobile_service.url, ANNA) as client:
        yield client


@pytest_asyncio.fixture
async def lukas(mobile_service: RunningService) -> AsyncIterator[httpx.AsyncClient]:
    """The app of Lukas Schmidt, who owns P-1003 and C-2019..C-2030."""
    async with rep_client(mobile_service.url, LUKAS) as client:
        yield client


_numbers = itertools.count(1)


class World(OrgRecords):
    """Arranges CRM data through the emulator; reads API usage and the ERP's answers."""

    def __init__(
        self,
        *,
        org: httpx.AsyncClient,
        erp: httpx.AsyncClient,
        sf_admin: httpx.AsyncClient,
        s4_admin: httpx.AsyncClient,
        cache: redis.asyncio.Redis,
    ) -> None:
        super().__init__(org)
        self.erp = erp
        self.sf_admin = sf_admin
        self.s4_admin = s4_admin
        self.cache = cache

    async def account_id(self, account_number: str) -> str:
        [row] = await self.query(f"SELECT Id FROM Account WHERE AccountNumber = '{account_number}'")
        account_id: str = row["Id"]
        return account_id

    async def api_calls_used(self) -> int:
        used: int = (await self.sf_admin.get("/limits")).json()["used"]
        return used

    async def forget_views(self) -> None:
        """Empty this service's view cache, so that the next views are cold."""
        keys = [key async for key in self.cache.scan_iter(match="mobile:360:*")]
        if keys:
            await self.cache.delete(*keys)

    async def quote(self, *, account_number: str, customer_id: str, sku: str, quantity: int) -> str:
        """An accepted quote of one line at the customer's ERP price."""
        simulated = await self.erp.post(
            "/sales-orders:simulate",
            json={"customerId": customer_id, "lines": [{"sku": sku, "quantity": "1"}]},
        )
        simulated.raise_for_status()
        price = Decimal(simulated.json()["lines"][0]["unitPrice"]["amount"])
        [entry] = await self.query(
            "SELECT Id, Pricebook2Id FROM PricebookEntry WHERE Pricebook2.IsStandard = true "
            f"AND Product2.ERP_Material__c = '{sku}'"
        )
        opportunity = await self.insert(
            "Opportunity",
            {
                "Name": f"Mobile {next(_numbers)}",
                "AccountId": await self.account_id(account_number),
                "StageName": "Negotiation/Review",
                "CloseDate": (date.today() + timedelta(days=30)).isoformat(),
                "Pricebook2Id": entry["Pricebook2Id"],
            },
        )
        quote_id = await self.insert(
            "Quote",
            {
                "Name": f"Mobile quote {next(_numbers)}",
                "OpportunityId": opportunity,
                "Pricebook2Id": entry["Pricebook2Id"],
                "Status": "Accepted",
                "ExpirationDate": (date.today() + timedelta(days=30)).isoformat(),
            },
        )
        await self.insert(
            "QuoteLineItem",
            {
                "QuoteId": quote_id,
                "PricebookEntryId": entry["Id"],
                "Quantity": quantity,
                "UnitPrice": float(price),
            },
        )
        return quote_id


@pytest_asyncio.fixture
async def world(system_stack: SystemStack) -> AsyncIterator[World]:
    cache = redis.asyncio.Redis.from_url(redis_db(system_stack.redis_url, MOBILE_DB))
    async with (
        system_stack.salesforce_org() as org,
        service_client(system_stack.erp_system.url, audience="erp-system") as erp,
        system_stack.sf_admin() as sf_admin,
        system_stack.s4_admin() as s4_admin,
    ):
        try:
            yield World(org=org, erp=erp, sf_admin=sf_admin, s4_admin=s4_admin, cache=cache)
        finally:
            await sf_admin.delete("/chaos")
            await s4_admin.delete("/chaos")
            await cache.aclose()
