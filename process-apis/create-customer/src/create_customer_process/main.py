"""Composition root of the create-customer Process API (and of its standalone worker)."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import redis.asyncio
from fastapi import APIRouter, Depends, FastAPI

from create_customer_process.adapters.erp_system import ErpSystemErp
from create_customer_process.adapters.redis_store import DEFAULT_PREFIX, RedisRequestStore
from create_customer_process.adapters.redis_streams import RedisEventPublisher, WorkQueueRequests
from create_customer_process.adapters.salesforce_system import SalesforceSystemCrm
from create_customer_process.api import attention, customers, dead_letters
from create_customer_process.consumers import RequestWorker
from create_customer_process.domain.saga import CustomerFlow, CustomerPolicy
from create_customer_process.settings import CreateCustomerSettings
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


def utc_now() -> datetime:
    """The current time, timezone-aware (UTC)."""
    return datetime.now(UTC)


@dataclass
class Runtime:
    """The flow with its clients, stores and queue, as one process uses them."""

    settings: CreateCustomerSettings
    flow: CustomerFlow
    work_queue: WorkQueue
    idempotency: IdempotencyStore
    readiness: dict[str, ReadinessCheck] = field(default_factory=dict)

    def worker(self, concurrency: int) -> RequestWorker:
        return RequestWorker(
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


def build_policy(settings: CreateCustomerSettings) -> CustomerPolicy:
    sales_area = {
        "sales_organization": settings.sales_organization,
        "distribution_channel": settings.distribution_channel,
        "division": settings.division,
        "currency": settings.currency,
    }
    return CustomerPolicy(
        language=settings.language,
        sales_area={key: value for key, value in sales_area.items() if value},
        erp_region_codes=settings.erp_region_codes,
        watchdog=timedelta(seconds=settings.watchdog_seconds),
        busy_recheck=timedelta(seconds=settings.request_lock_seconds),
        max_attempts=settings.max_attempts,
    )


@asynccontextmanager
async def open_runtime(
    settings: CreateCustomerSettings, *, issuer: ServiceTokenIssuer
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
        max_attempts=settings.max_attempts,
        visibility_timeout_seconds=settings.queue_visibility_timeout_seconds,
        base_backoff_seconds=settings.retry_base_seconds,
        max_backoff_seconds=settings.retry_max_seconds,
        # One message per read, so that a request never waits behind another in one consumer.
        batch_size=1,
    )
    flow = CustomerFlow(
        crm=SalesforceSystemCrm(crm_http),
        erp=ErpSystemErp(erp_http),
        store=RedisRequestStore(
            redis_client,
            retention=timedelta(days=settings.request_retention_days),
            claim_ttl=timedelta(seconds=settings.claim_seconds),
        ),
        locks=LeaseLocks(
            redis_client, lease_seconds=settings.request_lock_seconds, prefix=DEFAULT_PREFIX
        ),
        queue=WorkQueueRequests(work_queue),
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
            # Only Redis: with a System API down, requests that got past the duplicate check
            # are still taken (202) and finished later.
            readiness={"redis": redis_check(redis_client)},
        )
    finally:
        with contextlib.suppress(Exception):
            await crm_http.aclose()
        with contextlib.suppress(Exception):
            await erp_http.aclose()
        await redis_client.aclose()


def create_app(settings: CreateCustomerSettings | None = None) -> FastAPI:
    """The create-customer Process API, configured from the environment unless settings are
    given."""
    settings = settings or CreateCustomerSettings()

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
        title="Trivium create-customer Process API",
        description="A new customer becomes a Salesforce account and an ERP customer with its "
        "sales area, linked to each other, exactly once and without duplicates. Internal: every "
        "call needs a service token.",
        lifespan=lifespan,
    )
    # The experience APIs call for their users (whose identity they pass), operators read too;
    # only operators' tokens open the routes of work that needs attention.
    callers = (*EXPERIENCE_APIS, OPERATOR)
    channels = require_service_token(*callers, identity_from=callers)
    internal = APIRouter(dependencies=[Depends(channels)])
    internal.include_router(customers.router)
    app.include_router(internal)
    operations = APIRouter(
        dependencies=[Depends(require_service_token(OPERATOR, identity_from=[OPERATOR]))]
    )
    operations.include_router(attention.router)
    operations.include_router(dead_letters.router)
    app.include_router(operations)
    return app
