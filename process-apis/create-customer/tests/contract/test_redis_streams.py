"""The `customer.*` events the service publishes honour every message pact naming
create-customer: each is published by the real publisher to a real Redis stream and read back."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
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
    contract_redis_url,
    published_entry,
)
from trivium_testing.provider_checks import MessagePactChecks

pytestmark = pytest.mark.contract

PROVIDER = "create-customer"


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
    return await published_entry(
        redis_url,
        EVENT_STREAM,
        lambda client, stream: RedisEventPublisher(client, stream=stream, max_length=100).publish(
            event_type, state
        ),
    )


@pytest.fixture
def message_producers(redis_endpoint: RedisEndpoint) -> dict[str, MessageProducer]:
    """The service's publisher, one producer per event its pacts name."""
    redis_url = contract_redis_url(redis_endpoint.url)

    async def customer_created() -> Message:
        return await published(redis_url, CUSTOMER_CREATED, completed_request())

    return {"a customer.created event": customer_created}


class TestPublishCustomerEvents(MessagePactChecks):
    provider = PROVIDER
    renamed = ("a customer.created event", "erpCustomerNumber", "erp_customer_number")
