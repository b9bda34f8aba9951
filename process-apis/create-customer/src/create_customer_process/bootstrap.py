"""Composition root of the create-customer Process API and of its standalone worker: settings to
the one container of the flow, its queue, stores and readiness checks."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from datetime import UTC, datetime, timedelta

from create_customer_process.adapters.erp_system import ErpSystemErp
from create_customer_process.adapters.redis_store import DEFAULT_PREFIX, RedisRequestStore
from create_customer_process.adapters.redis_streams import RedisEventPublisher, WorkQueueRequests
from create_customer_process.adapters.salesforce_system import SalesforceSystemCrm
from create_customer_process.consumers import RequestWorker
from create_customer_process.domain.saga import CustomerFlow, CustomerPolicy
from create_customer_process.metrics import PrometheusCustomerMetrics
from create_customer_process.settings import CreateCustomerSettings
from trivium.http_client import system_api_clients
from trivium.locks import LeaseLocks
from trivium.redis_client import service_redis
from trivium.service_auth import ServiceTokenIssuer
from trivium.work_queue import WorkQueue
from trivium.work_queue.saga_worker import SagaProcess

WORK_STREAM = f"{DEFAULT_PREFIX}:work"
EVENT_STREAM = f"{DEFAULT_PREFIX}:events"


class CreateCustomerProcess(SagaProcess[CustomerFlow]):
    """The customer flow with its queue and stores, as one process uses them."""


def utc_now() -> datetime:
    """The current time, timezone-aware (UTC)."""
    return datetime.now(UTC)


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
async def bootstrap(
    settings: CreateCustomerSettings, *, issuer: ServiceTokenIssuer
) -> AsyncIterator[CreateCustomerProcess]:
    """Build the clients and adapters; close them when the block ends."""
    async with AsyncExitStack() as stack:
        redis_client = service_redis(stack, settings)
        crm_http, erp_http = system_api_clients(stack, settings, issuer)
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
            metrics=PrometheusCustomerMetrics(),
        )
        # Ready on Redis alone: with a System API down, requests that got past the duplicate
        # check are still taken (202) and finished later.
        yield CreateCustomerProcess.on_redis(
            flow, work_queue, redis_client, settings, worker=RequestWorker
        )
