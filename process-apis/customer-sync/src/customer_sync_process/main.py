"""Composition root of the customer-sync Process API."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import redis.asyncio
from fastapi import APIRouter, Depends, FastAPI

from customer_sync_process.adapters.erp_system import ErpSystemErp
from customer_sync_process.adapters.redis_state import RedisSyncState, leader_lease
from customer_sync_process.adapters.redis_syncs import RedisSyncs
from customer_sync_process.adapters.salesforce_system import SalesforceSystemCrm
from customer_sync_process.api import parked, status, syncs
from customer_sync_process.consumers import (
    Leadership,
    cdc_loop,
    erp_poll_loop,
    parked_retry_loop,
    product_schedule_loop,
)
from customer_sync_process.domain.erp_to_crm import watermark_parts
from customer_sync_process.domain.flow import SyncFlow, SyncPolicy, utc_now
from customer_sync_process.domain.loop_report import degradation, loop_reports
from customer_sync_process.domain.models import ErpPollsRead, LoopRead, StatusRead, SyncRead
from customer_sync_process.domain.ownership import Ownership
from customer_sync_process.domain.products import run_product_sync, start_product_sync
from customer_sync_process.settings import CustomerSyncSettings
from trivium.app import create_service_app
from trivium.health import add_degradation_check, add_readiness_check, redis_check
from trivium.http_client import create_http_client_from_settings
from trivium.idempotency import IdempotencyStore
from trivium.locks import FencedLease
from trivium.service_auth import OPERATOR, ServiceTokenIssuer, require_service_token

log = logging.getLogger(__name__)


@dataclass
class Runtime:
    """The flow with its clients and stores, and the background work of this replica."""

    settings: CustomerSyncSettings
    flow: SyncFlow
    state: RedisSyncState
    lease: FencedLease
    syncs: RedisSyncs
    leadership: Leadership | None = None
    background: set[asyncio.Task[SyncRead]] = field(default_factory=set)

    async def start_product_sync(self, *, trigger: str) -> SyncRead:
        """Start a product sync in this replica's background; the running sync."""
        sync = await start_product_sync(self.syncs, trigger=trigger, clock=self.flow.clock)
        task = asyncio.create_task(
            run_product_sync(
                sync, erp=self.flow.erp, crm=self.flow.crm, syncs=self.syncs,
                page_size=self.settings.product_page_size,
                chunk_size=self.settings.product_chunk_size, clock=self.flow.clock,
            )
        )  # fmt: skip
        self.background.add(task)
        task.add_done_callback(self.background.discard)
        return sync

    async def loops_now(self) -> dict[str, LoopRead]:
        return await loop_reports(self.flow, leading=await self.lease.holder_now() is not None)

    async def degraded(self) -> str | None:
        return degradation(await self.loops_now(), flow=self.flow)

    async def status(self) -> StatusRead:
        cdc = await self.state.get_hash("cdc")
        loops = await self.loops_now()
        polls = await self.state.get_hash("erp-poll")
        last_poll = polls.get("lastCompletedAt")
        last_reset = polls.get("lastResetAt")
        erp_system = polls.get("systemId")
        return StatusRead(
            replica=self.lease.holder,
            leader=await self.lease.holder_now(),
            is_leader=bool(self.leadership and self.leadership.fence),
            change_events=cdc,
            watermarks={
                "customers": await self.state.get_text(*watermark_parts(erp_system, "customers")),
                "salesOrders": await self.state.get_text(
                    *watermark_parts(erp_system, "sales-orders")
                ),
            },
            erp_polls=ErpPollsRead(
                completed=int(polls.get("completed", 0)),
                last_completed_at=datetime.fromisoformat(last_poll) if last_poll else None,
                system_id=erp_system,
                last_reset_at=datetime.fromisoformat(last_reset) if last_reset else None,
                last_reset_reason=polls.get("lastResetReason"),
                previous_system_id=polls.get("previousSystemId"),
            ),
            counters=await self.state.stats(),
            ownership={name: owner.value for name, owner in self.flow.ownership.rules.items()},
            loops=loops,
            parked=sum(loop.parked for loop in loops.values()),
        )

    def loops(self, stop: asyncio.Event) -> Callable[[int], list[Awaitable[None]]]:
        settings = self.settings

        def build(fence: int) -> list[Awaitable[None]]:
            return [
                cdc_loop(self.flow, fence, stop, retry_seconds=settings.retry_seconds),
                erp_poll_loop(
                    self.flow, fence, stop, interval_seconds=settings.erp_poll_seconds,
                    retry_seconds=settings.retry_seconds,
                ),
                parked_retry_loop(
                    self.flow, fence, stop, interval_seconds=settings.parked_check_seconds
                ),
                product_schedule_loop(
                    self.flow, fence, self.syncs, stop,
                    interval_seconds=settings.product_sync_interval_seconds,
                    on_start=settings.product_sync_on_start,
                    page_size=settings.product_page_size,
                    chunk_size=settings.product_chunk_size, clock=self.flow.clock,
                ),
            ]  # fmt: skip

        return build

    @asynccontextmanager
    async def leading(self) -> AsyncIterator[None]:
        """Take part in the election for the duration of the block (unless switched off)."""
        if not self.settings.consumers:
            yield
            return
        stop = asyncio.Event()
        self.leadership = Leadership(
            self.lease, loops=self.loops(stop), lease_seconds=self.settings.lease_seconds
        )
        task = asyncio.create_task(self.leadership.run(stop))
        try:
            yield
        finally:
            stop.set()
            for sync in list(self.background):
                sync.cancel()
            await asyncio.gather(task, *self.background, return_exceptions=True)


def build_policy(settings: CustomerSyncSettings) -> SyncPolicy:
    return SyncPolicy(
        cdc_wait_seconds=settings.cdc_wait_seconds,
        cdc_start=settings.cdc_start,
        reread_overlap=timedelta(seconds=settings.reread_overlap_seconds),
        erp_poll_overlap=timedelta(seconds=settings.erp_poll_overlap_seconds),
        erp_first_lookback=timedelta(minutes=settings.erp_first_watermark_minutes),
        record_attempts=settings.record_attempts,
        record_retry_seconds=settings.record_retry_seconds,
        record_budget=timedelta(seconds=settings.record_budget_seconds),
        parked_retry_interval=timedelta(seconds=settings.parked_retry_seconds),
        stall_after=timedelta(seconds=settings.stall_seconds),
        degraded_lag=timedelta(seconds=settings.degraded_lag_seconds),
    )


@asynccontextmanager
async def open_runtime(
    settings: CustomerSyncSettings, *, issuer: ServiceTokenIssuer
) -> AsyncIterator[tuple[Runtime, redis.asyncio.Redis]]:
    """Build the clients and stores; close them when the block ends."""
    redis_client = redis.asyncio.Redis.from_url(settings.redis_url)
    crm_http = create_http_client_from_settings(
        settings, backend="salesforce-system", base_url=settings.salesforce_system_url,
        service_token=lambda: issuer.token_for("salesforce-system"),
    )  # fmt: skip
    erp_http = create_http_client_from_settings(
        settings, backend="erp-system", base_url=settings.erp_system_url,
        service_token=lambda: issuer.token_for("erp-system"),
    )  # fmt: skip
    lease = leader_lease(
        redis_client,
        holder=f"{socket.gethostname()}:{secrets.token_hex(4)}",
        ttl_seconds=settings.lease_seconds,
    )
    state = RedisSyncState(
        redis_client, fence_key=lease.fence_key, audit_max_length=settings.audit_max_length
    )
    flow = SyncFlow(
        crm=SalesforceSystemCrm(crm_http),
        erp=ErpSystemErp(erp_http),
        state=state,
        ownership=Ownership(settings.effective_ownership()),
        policy=build_policy(settings),
        clock=utc_now,
    )
    runtime = Runtime(
        settings=settings,
        flow=flow,
        state=state,
        lease=lease,
        syncs=RedisSyncs(redis_client, retention_days=settings.sync_retention_days),
    )
    try:
        yield runtime, redis_client
    finally:
        with contextlib.suppress(Exception):
            await crm_http.aclose()
        with contextlib.suppress(Exception):
            await erp_http.aclose()
        await redis_client.aclose()


def create_app(settings: CustomerSyncSettings | None = None) -> FastAPI:
    """The customer-sync Process API, configured from the environment unless settings are
    given; the field ownership is validated here, before anything starts."""
    settings = settings or CustomerSyncSettings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with open_runtime(settings, issuer=app.state.service_token_issuer) as (
            runtime,
            redis_client,
        ):
            app.state.runtime = runtime
            app.state.idempotency = IdempotencyStore.from_settings(redis_client, settings)
            add_readiness_check(app, "redis", redis_check(redis_client))
            add_degradation_check(app, "sync", runtime.degraded)
            async with runtime.leading():
                yield

    app = create_service_app(
        settings,
        title="Trivium customer-sync Process API",
        description="Keeps CRM accounts and ERP customers consistent under field ownership "
        "rules (change events one way, delta polls the other), puts ERP order status on CRM "
        "orders, and syncs ERP stock and prices to CRM products in bulk. Internal: every call "
        "needs a service token.",
        lifespan=lifespan,
    )
    # Syncs run on their own; what is called here is operators' work.
    operators = require_service_token(OPERATOR, identity_from=[OPERATOR])
    internal = APIRouter(dependencies=[Depends(operators)])
    internal.include_router(syncs.router)
    internal.include_router(status.router)
    internal.include_router(parked.router)
    app.include_router(internal)
    return app
