"""Product syncs on in-memory systems: per-row results, progress, one at a time."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from customer_sync_process.adapters.ports import ErpCatalogItem
from customer_sync_process.domain.errors import SyncAlreadyRunning, SyncNotFound
from customer_sync_process.domain.flow import utc_now
from customer_sync_process.domain.models import SyncRead, SyncState
from customer_sync_process.domain.products import (
    ProductSyncs,
    run_product_sync,
    start_product_sync,
)
from trivium.schemas import Money
from trivium_testing.waiting import until

pytestmark = pytest.mark.asyncio

Setup = Any  # conftest.Setup


def catalog(count: int) -> list[ErpCatalogItem]:
    return [
        ErpCatalogItem(
            sku=f"M-{n:04d}", name=f"Valve {n}", available_quantity=Decimal(n),
            unit_price=Money(amount=Decimal("12.500"), currency="EUR"),
        )
        for n in range(count)
    ]  # fmt: skip


async def run(setup: Setup, *, page_size: int = 10, chunk_size: int = 25) -> Any:
    sync = await start_product_sync(setup.syncs, trigger="request", clock=utc_now)
    return await run_product_sync(
        sync, erp=setup.erp, crm=setup.crm, syncs=setup.syncs, page_size=page_size,
        chunk_size=chunk_size, clock=utc_now, metrics=setup.flow.metrics,
    )  # fmt: skip


class TestRunProductSync:
    async def test_every_row_is_reported(self, setup: Setup) -> None:
        setup.erp.catalog = catalog(103)
        setup.crm.rejected_skus = {"M-0007", "M-0100"}

        finished = await run(setup)

        assert finished.status == "completed"
        assert (finished.processed, finished.succeeded, finished.failed) == (103, 101, 2)
        assert [f.sku for f in finished.failures] == ["M-0007", "M-0100"]
        assert finished.crm_batches == 5
        assert setup.crm.products["M-0003"]["listPrice"] == "12.50"
        assert await setup.syncs.get(finished.id) == finished

    async def test_next_sync_expects_the_last_size(self, setup: Setup) -> None:
        setup.erp.catalog = catalog(30)
        await run(setup)

        second = await start_product_sync(setup.syncs, trigger="schedule", clock=utc_now)

        assert second.total == 30

    async def test_unavailable_crm_fails_the_rows_not_the_sync(self, setup: Setup) -> None:
        setup.erp.catalog = catalog(12)
        setup.crm.unavailable = True

        finished = await run(setup)

        assert finished.status == "completed"
        assert finished.failed == 12
        assert {f.code for f in finished.failures} == {"crm-unavailable"}


class TestStartProductSync:
    async def test_one_at_a_time(self, setup: Setup) -> None:
        first = await start_product_sync(setup.syncs, trigger="request", clock=utc_now)

        with pytest.raises(SyncAlreadyRunning) as refused:
            await start_product_sync(setup.syncs, trigger="request", clock=utc_now)

        assert refused.value.extensions["runningSyncId"] == first.id


def product_syncs(setup: Setup) -> ProductSyncs:
    return ProductSyncs(flow=setup.flow, syncs=setup.syncs, page_size=10, chunk_size=25)


async def finished(syncs: ProductSyncs, sync_id: str) -> SyncRead:
    """The sync once it no longer runs (its run is this test's background task)."""
    read: list[SyncRead] = []

    async def done() -> bool:
        read[:] = [await syncs.get_or_raise(sync_id)]
        return read[0].status is not SyncState.RUNNING

    await until(done, what=f"sync {sync_id} finished")
    return read[0]


class TestProductSyncs:
    async def test_a_started_sync_runs_in_the_background_and_is_followed_by_id(
        self, setup: Setup
    ) -> None:
        setup.erp.catalog = catalog(40)
        syncs = product_syncs(setup)

        started = await syncs.start(trigger="request")
        done = await finished(syncs, started.id)

        assert (started.status, started.trigger) == (SyncState.RUNNING, "request")
        assert (done.status, done.processed) == (SyncState.COMPLETED, 40)
        assert setup.flow.metrics.counts["products", "succeeded"] == 40

    async def test_an_unknown_id_is_not_found(self, setup: Setup) -> None:
        with pytest.raises(SyncNotFound):
            await product_syncs(setup).get_or_raise("sync-0000000000000000")

    async def test_a_run_returns_the_finished_sync(self, setup: Setup) -> None:
        setup.erp.catalog = catalog(12)

        done = await product_syncs(setup).run(trigger="schedule")

        assert (done.status, done.trigger, done.processed) == (SyncState.COMPLETED, "schedule", 12)
        assert await setup.syncs.get(done.id) == done
