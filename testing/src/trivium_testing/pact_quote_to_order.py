"""What the experience APIs' pacts with quote-to-order declare alike: an order's status, the
example order's priced lines, and the read of the example order.

    interaction = order_read(orders_pact, "a request for an order", "an order was completed")
    json_response(interaction, 200, {"orderId": ulid(ORDER_ID), "status": order_status()})
"""

from __future__ import annotations

from typing import Any

from pact import Pact, match
from pact.interaction import HttpInteraction
from pact.match.matcher import AbstractMatcher

from trivium_testing.pact_examples import ORDER_ID, SKU
from trivium_testing.pact_interactions import service_request
from trivium_testing.pact_matchers import decimal_string, money

ORDER_STATUS = r"^(accepted|in_erp|completed|failed|needs_attention)$"


def order_status(example: str = "completed") -> AbstractMatcher[Any]:
    """The status of an order, as quote-to-order names them."""
    return match.regex(example, regex=ORDER_STATUS)


def priced_lines() -> dict[str, Any]:
    """The example order's lines and total: two of the example sku at 114.00."""
    return {
        "lines": match.each_like(
            {
                "sku": match.str(SKU),
                "quantity": decimal_string("2"),
                "unitPrice": money("114.00"),
                "netAmount": money("228.00"),
            }
        ),
        "total": money("228.00"),
    }


def order_read(pact: Pact, description: str, state: str, **params: str) -> HttpInteraction:
    """A read of the example order, the provider in `state` (with `params`)."""
    interaction = pact.upon_receiving(description).given(state, **params)
    return service_request(interaction, "GET", f"/orders/{ORDER_ID}")
