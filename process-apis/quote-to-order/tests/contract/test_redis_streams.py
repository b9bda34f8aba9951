"""The `order.*` events the service publishes honour every message pact naming quote-to-order:
each is published by the real publisher to a real Redis stream and read back."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from decimal import Decimal

import pytest
import redis.asyncio
from pact.types import Message

from quote_to_order_process.adapters.redis_streams import RedisEventPublisher
from quote_to_order_process.bootstrap import EVENT_STREAM
from quote_to_order_process.domain.errors import CreditLimitExceeded
from quote_to_order_process.domain.models import (
    ErrorInfo,
    OrderSource,
    OrderState,
    PricedLine,
    RequestedLine,
    SagaStep,
    new_order_id,
)
from quote_to_order_process.domain.saga import ORDER_CREATED, ORDER_FAILED
from trivium.redis_discovery import RedisEndpoint
from trivium_testing.pacts import (
    MessageProducer,
    VerificationFailed,
    json_message,
    skip_while_updating,
    stream_entry_message,
    verify_pacts,
)
from trivium_testing.stack import redis_db

pytestmark = pytest.mark.contract

PROVIDER = "quote-to-order"
CONTRACT_DB = 15


def received_order() -> OrderState:
    now = datetime.now(UTC)
    return OrderState(
        id=new_order_id(),
        source=OrderSource.QUOTE,
        created_at=now,
        updated_at=now,
        quote_id="0Q0000000000001AAA",
        account_id="001000000000001AAA",
        customer_id="1000001",
        requested_lines=[RequestedLine(sku="TG-1000", quantity=Decimal(2))],
    )


def completed_order() -> OrderState:
    return received_order().evolve(
        step=SagaStep.COMPLETED,
        currency="EUR",
        lines=[
            PricedLine(
                sku="TG-1000",
                quantity=Decimal(2),
                unit_price=Decimal("114.00"),
                net_amount=Decimal("228.00"),
            )
        ],
        total=Decimal("228.00"),
        erp_order_number="5000001",
        crm_order_id="801000000000001AAA",
    )


def failed_order() -> OrderState:
    refusal = CreditLimitExceeded("The order exceeds the customer's available credit.")
    return received_order().evolve(step=SagaStep.REJECTED, failure=ErrorInfo.from_problem(refusal))


async def published(redis_url: str, event_type: str, order: OrderState) -> Message:
    """The entry the service's publisher writes for the event, read back from the stream."""
    # A stream of its own, so that no other test's events on the database get in the way.
    stream = f"{EVENT_STREAM}:contract:{uuid.uuid4().hex}"
    client = redis.asyncio.Redis.from_url(redis_url)
    try:
        publisher = RedisEventPublisher(client, stream=stream, max_length=100)
        await publisher.publish(event_type, order)
        [(_, fields)] = await client.xrange(stream)
        return stream_entry_message(fields)
    finally:
        await client.delete(stream)
        await client.aclose()


@pytest.fixture
def events_redis(redis_endpoint: RedisEndpoint) -> str:
    return redis_db(redis_endpoint.url, CONTRACT_DB)


def producers(redis_url: str) -> dict[str, MessageProducer]:
    """The service's publisher, one producer per event its pacts name."""

    async def order_created() -> Message:
        return await published(redis_url, ORDER_CREATED, completed_order())

    async def order_failed() -> Message:
        return await published(redis_url, ORDER_FAILED, failed_order())

    return {"an order.created event": order_created, "an order.failed event": order_failed}


class TestPublishOrderEvents:
    def test_events_honour_every_pact(self, events_redis: str) -> None:
        skip_while_updating()
        verify_pacts(PROVIDER, messages=producers(events_redis))

    def test_a_renamed_event_field_breaks_the_pact(self, events_redis: str) -> None:
        skip_while_updating()

        async def renamed() -> Message:
            message = await published(events_redis, ORDER_CREATED, completed_order())
            body = json.loads(message["contents"])
            body["order_id"] = body.pop("orderId")
            return json_message(body)

        with pytest.raises(VerificationFailed, match="orderId"):
            verify_pacts(
                PROVIDER, messages={**producers(events_redis), "an order.created event": renamed}
            )
