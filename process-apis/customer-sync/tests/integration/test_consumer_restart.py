"""A consumer killed mid-stream: the standby replica takes the lead and nothing is lost or
applied twice."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from trivium_testing.stack import service_client
from trivium_testing.waiting import until

from .conftest import SyncService, World, new_phone

pytestmark = pytest.mark.asyncio

ACCOUNTS = 4
ROUNDS = 6


class TestLeaderKilled:
    async def test_standby_takes_over_without_loss_or_duplicates(
        self, world: World, sync_service: SyncService
    ) -> None:
        accounts = [await world.linked_account() for _ in range(ACCOUNTS)]
        standby = sync_service.start(name="customer-sync-standby")
        phones: dict[str, str] = {}
        last: dict[str, str] = {}
        try:

            async def edit_accounts() -> None:
                for _ in range(ROUNDS):
                    for account_id, customer in accounts:
                        phone = new_phone("69")
                        await world.update("Account", account_id, {"Phone": phone})
                        phones[phone] = customer
                        last[customer] = phone

            async def some_applied() -> bool:
                customers = [customer for _, customer in accounts]
                audit = await world.audit_of(*customers)
                return any(entry["after"].get("phone") in phones for entry in audit)

            # The leader dies once it has applied some of the edits, with more still coming.
            editing = asyncio.create_task(edit_accounts())
            await until(some_applied, what="a first edit applied")
            await asyncio.to_thread(sync_service.current.stop, kill=True)
            await editing

            async with service_client(standby.url, audience="customer-sync") as client:
                audit: list[dict[str, Any]] = []

                async def all_audited() -> bool:
                    audit[:] = (await client.get("/audit", params={"limit": 1000})).json()
                    return {e["after"].get("phone") for e in audit} >= set(phones)

                # The standby leads once the dead leader's lease runs out (LEASE_SECONDS).
                await until(all_audited, what="every edit applied")
                status = (await client.get("/status")).json()
                profiles = [await world.erp_profile(customer) for _, customer in accounts]
        finally:
            await asyncio.to_thread(standby.stop)
            await asyncio.to_thread(sync_service.restart, kill=False)

        assert status["isLeader"]
        assert status["leader"] == status["replica"]
        written = [e["after"]["phone"] for e in audit if e["after"].get("phone") in phones]
        assert sorted(written) == sorted(phones), "each edit applied exactly once"
        events = [e["correlationId"] for e in audit if e["after"].get("phone") in phones]
        assert len(events) == len(set(events)) == ACCOUNTS * ROUNDS
        assert {p["id"]: p["phone"] for p in profiles} == last, "the last edit wins"
