"""The `order.*` events of quote-to-order as their subscribers read them (a message pact).

No service subscribes to the stream yet, so the reader here is the documented way to read it
(see `RedisEventPublisher`): the entry's `type` and `orderId` to deduplicate, and `data`, the
order as `GET /orders/{id}` shows it. A service that subscribes writes its own pact from its
own handler, and quote-to-order verifies that one too.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

import pytest
from pact import Pact, match

from trivium_testing.pact_examples import ORDER_ID
from trivium_testing.pact_matchers import money, timestamp, ulid
from trivium_testing.pacts import consumer_pact, stream_entry_fields

pytestmark = pytest.mark.contract

CONSUMER = "order-events-subscriber"
STATUS = r"^(accepted|in_erp|completed|failed)$"


@pytest.fixture
def pact() -> Iterator[Pact]:
    with consumer_pact(CONSUMER, "quote-to-order") as pact:
        yield pact


def envelope(event_type: str) -> dict[str, Any]:
    return {
        "type": match.regex(event_type, regex="^" + event_type.replace(".", r"\.") + "$"),
        "orderId": ulid(ORDER_ID),
        "occurredAt": timestamp(),
    }


def read_order_event(fields: dict[str, str]) -> dict[str, Any]:
    """What a subscriber takes from an entry: the dedup key and the fields it acts on."""
    order = json.loads(fields["data"])
    if order["orderId"] != fields["orderId"]:
        raise ValueError("the entry names another order than its data")
    return {"key": (fields["type"], fields["orderId"]), **order}


def subscriber(seen: list[dict[str, Any]]) -> Callable[[str | bytes | None, Any], None]:
    """The message handler: each message read as its stream entry would be."""

    def handle(body: str | bytes | None, metadata: Any) -> None:
        seen.append(read_order_event(stream_entry_fields(body)))

    return handle


class TestOrderCreated:
    def test_completed_order_with_erp_number_and_total(self, pact: Pact) -> None:
        (
            pact.upon_receiving("an order.created event", "Async").with_body(
                {
                    **envelope("order.created"),
                    "data": {
                        "orderId": ulid(ORDER_ID),
                        "status": match.regex("completed", regex=STATUS),
                        "quoteId": match.str("0Q0000000000001AAA"),
                        "accountId": match.str("001000000000001AAA"),
                        "erpOrderNumber": match.str("5000001"),
                        "crmOrderId": match.str("801000000000001AAA"),
                        "total": money("228.00"),
                        "lines": match.each_like(
                            {
                                "sku": match.str("TG-1000"),
                                "quantity": match.regex("2", regex=r"^\d+(\.\d+)?$"),
                                "netAmount": money("228.00"),
                            }
                        ),
                    },
                },
                content_type="application/json",
            )
        )
        seen: list[dict[str, Any]] = []
        pact.verify(
            lambda body, _: seen.append(read_order_event(stream_entry_fields(body))), "Async"
        )

        assert seen[0]["key"] == ("order.created", ORDER_ID)
        assert Decimal(seen[0]["total"]["amount"]) == Decimal("228.00")


class TestOrderFailed:
    def test_rejected_order_with_its_problem(self, pact: Pact) -> None:
        (
            pact.upon_receiving("an order.failed event", "Async").with_body(
                {
                    **envelope("order.failed"),
                    "data": {
                        "orderId": ulid(ORDER_ID),
                        "status": match.regex("failed", regex=STATUS),
                        "failure": {
                            "type": match.regex(
                                "https://trivium.dev/problems/credit-limit-exceeded",
                                regex=r"^https?://\S+$",
                            ),
                            "title": match.str("Credit limit exceeded"),
                            "status": match.int(422),
                        },
                    },
                },
                content_type="application/json",
            )
        )
        seen: list[dict[str, Any]] = []
        pact.verify(
            lambda body, _: seen.append(read_order_event(stream_entry_fields(body))), "Async"
        )

        assert seen[0]["failure"]["status"] == 422
