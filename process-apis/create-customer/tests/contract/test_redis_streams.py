"""The `customer.*` events the service publishes honour every message pact naming
create-customer: each is published by the real publisher to a real Redis stream and read back."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime

import pytest
import redis.asyncio
from pact.types import Message

from create_customer_process.adapters.redis_streams import RedisEventPublisher
from create_customer_process.bootstrap import EVENT_STREAM
from create_customer_process.domain.models import (
    NormalizedAddress,
    NormalizedCustomer,
    RequestState,
    SagaStep,
    new_request_id,
)
from create_customer_process.domain.saga import CUSTOMER_CREATED
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

PROVIDER = "create-customer"
CONTRACT_DB = 15


def completed_request() -> RequestState:
    now = datetime.now(UTC)
    return RequestState(
        id=new_request_id(),
        created_at=now,
        updated_at=now,
        customer=NormalizedCustomer(
            name="Contoso Manufacturing Ltd",
            name_key="contoso manufacturing",
            address=NormalizedAddress(
                street="North First Street",
                house_number="2100",
                city="San Jose",
                postal_code="95110",
                country="US",
                country_name="United States",
                region_code="US-CA",
                region_name="California",
            ),
        ),
        step=SagaStep.COMPLETED,
        account_id="001000000000001AAA",
        account_created=True,
        erp_customer_number="1000001",
        erp_customer_created=True,
    )


async def published(redis_url: str, event_type: str, state: RequestState) -> Message:
    """The entry the service's publisher writes for the event, read back from the stream."""
    # A stream of its own, so that no other test's events on the database get in the way.
    stream = f"{EVENT_STREAM}:contract:{uuid.uuid4().hex}"
    client = redis.asyncio.Redis.from_url(redis_url)
    try:
        publisher = RedisEventPublisher(client, stream=stream, max_length=100)
        await publisher.publish(event_type, state)
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

    async def customer_created() -> Message:
        return await published(redis_url, CUSTOMER_CREATED, completed_request())

    return {"a customer.created event": customer_created}


class TestPublishCustomerEvents:
    def test_events_honour_every_pact(self, events_redis: str) -> None:
        skip_while_updating()
        verify_pacts(PROVIDER, messages=producers(events_redis))

    def test_a_renamed_event_field_breaks_the_pact(self, events_redis: str) -> None:
        skip_while_updating()

        async def renamed() -> Message:
            message = await published(events_redis, CUSTOMER_CREATED, completed_request())
            body = json.loads(message["contents"])
            body["erp_customer_number"] = body.pop("erpCustomerNumber")
            return json_message(body)

        with pytest.raises(VerificationFailed, match="erpCustomerNumber"):
            verify_pacts(PROVIDER, messages={"a customer.created event": renamed})
