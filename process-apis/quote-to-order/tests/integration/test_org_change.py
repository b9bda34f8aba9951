"""The CRM replaced by another org with the same record ids while this service keeps its Redis:
a fresh stack (`make clean` keeps Redis) or a sandbox refresh. A quote ordered in the old org is
ordered again in the new one, and once only there.

The stack here is a private one (both emulators, both System APIs and this service, on a Redis
of its own), so that replacing it leaves the shared stack alone. Both emulators start over, as
after `make clean`: the seeded quote ids are the same in the new org, and the ERP, which places
one order per customer and reference, has none of the old org's orders either.
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio

from trivium.redis_discovery import RedisEndpoint
from trivium_testing.services import RunningService, start_service
from trivium_testing.stack import (
    ADMIN_TOKEN,
    CREDENTIALS_ENV,
    SALESFORCE_DATA_PATH,
    SystemStack,
    service_client,
    start_all,
    start_private_redis,
    start_system_stack,
)

pytestmark = pytest.mark.asyncio

ORDERS_DB = 1
SEEDED_QUOTE = "Quote 01"


@dataclass
class ReplaceableStack:
    """A private system stack whose emulators can be replaced by fresh ones on the same URLs,
    and this service on it."""

    system: SystemStack
    orders: RunningService
    redis: RedisEndpoint
    log_dir: Path

    def replace_emulators(self) -> None:
        """A new org and a new ERP where the old ones were: fresh databases, seeded again."""
        system = self.system
        for emulator in (system.sf_emulator, system.s4_emulator):
            emulator.stop(kill=True)
        system.sf_emulator, system.s4_emulator = start_all(
            [
                {
                    "app_factory": "salesforce_emulator.main:create_app",
                    "name": "sf-emulator-replaced",
                    "port": system.sf_emulator.port,
                    "env": {
                        **CREDENTIALS_ENV,
                        "SF_EMULATOR_DATABASE_PATH": ":memory:",
                        "SF_EMULATOR_ADMIN_TOKEN": ADMIN_TOKEN,
                    },
                },
                {
                    "app_factory": "s4hana_emulator.main:create_app",
                    "name": "s4-emulator-replaced",
                    "port": system.s4_emulator.port,
                    "env": {
                        **CREDENTIALS_ENV,
                        "S4_EMULATOR_DATABASE_PATH": ":memory:",
                        "S4_EMULATOR_LIFECYCLE_SPEED": "0",
                        "S4_EMULATOR_ADMIN_TOKEN": ADMIN_TOKEN,
                    },
                },
            ],
            log_dir=self.log_dir,
        )

    def stop(self) -> None:
        self.orders.stop()
        self.system.stop()
        self.redis.stop()


@pytest.fixture
def replaceable(trivium_run_dir: Path) -> Iterator[ReplaceableStack]:
    run_dir = trivium_run_dir / "org-change"
    log_dir = run_dir / "logs"
    redis = start_private_redis(run_dir / "redis")
    try:
        system = start_system_stack(log_dir=log_dir, redis_url=redis.url)
    except Exception:
        redis.stop()
        raise
    try:
        orders = start_service(
            "quote_to_order_process.main:create_app",
            name="quote-to-order-org-change",
            log_dir=log_dir,
            env=system.caller_env(
                "quote-to-order",
                db=ORDERS_DB,
                # The org is asked for on every order: the replaced org shows at once.
                QUOTE_TO_ORDER_CRM_SYSTEM_TTL_SECONDS="0",
            ),
        )
    except Exception:
        system.stop()
        redis.stop()
        raise
    stack = ReplaceableStack(system, orders, redis, log_dir)
    yield stack
    stack.stop()


@pytest_asyncio.fixture
async def orders(replaceable: ReplaceableStack) -> AsyncIterator[httpx.AsyncClient]:
    async with service_client(replaceable.orders.url, audience="quote-to-order") as client:
        yield client


async def seeded_quote(system: SystemStack) -> str:
    """The id of the seeded quote in the org the emulator holds now."""
    async with system.salesforce_org() as org:
        response = await org.get(
            f"{SALESFORCE_DATA_PATH}/query",
            params={"q": f"SELECT Id FROM Quote WHERE Name = '{SEEDED_QUOTE}'"},
        )
        response.raise_for_status()
    [row] = response.json()["records"]
    quote_id: str = row["Id"]
    return quote_id


async def system_id(system: SystemStack) -> str:
    async with service_client(system.sf_system.url, audience="salesforce-system") as client:
        response = await client.get("/system")
    assert response.status_code == 200, response.text
    found: str = response.json()["systemId"]
    return found


async def order_quote(orders: httpx.AsyncClient, quote_id: str) -> httpx.Response:
    return await orders.post(
        "/orders", json={"quoteId": quote_id}, headers={"Idempotency-Key": secrets.token_hex(8)}
    )


async def completed(orders: httpx.AsyncClient, order_id: str, *, within: float = 60) -> Any:
    """The order once it is completed (the deadline only stops a test that hangs)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    order: dict[str, Any] = {}
    while loop.time() < deadline:
        response = await orders.get(f"/orders/{order_id}")
        order = response.json()
        if order["status"] == "completed":
            return order
        await asyncio.sleep(0.1)
    raise AssertionError(f"order {order_id} did not complete: {order}")


class TestOrgReplaced:
    async def test_a_quote_ordered_in_the_old_org_is_ordered_once_in_the_new_one(
        self, replaceable: ReplaceableStack, orders: httpx.AsyncClient
    ) -> None:
        old_org = await system_id(replaceable.system)
        quote_id = await seeded_quote(replaceable.system)
        first = await order_quote(orders, quote_id)
        assert first.status_code in (201, 202), first.text
        old_order = await completed(orders, first.json()["orderId"])
        again = await order_quote(orders, quote_id)
        assert again.status_code == 409, again.text
        assert again.json()["existingOrderId"] == old_order["orderId"]

        replaceable.replace_emulators()

        new_org = await system_id(replaceable.system)
        assert new_org != old_org
        assert await seeded_quote(replaceable.system) == quote_id  # the same id, another org
        second = await order_quote(orders, quote_id)
        assert second.status_code in (201, 202), second.text
        new_order = await completed(orders, second.json()["orderId"])
        assert new_order["orderId"] != old_order["orderId"]
        once_more = await order_quote(orders, quote_id)
        assert once_more.status_code == 409, once_more.text
        assert once_more.json()["existingOrderId"] == new_order["orderId"]
