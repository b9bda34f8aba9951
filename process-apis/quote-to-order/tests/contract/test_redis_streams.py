"""The `order.*` events the service publishes honour every message pact naming quote-to-order:
each is published by the real publisher to a real Redis stream and read back."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

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
from trivium_testing.pacts import message_producers_fixture
from trivium_testing.provider_checks import MessagePactChecks

pytestmark = pytest.mark.contract

PROVIDER = "quote-to-order"


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


message_producers = message_producers_fixture(
    EVENT_STREAM,
    lambda client, stream: RedisEventPublisher(client, stream=stream, max_length=100),
    {
        "an order.created event": (ORDER_CREATED, completed_order),
        "an order.failed event": (ORDER_FAILED, failed_order),
    },
)


class TestPublishOrderEvents(MessagePactChecks):
    provider = PROVIDER
    renamed = ("an order.created event", "orderId", "order_id")
