"""Composition root of the quote-to-order Process API and of its standalone worker: settings to
the one container of the flow, its queue, stores and readiness checks."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from datetime import timedelta

from quote_to_order_process.adapters.erp_system import ErpSystemErp
from quote_to_order_process.adapters.redis_store import (
    DEFAULT_PREFIX,
    RedisOrderLocks,
    RedisOrderStore,
    utc_now,
)
from quote_to_order_process.adapters.redis_streams import RedisEventPublisher, WorkQueueOrders
from quote_to_order_process.adapters.salesforce_system import SalesforceSystemCrm
from quote_to_order_process.consumers import OrderWorker
from quote_to_order_process.domain.saga import OrderFlow, OrderPolicy
from quote_to_order_process.metrics import PrometheusOrderMetrics
from quote_to_order_process.settings import QuoteToOrderSettings
from trivium.http_client import system_api_clients
from trivium.locks import LeaseLocks
from trivium.redis_client import service_redis
from trivium.service_auth import ServiceTokenIssuer
from trivium.work_queue import WorkQueue
from trivium.work_queue.saga_worker import SagaProcess

WORK_STREAM = f"{DEFAULT_PREFIX}:work"
EVENT_STREAM = f"{DEFAULT_PREFIX}:events"


class QuoteToOrderProcess(SagaProcess[OrderFlow]):
    """The order flow with its queue and stores, as one process uses them."""


def build_policy(settings: QuoteToOrderSettings) -> OrderPolicy:
    return OrderPolicy(
        price_tolerance_percent=settings.price_tolerance_percent,
        ordered_quote_status=settings.ordered_quote_status,
        ordered_opportunity_stage=settings.ordered_opportunity_stage,
        retry_delays=settings.retry_delays_seconds,
        retry_after_cap=settings.retry_after_cap_seconds,
        watchdog=timedelta(seconds=settings.watchdog_seconds),
        busy_recheck=timedelta(seconds=settings.order_lock_seconds),
    )


@asynccontextmanager
async def bootstrap(
    settings: QuoteToOrderSettings, *, issuer: ServiceTokenIssuer
) -> AsyncIterator[QuoteToOrderProcess]:
    """Build the clients and adapters; close them when the block ends."""
    async with AsyncExitStack() as stack:
        redis_client = service_redis(stack, settings)
        crm_http, erp_http = system_api_clients(stack, settings, issuer)
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
        store = RedisOrderStore(
            redis_client,
            retention=timedelta(days=settings.order_retention_days),
            events=RedisEventPublisher(
                redis_client, stream=EVENT_STREAM, max_length=settings.events_max_length
            ),
        )
        locks = LeaseLocks(
            redis_client, lease_seconds=settings.order_lock_seconds, prefix=DEFAULT_PREFIX
        )
        flow = OrderFlow(
            crm=SalesforceSystemCrm(crm_http, system_ttl_seconds=settings.crm_system_ttl_seconds),
            erp=ErpSystemErp(erp_http),
            store=store,
            locks=RedisOrderLocks(locks, store),
            queue=WorkQueueOrders(work_queue),
            policy=build_policy(settings),
            clock=utc_now,
            metrics=PrometheusOrderMetrics(),
        )
        # Ready on Redis alone: with a System API down, orders are still taken (202) and
        # finished later, once the CRM's org is known (a POST answers 503 while it cannot be read).
        yield QuoteToOrderProcess.on_redis(
            flow, work_queue, redis_client, settings, worker=OrderWorker
        )
