"""The leader: its loops stop when the lead is lost; the product schedule: a sync as soon as the
replica leads, then at the interval."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import Any

import pytest
import redis.asyncio

from customer_sync_process.adapters.ports import ErpCatalogItem
from customer_sync_process.adapters.redis_state import leader_lease
from customer_sync_process.consumers import Leadership, product_schedule_loop
from customer_sync_process.domain.products import ProductSyncs
from trivium_testing.waiting import until

pytestmark = pytest.mark.asyncio

Setup = Any  # conftest.Setup


class TestProductScheduleLoop:
    async def test_a_sync_runs_when_the_lead_is_taken_and_the_loop_stops_on_request(
        self, setup: Setup
    ) -> None:
        setup.erp.catalog = [
            ErpCatalogItem(sku=f"M-{n}", name=f"Valve {n}", available_quantity=Decimal(n))
            for n in range(5)
        ]
        syncs = ProductSyncs(flow=setup.flow, syncs=setup.syncs, page_size=10, chunk_size=10)
        stop = asyncio.Event()
        loop = asyncio.create_task(
            product_schedule_loop(
                setup.flow, setup.fence, syncs, stop, interval_seconds=3600, on_start=True
            )
        )

        async def sync_saved() -> bool:
            return await setup.syncs.last_total() == 5  # saved when the sync finished

        await until(sync_saved, what="the scheduled product sync saved")

        stop.set()
        await asyncio.wait_for(loop, 5)

        assert sorted(setup.crm.products) == [f"M-{n}" for n in range(5)]


class TestLeadership:
    async def test_a_loop_whose_cancellation_is_lost_still_ends_when_the_lead_is_lost(
        self, setup: Setup, redis_db: redis.asyncio.Redis
    ) -> None:
        await setup.lease.release()
        cancellations_lost = 0

        async def loop(stop: asyncio.Event) -> None:
            nonlocal cancellations_lost
            while not stop.is_set():
                try:
                    await asyncio.Event().wait()  # a Redis call in flight
                except asyncio.CancelledError:
                    # The call answered as the cancellation came, as redis-py's socket writes
                    # under Python 3.11's wait_for can: the cancellation is gone.
                    cancellations_lost += 1

        # A lease long enough that a stalled renewal on a loaded machine does not lose it before
        # the test takes it away (that would step down twice); renewed every second.
        lease = leader_lease(redis_db, holder="a", ttl_seconds=3)
        leadership = Leadership(
            lease,
            loops=lambda fence, stop: [loop(stop)],
            lease_seconds=3,
            metrics=setup.flow.metrics,
        )
        stop = asyncio.Event()
        running = asyncio.create_task(leadership.run(stop))
        await until(lambda: leadership.leading, what="replica a leads")

        # Replica b takes the lease over (as after a pause of replica a longer than the lease).
        await redis_db.delete(lease.key)
        assert await leader_lease(redis_db, holder="b", ttl_seconds=60).acquire() > 0
        await until(lambda: not leadership.leading, what="replica a stepped down")

        assert cancellations_lost == 1
        stop.set()
        await asyncio.wait_for(running, 5)
