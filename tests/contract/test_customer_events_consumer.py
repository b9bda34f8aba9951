"""The `customer.created` event of create-customer as its subscribers read it (a message pact).

No service subscribes to the stream yet (customer-sync follows the CRM's own change events), so
the reader here is the documented way to read it (see create-customer's `RedisEventPublisher`):
the entry's `type` and `requestId` to deduplicate, `accountId` and `erpCustomerNumber` to act on,
and `data`, the request as `GET /customers/requests/{id}` shows it. A service that subscribes
writes its own pact from its own handler, and create-customer verifies that one too.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from pact import Pact, match

from trivium_testing.pact_matchers import erp_number, salesforce_id, timestamp, ulid
from trivium_testing.pacts import consumer_pact, stream_entry_fields

pytestmark = pytest.mark.contract

CONSUMER = "customer-events-subscriber"
REQUEST_ID = "01KB2Y7ZJ1V8X3Q5N9R2T4W6YA"
ACCOUNT_ID = "001000000000001AAA"
CUSTOMER_ID = "1000001"


@pytest.fixture
def pact() -> Iterator[Pact]:
    with consumer_pact(CONSUMER, "create-customer") as pact:
        yield pact


def read_customer_event(fields: dict[str, str]) -> dict[str, Any]:
    """What a subscriber takes from an entry: the dedup key and the ids of both records."""
    request = json.loads(fields["data"])
    if request["requestId"] != fields["requestId"]:
        raise ValueError("the entry names another request than its data")
    return {
        "key": (fields["type"], fields["requestId"]),
        "accountId": fields["accountId"],
        "erpCustomerNumber": fields["erpCustomerNumber"],
        "name": request["customer"]["name"],
        "country": request["customer"]["address"]["country"],
    }


class TestCustomerCreated:
    def test_completed_request_with_both_records(self, pact: Pact) -> None:
        (
            pact.upon_receiving("a customer.created event", "Async").with_body(
                {
                    "type": match.regex("customer.created", regex=r"^customer\.created$"),
                    "requestId": ulid(REQUEST_ID),
                    "accountId": salesforce_id(ACCOUNT_ID),
                    "erpCustomerNumber": erp_number(CUSTOMER_ID),
                    "occurredAt": timestamp(),
                    "data": {
                        "requestId": ulid(REQUEST_ID),
                        "status": match.regex("completed", regex=r"^completed$"),
                        "accountId": salesforce_id(ACCOUNT_ID),
                        "erpCustomerNumber": erp_number(CUSTOMER_ID),
                        "customer": {
                            "name": match.str("Contoso Manufacturing Ltd"),
                            "address": {"country": match.regex("US", regex=r"^[A-Z]{2}$")},
                        },
                    },
                },
                content_type="application/json",
            )
        )
        seen: list[dict[str, Any]] = []
        pact.verify(
            lambda body, _: seen.append(read_customer_event(stream_entry_fields(body))), "Async"
        )

        assert seen[0]["key"] == ("customer.created", REQUEST_ID)
        assert seen[0]["erpCustomerNumber"] == CUSTOMER_ID
