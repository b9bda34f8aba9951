"""Batch: the ERP's stock and list prices onto the CRM's products.

The catalog is read from the ERP a page at a time while the previous chunk is upserted into the
CRM (the CRM side goes through its bulk API), so reading and writing overlap. The CRM reports
each row that failed; those rows are counted and listed with their error, the others go on.
Progress (processed, failed, rate, ETA against the last sync's size) is saved after every chunk.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from typing import Any

from customer_sync_process.adapters.ports import (
    CrmPort,
    CrmProductReport,
    ErpCatalogItem,
    ErpPort,
    SyncMetrics,
    SyncsPort,
)
from customer_sync_process.domain.errors import SyncAlreadyRunning, SyncNotFound
from customer_sync_process.domain.flow import SyncFlow
from customer_sync_process.domain.models import (
    MAX_REPORTED_FAILURES,
    RowFailure,
    SyncRead,
    SyncState,
)
from trivium.problems import UpstreamUnavailable

log = logging.getLogger(__name__)

CENT = Decimal("0.01")


def new_sync_id() -> str:
    return f"sync-{secrets.token_hex(8)}"


def product_row(item: ErpCatalogItem) -> dict[str, Any]:
    """The CRM product for an ERP catalog item (created with the ERP's name when new)."""
    row: dict[str, Any] = {
        "sku": item.sku,
        "name": item.name or item.sku,
        "availableQuantity": format(item.available_quantity.quantize(CENT), "f"),
        "isActive": True,
    }
    if item.unit_price is not None:
        row["listPrice"] = format(item.unit_price.amount.quantize(CENT), "f")
    return row


class ProductSync:
    """One run: counters, failures and timing, saved as the sync's status."""

    def __init__(
        self, *, sync: SyncRead, syncs: SyncsPort, total: int | None,
        clock: Callable[[], datetime], metrics: SyncMetrics,
    ) -> None:  # fmt: skip
        self.sync = sync.model_copy(update={"total": total})
        self._syncs = syncs
        self._metrics = metrics
        self._clock = clock
        self._started = time.monotonic()

    def record(
        self, chunk: list[dict[str, Any]], report: CrmProductReport | None, error: str
    ) -> None:
        failures: list[RowFailure] = []
        if report is None:
            failures = [RowFailure(sku=row["sku"], code="crm-unavailable", message=error)
                        for row in chunk]  # fmt: skip
            failed, batches = len(chunk), 0
        else:
            failures = [
                RowFailure(sku=row.sku, code=row.error.code, message=row.error.message)
                for row in report.failures
                if row.error is not None
            ]
            failed, batches = report.failed, 1
        processed = self.sync.processed + len(chunk)
        room = MAX_REPORTED_FAILURES - len(self.sync.failures)
        self._metrics.products_synced(succeeded=len(chunk) - failed, failed=failed)
        self.sync = self.sync.model_copy(
            update={
                "processed": processed,
                "failed": self.sync.failed + failed,
                "succeeded": self.sync.succeeded + len(chunk) - failed,
                "crm_batches": self.sync.crm_batches + batches,
                "failures": [*self.sync.failures, *failures[: max(room, 0)]],
                **self._timing(processed),
            }
        )

    def _timing(self, processed: int) -> dict[str, Any]:
        elapsed = max(time.monotonic() - self._started, 1e-6)
        rate = processed / elapsed
        total = max(self.sync.total or 0, processed) if self.sync.total is not None else None
        eta = (total - processed) / rate if total is not None and rate > 0 else None
        return {"rate_per_second": round(rate, 1), "eta_seconds": eta, "total": total}

    async def save(self) -> None:
        await self._syncs.save(self.sync)
        await self._syncs.renew(self.sync.id)

    async def finish(self, *, error: str | None = None) -> SyncRead:
        state = SyncState.FAILED if error else SyncState.COMPLETED
        self.sync = self.sync.model_copy(
            update={
                "status": state,
                "finished_at": self._clock(),
                "error": error,
                "eta_seconds": None,
                **{
                    k: v for k, v in self._timing(self.sync.processed).items() if k != "eta_seconds"
                },
            }
        )
        if error is None:
            self.sync = self.sync.model_copy(update={"total": self.sync.processed})
            await self._syncs.remember_total(self.sync.processed)
        await self._syncs.save(self.sync)
        return self.sync


async def start_product_sync(
    syncs: SyncsPort, *, trigger: str, clock: Callable[[], datetime]
) -> SyncRead:
    """Claim the run lock and save the new sync as running; SyncAlreadyRunning when one runs."""
    sync = SyncRead(id=new_sync_id(), status=SyncState.RUNNING, trigger=trigger,
                    started_at=clock())  # fmt: skip
    running = await syncs.claim(sync.id)
    if running is not None:
        raise SyncAlreadyRunning(
            "A product sync is running; follow it instead.", runningSyncId=running
        )
    sync = sync.model_copy(update={"total": await syncs.last_total()})
    await syncs.save(sync)
    return sync


async def run_product_sync(
    sync: SyncRead,
    *,
    erp: ErpPort,
    crm: CrmPort,
    syncs: SyncsPort,
    page_size: int,
    chunk_size: int,
    clock: Callable[[], datetime],
    metrics: SyncMetrics,
) -> SyncRead:
    """Read the whole catalog and upsert it, overlapping ERP reads with CRM writes."""
    run = ProductSync(sync=sync, syncs=syncs, total=sync.total, clock=clock, metrics=metrics)

    async def send(chunk: list[dict[str, Any]]) -> None:
        try:
            report = await crm.upsert_products(chunk)
        except UpstreamUnavailable as error:
            run.record(chunk, None, str(error.detail))
        else:
            run.record(chunk, report, "")
        await run.save()

    pending: asyncio.Task[None] | None = None
    rows: list[dict[str, Any]] = []
    cursor: str | None = None
    try:
        while True:
            page = await erp.catalog_page(cursor=cursor, limit=page_size)
            rows.extend(product_row(item) for item in page.items)
            last = page.next_cursor is None
            while rows and (len(rows) >= chunk_size or last):
                chunk, rows = rows[:chunk_size], rows[chunk_size:]
                if pending is not None:
                    await pending
                pending = asyncio.create_task(send(chunk))
            if last:
                break
            cursor = page.next_cursor
        if pending is not None:
            await pending
    except Exception as error:
        if pending is not None:
            pending.cancel()
            await asyncio.gather(pending, return_exceptions=True)
        detail = getattr(error, "detail", None) or type(error).__name__
        log.exception("products.sync_failed", extra={"sync": sync.id})
        finished = await run.finish(error=str(detail))
    else:
        finished = await run.finish()
    finally:
        await syncs.release(sync.id)
    log.info(
        "products.sync_finished",
        extra={"sync": finished.id, "processed": finished.processed, "failed": finished.failed,
               "rate": finished.rate_per_second},
    )  # fmt: skip
    return finished


class ProductSyncs:
    """Product syncs asked for by operators: each runs in this replica's background (any
    replica answers for any sync)."""

    def __init__(
        self, *, flow: SyncFlow, syncs: SyncsPort, page_size: int, chunk_size: int
    ) -> None:
        self._flow = flow
        self._syncs = syncs
        self._page_size = page_size
        self._chunk_size = chunk_size
        self._running: set[asyncio.Task[SyncRead]] = set()

    async def start(self, *, trigger: str) -> SyncRead:
        """Start a sync in the background; the running sync (SyncAlreadyRunning while another
        one runs)."""
        sync = await start_product_sync(self._syncs, trigger=trigger, clock=self._flow.clock)
        task = asyncio.create_task(self._run(sync))
        self._running.add(task)
        task.add_done_callback(self._running.discard)
        return sync

    async def run(self, *, trigger: str) -> SyncRead:
        """Run a sync to its end; the finished sync (SyncAlreadyRunning while another one
        runs)."""
        sync = await start_product_sync(self._syncs, trigger=trigger, clock=self._flow.clock)
        return await self._run(sync)

    async def get_or_raise(self, sync_id: str) -> SyncRead:
        """The sync with its progress; SyncNotFound when none has the id (any longer)."""
        sync = await self._syncs.get(sync_id)
        if sync is None:
            raise SyncNotFound(f"No sync has the id {sync_id!r} (syncs are kept 30 days).")
        return sync

    async def _run(self, sync: SyncRead) -> SyncRead:
        flow = self._flow
        return await run_product_sync(
            sync, erp=flow.erp, crm=flow.crm, syncs=self._syncs, page_size=self._page_size,
            chunk_size=self._chunk_size, clock=flow.clock, metrics=flow.metrics,
        )  # fmt: skip

    async def stop(self) -> None:
        """Cancel the syncs this replica runs (their lock runs out; another sync starts anew)."""
        for task in list(self._running):
            task.cancel()
        await asyncio.gather(*self._running, return_exceptions=True)
