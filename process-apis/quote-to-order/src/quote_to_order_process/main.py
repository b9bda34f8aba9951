"""Composition root of the quote-to-order Process API (and of its standalone worker)."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field
from datetime import timedelta

import redis.asyncio
from fastapi import APIRouter, Depends, FastAPI

from quote_to_order_process.adapters.erp_system import ErpSystemErp
from quote_to_order_process.adapters.redis_store import DEFAULT_PREFIX, RedisOrderStore, utc_now
from quote_to_order_process.adapters.redis_streams import RedisEventPublisher, WorkQueueOrders
from quote_to_order_process.adapters.salesforce_system import SalesforceSystemCrm
from quote_to_order_process.api import attention, dead_letters, orders
from quote_to_order_process.consumers import OrderWorker
from quote_to_order_process.domain.saga import OrderFlow, OrderPolicy
from quote_to_order_process.settings import QuoteToOrderSettings
from trivium.app import create_service_app
from trivium.health import ReadinessCheck, add_readiness_check, redis_check
from trivium.http_client import create_http_client_from_settings
from trivium.idempotency import IdempotencyStore
from trivium.locks import LeaseLocks
from trivium.service_auth import (
    EXPERIENCE_APIS,
    OPERATOR,
    ServiceTokenIssuer,
    require_service_token,
)
from trivium.work_queue import WorkQueue
from trivium.work_queue.runner import running_consumers

WORK_STREAM = f"{DEFAULT_PREFIX}:work"
EVENT_STREAM = f"{DEFAULT_PREFIX}:events"
SHUTDOWN_GRACE_SECONDS = 30.0


@dataclass
class Runtime:
    """The flow with its clients, stores and queue, as one process uses them."""

    settings: QuoteToOrderSettings
    flow: OrderFlow
    work_queue: WorkQueue
    idempotency: IdempotencyStore
    readiness: dict[str, ReadinessCheck] = field(default_factory=dict)

    def worker(self, concurrency: int) -> OrderWorker:
        return OrderWorker(
            self.flow,
            self.work_queue,
            concurrency=concurrency,
            poll_seconds=self.settings.wake_up_poll_seconds,
            name=self.settings.service_name,
        )

    def running_worker(self, concurrency: int) -> AbstractAsyncContextManager[None]:
        """Run the worker pool for the duration of a block, then let it finish its work."""
        return running_consumers(
            self.worker(concurrency).run,
            grace_seconds=SHUTDOWN_GRACE_SECONDS,
            name=self.settings.service_name,
        )


def build_policy(settings: QuoteToOrderSettings) -> OrderPolicy:
    return OrderPolicy(
        price_tolerance_percent=settings.price_tolerance_percent,
        ordered_quote_status=settings.ordered_quote_status,
        ordered_opportunity_stage=settings.ordered_opportunity_stage,
        retry_delays=settings.retry_delays_seconds,
        watchdog=timedelta(seconds=settings.watchdog_seconds),
        busy_recheck=timedelta(seconds=settings.order_lock_seconds),
    )


@asynccontextmanager
async def open_runtime(
    settings: QuoteToOrderSettings, *, issuer: ServiceTokenIssuer
) -> AsyncIterator[Runtime]:
    """Build the clients and adapters; close them when the block ends."""
    redis_client = redis.asyncio.Redis.from_url(settings.redis_url)
    crm_http = create_http_client_from_settings(
        settings,
        backend="salesforce-system",
        base_url=settings.salesforce_system_url,
        service_token=lambda: issuer.token_for("salesforce-system"),
    )
    erp_http = create_http_client_from_settings(
        settings,
        backend="erp-system",
        base_url=settings.erp_system_url,
        service_token=lambda: issuer.token_for("erp-system"),
    )
    work_queue = WorkQueue(
        redis_client,
        WORK_STREAM,
        group=settings.service_name,
        visibility_timeout_seconds=settings.queue_visibility_timeout_seconds,
        base_backoff_seconds=1.0,
        max_backoff_seconds=60.0,
        # One message per read, so that an order never waits behind another in one consumer.
        batch_size=1,
    )
    flow = OrderFlow(
        crm=SalesforceSystemCrm(crm_http, system_ttl_seconds=settings.crm_system_ttl_seconds),
        erp=ErpSystemErp(erp_http),
        store=RedisOrderStore(
            redis_client, retention=timedelta(days=settings.order_retention_days)
        ),
        locks=LeaseLocks(
            redis_client, lease_seconds=settings.order_lock_seconds, prefix=DEFAULT_PREFIX
        ),
        queue=WorkQueueOrders(work_queue),
        events=RedisEventPublisher(
            redis_client, stream=EVENT_STREAM, max_length=settings.events_max_length
        ),
        policy=build_policy(settings),
        clock=utc_now,
    )
    idempotency = IdempotencyStore.from_settings(
        redis_client, settings, wait_seconds=settings.idempotency_wait_seconds
    )
    try:
        yield Runtime(
            settings=settings,
            flow=flow,
            work_queue=work_queue,
            idempotency=idempotency,
            # Only Redis: with a System API down, orders are still taken (202) and finished
            # later, once the CRM's org is known (a POST answers 503 while it cannot be read).
            readiness={"redis": redis_check(redis_client)},
        )
    finally:
        with contextlib.suppress(Exception):
            await crm_http.aclose()
        with contextlib.suppress(Exception):
            await erp_http.aclose()
        await redis_client.aclose()


def create_app(settings: QuoteToOrderSettings | None = None) -> FastAPI:
    """The quote-to-order Process API, configured from the environment unless settings are given."""
    settings = settings or QuoteToOrderSettings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with open_runtime(settings, issuer=app.state.service_token_issuer) as runtime:
            app.state.flow = runtime.flow
            app.state.work_queue = runtime.work_queue
            app.state.idempotency = runtime.idempotency
            for name, check in runtime.readiness.items():
                add_readiness_check(app, name, check)
            async with runtime.running_worker(settings.workers):
                yield

    app = create_service_app(
        settings,
        title="Trivium quote-to-order Process API",
        description="An accepted quote or a partner's order becomes an ERP sales order exactly "
        "once, with credit and stock checked, and a CRM order carrying the ERP order number. "
        "Internal: every call needs a service token.",
        lifespan=lifespan,
    )
    # The experience APIs call for their users (whose identity they pass), operators read too;
    # only operators' tokens open the routes of work that needs attention.
    callers = (*EXPERIENCE_APIS, OPERATOR)
    channels = require_service_token(*callers, identity_from=callers)
    internal = APIRouter(dependencies=[Depends(channels)])
    internal.include_router(orders.router)
    app.include_router(internal)
    operations = APIRouter(
        dependencies=[Depends(require_service_token(OPERATOR, identity_from=[OPERATOR]))]
    )
    operations.include_router(attention.router)
    operations.include_router(dead_letters.router)
    app.include_router(operations)
    return app
