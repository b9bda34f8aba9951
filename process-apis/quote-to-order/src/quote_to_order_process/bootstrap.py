"""Composition root of the quote-to-order Process API and of its standalone worker: settings to
the one container of the flow, its queue, stores and readiness checks."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta

from quote_to_order_process.adapters.erp_system import ErpSystemErp
from quote_to_order_process.adapters.redis_store import DEFAULT_PREFIX, RedisOrderStore, utc_now
from quote_to_order_process.adapters.redis_streams import RedisEventPublisher, WorkQueueOrders
from quote_to_order_process.adapters.salesforce_system import SalesforceSystemCrm
from quote_to_order_process.consumers import OrderWorker
from quote_to_order_process.domain.saga import OrderFlow, OrderPolicy
from quote_to_order_process.metrics import PrometheusOrderMetrics
from quote_to_order_process.settings import QuoteToOrderSettings
from trivium.health import ReadinessCheck, redis_check
from trivium.http_client import create_http_client_from_settings
from trivium.idempotency import IdempotencyStore
from trivium.locks import LeaseLocks
from trivium.redis_client import create_redis
from trivium.service_auth import ServiceTokenIssuer
from trivium.work_queue import WorkQueue

WORK_STREAM = f"{DEFAULT_PREFIX}:work"
EVENT_STREAM = f"{DEFAULT_PREFIX}:events"


@dataclass(frozen=True, slots=True)
class QuoteToOrderProcess:
    """The flow with its queue and stores, as one process uses them."""

    flow: OrderFlow
    work_queue: WorkQueue
    idempotency: IdempotencyStore
    readiness: Mapping[str, ReadinessCheck]
    worker_pool: Callable[[int], OrderWorker]


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
async def bootstrap(
    settings: QuoteToOrderSettings, *, issuer: ServiceTokenIssuer
) -> AsyncIterator[QuoteToOrderProcess]:
    """Build the clients and adapters; close them when the block ends."""
    async with AsyncExitStack() as stack:
        redis_client = create_redis(settings.redis_url)
        stack.push_async_callback(redis_client.aclose)
        crm_http = create_http_client_from_settings(
            settings,
            backend="salesforce-system",
            base_url=settings.salesforce_system_url,
            service_token=lambda: issuer.token_for("salesforce-system"),
        )
        stack.push_async_callback(crm_http.aclose)
        erp_http = create_http_client_from_settings(
            settings,
            backend="erp-system",
            base_url=settings.erp_system_url,
            service_token=lambda: issuer.token_for("erp-system"),
        )
        stack.push_async_callback(erp_http.aclose)
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
            metrics=PrometheusOrderMetrics(),
        )

        def worker_pool(concurrency: int) -> OrderWorker:
            return OrderWorker(
                flow,
                work_queue,
                concurrency=concurrency,
                poll_seconds=settings.wake_up_poll_seconds,
                name=settings.service_name,
            )

        yield QuoteToOrderProcess(
            flow=flow,
            work_queue=work_queue,
            idempotency=IdempotencyStore.from_settings(
                redis_client, settings, wait_seconds=settings.idempotency_wait_seconds
            ),
            # Only Redis: with a System API down, orders are still taken (202) and finished
            # later, once the CRM's org is known (a POST answers 503 while it cannot be read).
            readiness={"redis": redis_check(redis_client)},
            worker_pool=worker_pool,
        )
