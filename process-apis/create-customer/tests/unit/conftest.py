"""Unit-test wiring: the saga over the in-memory CRM and ERP, with the real Redis adapters."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest_asyncio
import redis.asyncio

from create_customer_process.adapters.fake import (
    FakeCrm,
    FakeErp,
    RecordingCustomerMetrics,
    RecordingEvents,
    RecordingQueue,
)
from create_customer_process.adapters.redis_store import DEFAULT_PREFIX, RedisRequestStore
from create_customer_process.domain.models import CustomerCreate, OnDuplicate
from create_customer_process.domain.processing import Processed, submit_customer
from create_customer_process.domain.saga import CustomerFlow, CustomerPolicy
from trivium.locks import LeaseLocks
from trivium_testing.pact_examples import new_customer

NOW = datetime(2026, 6, 1, 10, 0, tzinfo=UTC)


def customer_request(**changes: Any) -> CustomerCreate:
    """A valid request for a customer neither fake holds."""
    body = {**new_customer(), "vatId": "GB123456789"}
    body.update(changes)
    return CustomerCreate.model_validate(body)


async def submit_new_customer(flow: CustomerFlow) -> Processed:
    """The usual new customer (`customer_request()`) submitted, a duplicate refused."""
    return await submit_customer(flow, customer_request(), on_duplicate=OnDuplicate.REJECT)


@pytest_asyncio.fixture
async def flow(redis_client: redis.asyncio.Redis) -> CustomerFlow:
    return CustomerFlow(
        crm=FakeCrm(),
        erp=FakeErp(),
        store=RedisRequestStore(redis_client),
        locks=LeaseLocks(redis_client, lease_seconds=5, prefix=DEFAULT_PREFIX),
        queue=RecordingQueue(),
        events=RecordingEvents(),
        policy=CustomerPolicy(sales_area={"sales_organization": "1010"}, max_attempts=3),
        clock=lambda: NOW,
        metrics=RecordingCustomerMetrics(),
    )


def fakes(flow: CustomerFlow) -> tuple[FakeCrm, FakeErp]:
    """The flow's in-memory CRM and ERP, to arrange data and read what was written."""
    assert isinstance(flow.crm, FakeCrm)
    assert isinstance(flow.erp, FakeErp)
    return flow.crm, flow.erp


def queued(flow: CustomerFlow) -> list[str]:
    """The requests the flow put on its work queue, in order."""
    assert isinstance(flow.queue, RecordingQueue)
    return flow.queue.enqueued


def event_types(flow: CustomerFlow) -> list[str]:
    """The types of the events the flow published, in order."""
    assert isinstance(flow.events, RecordingEvents)
    return [event for event, _ in flow.events.events]
