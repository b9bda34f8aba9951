"""Salesforce → ERP against the running stack: account changes reach the ERP customer."""

from __future__ import annotations

import secrets
from typing import Any

import pytest

# The `world` fixture's World (conftest.py), which test modules cannot import by name.
World = Any


def new_phone() -> str:
    return f"+49 30 {secrets.randbelow(10**7):07d}"


class TestAccountChange:
    @pytest.mark.asyncio
    async def test_phone_reaches_the_erp_within_two_seconds(self, world: World) -> None:
        account_id, customer = await world.linked_account()
        phone = new_phone()

        await world.update("Account", account_id, {"Phone": phone})
        took = await world.until(
            lambda: _erp_phone_is(world, customer, phone), what="phone in the ERP"
        )

        assert took < 2.0
        [entry] = [e for e in await world.audit() if e["entityId"] == customer]
        assert entry["source"] == "salesforce"
        assert entry["target"] == "erp"
        assert entry["fields"] == ["phone"]
        assert entry["after"] == {"phone": phone}
        assert entry["sourceId"] == account_id
        assert entry["correlationId"].isdigit()

    @pytest.mark.asyncio
    async def test_gap_event_rereads_the_account(self, world: World) -> None:
        account_id, customer = await world.linked_account()
        await world.quiet()
        rereads = (await world.counters()).get("rereads", 0)
        # The forced gap goes to the org's next Account change event; on the shared stack another
        # writer's change may take it first, so the edit is repeated until one is re-read.
        for _ in range(3):
            phone = new_phone()
            await world.sf_admin.put("/cdc/gaps", json={"count": 1, "object": "Account"})
            await world.update("Account", account_id, {"Phone": phone})
            await world.until(
                lambda phone=phone: _erp_phone_is(world, customer, phone), what="phone in the ERP"
            )
            if (await world.counters()).get("rereads", 0) > rereads:
                break
        assert (await world.counters())["rereads"] == rereads + 1

    @pytest.mark.asyncio
    async def test_own_echo_is_ignored(self, world: World) -> None:
        account_id, customer = await world.linked_account()
        echoes = (await world.counters()).get("echoes", 0)
        before = await world.position()

        # A write through the Salesforce System API carries the suite's call options client.
        response = await world.sync_crm.patch(
            f"/account-profiles/{account_id}", json={"phone": new_phone()}
        )
        assert response.status_code == 200, response.text

        await world.until(lambda: _moved(world, before), what="echo event consumed")
        assert (await world.counters())["echoes"] == echoes + 1
        assert (await world.erp_profile(customer))["phone"] is None


async def _erp_phone_is(world: World, customer: str, phone: str) -> bool:
    return bool((await world.erp_profile(customer))["phone"] == phone)


async def _moved(world: World, before: str) -> bool:
    position = await world.position()
    return position.isdigit() and position != before
