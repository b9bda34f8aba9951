"""Composition root of the customer-sync Process API: settings to the one container of the
flow, the leader's election and loops, the product syncs, the status and the readiness checks."""

from __future__ import annotations

import asyncio
import secrets
import socket
from collections.abc import AsyncIterator, Awaitable, Mapping
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta

from customer_sync_process.adapters.erp_system import ErpSystemErp
from customer_sync_process.adapters.redis_state import RedisSyncState, leader_lease
from customer_sync_process.adapters.redis_syncs import RedisSyncs
from customer_sync_process.adapters.salesforce_system import SalesforceSystemCrm
from customer_sync_process.consumers import (
    Leadership,
    cdc_loop,
    erp_poll_loop,
    parked_retry_loop,
    product_schedule_loop,
)
from customer_sync_process.domain.flow import SyncFlow, SyncPolicy, utc_now
from customer_sync_process.domain.ownership import Ownership
from customer_sync_process.domain.products import ProductSyncs
from customer_sync_process.domain.status import SyncStatus
from customer_sync_process.metrics import PrometheusSyncMetrics
from customer_sync_process.settings import CustomerSyncSettings
from trivium.health import ReadinessCheck, redis_check
from trivium.http_client import system_api_clients
from trivium.idempotency import IdempotencyStore
from trivium.locks import FencedLease
from trivium.redis_client import service_redis
from trivium.service_auth import ServiceTokenIssuer


@dataclass(frozen=True, slots=True)
class CustomerSyncProcess:
    """The flow with what runs it (the leadership) and what reports on it, as one replica
    uses them."""

    flow: SyncFlow
    leadership: Leadership
    product_syncs: ProductSyncs
    status: SyncStatus
    idempotency: IdempotencyStore
    readiness: Mapping[str, ReadinessCheck]


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


def build_leadership(
    settings: CustomerSyncSettings, *, flow: SyncFlow, lease: FencedLease,
    product_syncs: ProductSyncs,
) -> Leadership:  # fmt: skip
    """The election with the loops the leader runs under its fencing token."""

    def loops(fence: int, stop: asyncio.Event) -> list[Awaitable[None]]:
        return [
            cdc_loop(flow, fence, stop, retry_seconds=settings.retry_seconds),
            erp_poll_loop(
                flow, fence, stop, interval_seconds=settings.erp_poll_seconds,
                retry_seconds=settings.retry_seconds,
            ),
            parked_retry_loop(flow, fence, stop, interval_seconds=settings.parked_check_seconds),
            product_schedule_loop(
                flow, fence, product_syncs, stop,
                interval_seconds=settings.product_sync_interval_seconds,
                on_start=settings.product_sync_on_start,
            ),
        ]  # fmt: skip

    return Leadership(
        lease, loops=loops, lease_seconds=settings.lease_seconds, metrics=flow.metrics
    )


@asynccontextmanager
async def bootstrap(
    settings: CustomerSyncSettings, *, issuer: ServiceTokenIssuer
) -> AsyncIterator[CustomerSyncProcess]:
    """Build the clients and stores; stop the product syncs of this replica and close the
    clients when the block ends."""
    async with AsyncExitStack() as stack:
        redis_client = service_redis(stack, settings)
        crm_http, erp_http = system_api_clients(stack, settings, issuer)
        lease = leader_lease(
            redis_client,
            holder=f"{socket.gethostname()}:{secrets.token_hex(4)}",
            ttl_seconds=settings.lease_seconds,
        )
        flow = SyncFlow(
            crm=SalesforceSystemCrm(crm_http),
            erp=ErpSystemErp(erp_http),
            state=RedisSyncState(
                redis_client, fence_key=lease.fence_key, audit_max_length=settings.audit_max_length
            ),
            ownership=Ownership(settings.effective_ownership()),
            policy=build_policy(settings),
            metrics=PrometheusSyncMetrics(),
            clock=utc_now,
        )
        product_syncs = ProductSyncs(
            flow=flow,
            syncs=RedisSyncs(redis_client, retention_days=settings.sync_retention_days),
            page_size=settings.product_page_size,
            chunk_size=settings.product_chunk_size,
        )
        stack.push_async_callback(product_syncs.stop)
        leadership = build_leadership(settings, flow=flow, lease=lease, product_syncs=product_syncs)
        yield CustomerSyncProcess(
            flow=flow,
            leadership=leadership,
            product_syncs=product_syncs,
            status=SyncStatus(flow=flow, lease=lease, leading=lambda: leadership.leading),
            idempotency=IdempotencyStore.from_settings(redis_client, settings),
            readiness={"redis": redis_check(redis_client)},
        )
