"""Orders that meet outages, refusals and a killed worker, and still end up placed exactly once."""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis.asyncio

from trivium_testing.keys import session_keys
from trivium_testing.services import RunningService
from trivium_testing.waiting import until

from .conftest import place

pytestmark = pytest.mark.asyncio

PROBLEMS = "https://trivium.dev/problems/"
RECOVERY_DB = 10
SYSTEM_DB = 8
CATALOG_KEY = "trivium:salesforce:pricebook"


def purchase_order() -> str:
    return f"PO-{secrets.token_hex(5).upper()}"


def order_body(reference: str, sku: str = "MAT-0002", account: str = "P-1002") -> dict[str, Any]:
    return {
        "accountNumber": account,
        "purchaseOrderNumber": reference,
        "lines": [{"sku": sku, "quantity": "1"}],
    }


class TestErpOutage:
    async def test_an_order_taken_during_an_outage_completes_when_the_erp_is_back(
        self, orders: httpx.AsyncClient, world: Any, poll_order: Any
    ) -> None:
        reference = purchase_order()
        # Every OData call answers 503; the ERP System API answers 503 with a Retry-After (its
        # outage default of 30 s, or its breaker's pause), which the order waits for before its
        # next attempt, up to the stack's cap (2 s), rather than the first retry delay's 0.5 s.
        (await world.s4_admin.put("/chaos", json={"error_rate": 1.0})).raise_for_status()
        placed = datetime.now(UTC)
        response = await place(orders, order_body(reference))
        answered = datetime.now(UTC)
        assert response.status_code == 202, response.text
        assert response.headers["location"] == f"/orders/{response.json()['orderId']}"
        order = response.json()
        assert (order["status"], order["lastError"]["type"]) == (
            "accepted",
            PROBLEMS + "erp-unavailable",
        )
        next_attempt = datetime.fromisoformat(order["nextAttemptAt"])
        assert placed + timedelta(seconds=2) <= next_attempt <= answered + timedelta(seconds=2)
        await until(
            lambda: _attempts_at_least(orders, order["orderId"], 2), what="a retry of the order"
        )
        (await world.s4_admin.delete("/chaos")).raise_for_status()
        done = await poll_order(orders, order["orderId"], until="completed")
        assert done["attempts"] >= 2
        [erp_order] = await world.erp_orders(reference)
        assert len(await world.crm_orders(erp_order["SalesOrder"])) == 1


class TestDeadLetters:
    async def test_dead_letters_are_for_operators_only(self, orders: httpx.AsyncClient) -> None:
        response = await orders.get("/dead-letters")
        assert response.status_code == 403


class TestWorkerKilled:
    @pytest.mark.slow
    async def test_a_worker_killed_after_the_erp_order_is_resumed_without_duplicates(
        self,
        stack: Any,
        world: Any,
        run_service: Callable[..., RunningService],
        trivium_run_dir: Path,
        poll_order: Any,
    ) -> None:
        env = stack.orders_env(db=RECOVERY_DB, QUOTE_TO_ORDER_WORKERS="1")
        state = redis.asyncio.Redis.from_url(env["REDIS_URL"])
        await state.flushdb()
        first = run_service("quote_to_order_process.main:create_app", name="q2o-doomed", env=env)
        client = httpx.AsyncClient(base_url=first.url, timeout=30)
        token = await self.token(stack)
        client.headers["Authorization"] = f"Bearer {token}"
        reference = purchase_order()
        try:
            # Every CRM call now takes a while: the worker will sit in the CRM write.
            (await world.sf_admin.put("/chaos", json={"latency_ms": 1500})).raise_for_status()
            response = await place(client, order_body(reference), Prefer="respond-async")
            assert response.status_code == 202
            order_id = response.json()["orderId"]
            await self.wait_for_step(state, order_id, "erp_created")
            first.stop(kill=True)
            (await world.sf_admin.delete("/chaos")).raise_for_status()
            assert (await world.erp_orders(reference))[0]["SalesOrder"]

            second = run_service(
                "quote_to_order_process.main:create_app", name="q2o-successor", env=env
            )
            client.base_url = httpx.URL(second.url)
            done = await poll_order(client, order_id, until="completed", within_seconds=20)
        finally:
            await client.aclose()
            await state.aclose()
        [erp_order] = await world.erp_orders(reference)
        assert done["erpOrderNumber"] == erp_order["SalesOrder"]
        assert len(await world.crm_orders(erp_order["SalesOrder"])) == 1

    async def token(self, stack: Any) -> str:
        return session_keys().issuer("partner-portal-experience").token_for("quote-to-order")

    async def wait_for_step(self, state: redis.asyncio.Redis, order_id: str, step: str) -> None:
        key = f"{{quote-to-order}}:order:{order_id}"

        async def reached() -> bool:
            data = await state.hget(key, "data")
            return data is not None and json.loads(data)["step"] == step

        await until(reached, what=f"order {order_id} at {step}")


async def _attempts_at_least(orders: httpx.AsyncClient, order_id: str, attempts: int) -> bool:
    return bool((await orders.get(f"/orders/{order_id}")).json()["attempts"] >= attempts)
