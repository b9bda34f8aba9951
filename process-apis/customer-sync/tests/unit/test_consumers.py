"""The leader's product schedule: a sync as soon as the replica leads, then at the interval."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import Any

import pytest

from customer_sync_process.adapters.ports import ErpCatalogItem
from customer_sync_process.consumers import product_schedule_loop
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
