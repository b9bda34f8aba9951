"""The demo warehouse and billing: due orders are fulfilled, then billed."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
import pytest
import pytest_asyncio
from fastapi import FastAPI

from netsuite_emulator.emulator import build_emulator
from netsuite_emulator.main import create_app

from ..support import RECORD, AccountClock, TokenBasedAuth, make_settings, order_body, record_id

pytestmark = pytest.mark.asyncio


@pytest_asyncio.fixture
async def running() -> AsyncIterator[tuple[FastAPI, AccountClock]]:
    clock = AccountClock()
    settings = make_settings(lifecycle_speed=60)
    app = create_app(settings, emulator=build_emulator(settings, clock=clock))
    yield app, clock
    app.state.emulator.close()


async def _status(client: httpx.AsyncClient, order_id: str) -> str:
    order = (await client.get(f"{RECORD}/salesOrder/{order_id}")).json()
    return str(order["status"]["refName"])


class TestAdvance:
    async def test_forced_steps(
        self, netsuite: httpx.AsyncClient, admin: httpx.AsyncClient
    ) -> None:
        order_id = record_id(await netsuite.post(f"{RECORD}/salesOrder", json=order_body("1")))
        first = await admin.post("/__admin/lifecycle/advance", json={"salesOrder": int(order_id)})
        assert first.json() == {"fulfilled": [order_id], "billed": []}
        assert await _status(netsuite, order_id) == "Pending Billing"
        second = await admin.post("/__admin/lifecycle/advance", json={"salesOrder": int(order_id)})
        assert second.json() == {"fulfilled": [], "billed": [order_id]}
        assert await _status(netsuite, order_id) == "Billed"

    async def test_order_out_of_stock_waits(
        self, netsuite: httpx.AsyncClient, admin: httpx.AsyncClient
    ) -> None:
        order_id = record_id(
            await netsuite.post(f"{RECORD}/salesOrder", json=order_body("1", ("10", 1)))
        )
        moved = await admin.post("/__admin/lifecycle/advance", json={"salesOrder": int(order_id)})
        assert moved.json() == {"fulfilled": [], "billed": []}

    async def test_speed(self, admin: httpx.AsyncClient) -> None:
        state = (await admin.put("/__admin/lifecycle", json={"speed": 60})).json()
        assert state == {"speed": 60.0, "fulfillmentAfterSeconds": 2.0, "billingAfterSeconds": 3.0}
        assert (await admin.put("/__admin/lifecycle", json={"speed": 0})).json()[
            "billingAfterSeconds"
        ] is None


class TestDueOrders:
    async def test_moves_after_the_delays(self, running: tuple[FastAPI, AccountClock]) -> None:
        app, clock = running
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://ns.test", auth=TokenBasedAuth()
        ) as client:
            order_id = record_id(await client.post(f"{RECORD}/salesOrder", json=order_body("2")))
            lifecycle = app.state.emulator.lifecycle
            assert lifecycle.advance()["fulfilled"] == []
            clock.now += timedelta(seconds=2)
            assert order_id in lifecycle.advance()["fulfilled"]
            assert lifecycle.advance()["billed"] == []
            clock.now += timedelta(seconds=3)
            assert order_id in lifecycle.advance()["billed"]
            assert await _status(client, order_id) == "Billed"
