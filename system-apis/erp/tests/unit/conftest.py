"""Unit-test wiring: the app over the in-memory ERP (no lifespan), and factories for its data."""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal

import httpx
import pytest_asyncio
import redis.asyncio

from erp_system.adapters.fake import FakeErp, FakeErpSync
from erp_system.adapters.redis_attempts import RedisCreationAttempts
from erp_system.adapters.s4hana.adapter import S4HanaErp
from erp_system.adapters.s4hana.auth import BasicAuthenticator
from erp_system.adapters.s4hana.odata import ODataClient
from erp_system.bootstrap import ErpSystem
from erp_system.domain.models import AddressInput, CustomerCreate, ProductRead
from erp_system.main import create_app
from erp_system.settings import ErpSystemSettings
from trivium.composition import install
from trivium.http_client import create_http_client
from trivium.idempotency import IdempotencyStore
from trivium.locks import LeaseLocks
from trivium.schemas import Money
from trivium_testing.apps import app_client
from trivium_testing.keys import session_keys

from . import sap_responses as sap


@pytest_asyncio.fixture
async def erp() -> FakeErp:
    return FakeErp()


def unit_locks(client: redis.asyncio.Redis) -> LeaseLocks:
    """The service's locks as its composition root builds them, waiting two seconds for a taken
    one."""
    return LeaseLocks(
        client,
        prefix="trivium",
        namespace="erp-system-unit",
        lease_seconds=60,
        wait_seconds=2,
        hashed=True,
    )


def unit_attempts(client: redis.asyncio.Redis) -> RedisCreationAttempts:
    """The creations attempted, kept as the composition root keeps them."""
    return RedisCreationAttempts(
        client, prefix="trivium", namespace="erp-system-unit", ttl_seconds=3_600
    )


@pytest_asyncio.fixture
async def settings(redis_url: str) -> ErpSystemSettings:
    return ErpSystemSettings(
        redis_url=redis_url, **session_keys().settings("erp-system"), log_format="text"
    )


@pytest_asyncio.fixture
async def client(
    erp: FakeErp, redis_client: redis.asyncio.Redis, settings: ErpSystemSettings
) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings)
    container = ErpSystem(
        settings=settings,
        erp=erp,
        sync=FakeErpSync(erp),
        locks=unit_locks(redis_client),
        attempts=unit_attempts(redis_client),
        idempotency=IdempotencyStore(redis_client, service="erp-system"),
        readiness={},
    )
    install(app, container)
    headers = session_keys().authorization("quote-to-order", "erp-system")
    async with app_client(app, headers=headers) as client:
        yield client


def new_customer(name: str = "Acme GmbH", external_id: str | None = None) -> CustomerCreate:
    return CustomerCreate(
        name=name,
        external_id=external_id,
        address=AddressInput(
            street="Hauptstr. 1", city="Berlin", postal_code="10115", country="DE"
        ),
    )


def seed_products(erp: FakeErp, count: int, *, price: str = "10.00", stock: str = "5") -> None:
    for number in range(count):
        sku = f"TG{number:03d}"
        erp.products[sku] = ProductRead(
            sku=sku,
            name=f"Trading good {number}",
            base_unit="PC",
            unit_price=Money(amount=Decimal(price), currency="EUR"),
        )
        erp.stock[sku] = Decimal(stock)


def sap_http_client(*, max_retries: int = 2) -> httpx.AsyncClient:
    """The shared resilient client on httpx's own transport, so pytest-httpx sees every call."""
    return create_http_client(
        backend="s4hana-unit",
        base_url=sap.HOST,
        transport="httpcore",
        max_retries=max_retries,
        backoff_seconds=0.001,
    )


@pytest_asyncio.fixture
async def odata() -> AsyncIterator[ODataClient]:
    http = sap_http_client()
    yield ODataClient(
        http=http,
        auth=BasicAuthenticator(username="TRIVIUM_COMM_USER", password="secret"),
        sap_client="100",
    )
    await http.aclose()


@pytest_asyncio.fixture
async def s4(odata: ODataClient) -> S4HanaErp:
    return S4HanaErp(odata, ErpSystemSettings(log_format="text"))
