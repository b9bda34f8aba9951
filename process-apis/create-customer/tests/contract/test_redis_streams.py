"""The `customer.*` events the service publishes honour every message pact naming
create-customer: each is published by the real publisher to a real Redis stream and read back."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from create_customer_process.adapters.redis_streams import RedisEventPublisher
from create_customer_process.bootstrap import EVENT_STREAM
from create_customer_process.domain.models import (
    CustomerCreate,
    RequestState,
    SagaStep,
    new_request_id,
)
from create_customer_process.domain.normalization import normalize_customer
from create_customer_process.domain.saga import CUSTOMER_CREATED
from trivium_testing.pact_examples import new_customer
from trivium_testing.pacts import message_producers_fixture
from trivium_testing.provider_checks import MessagePactChecks

pytestmark = pytest.mark.contract

PROVIDER = "create-customer"


def completed_request() -> RequestState:
    now = datetime.now(UTC)
    return RequestState(
        id=new_request_id(),
        created_at=now,
        updated_at=now,
        customer=normalize_customer(CustomerCreate.model_validate(new_customer())),
        step=SagaStep.COMPLETED,
        account_id="001000000000001AAA",
        account_created=True,
        erp_customer_number="1000001",
        erp_customer_created=True,
    )


message_producers = message_producers_fixture(
    EVENT_STREAM,
    lambda client, stream: RedisEventPublisher(client, stream=stream, max_length=100),
    {"a customer.created event": (CUSTOMER_CREATED, completed_request)},
)


class TestPublishCustomerEvents(MessagePactChecks):
    provider = PROVIDER
    renamed = ("a customer.created event", "erpCustomerNumber", "erp_customer_number")
