"""The request and response shapes every Trivium API shares, for consumer pacts.

Each test still names what its consumer sends and reads; these functions add what every call
between tiers carries anyway (the service token, JSON bodies, RFC 9457 problems):

    interaction = erp_pact.upon_receiving("a request for a sales order").given(
        "a sales order exists", orderId=ORDER_ID
    )
    service_request(interaction, "GET", f"/sales-orders/{ORDER_ID}")
    json_response(interaction, 200, {"id": match.str(ORDER_ID)})
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pact.interaction import HttpInteraction

from trivium_testing import pact_matchers
from trivium_testing.pact_matchers import bearer_token, problem

JSON = "application/json"
PROBLEM_JSON = "application/problem+json"


def service_request(
    interaction: HttpInteraction,
    method: str,
    path: str,
    *,
    query: Mapping[str, Any] | None = None,
    headers: Mapping[str, Any] | None = None,
    idempotency_key: str | None = None,
    body: Any = None,
) -> HttpInteraction:
    """The request as a service sends it to a lower tier: with its bearer token, the given query
    parameters and headers, an `Idempotency-Key` like `idempotency_key` when given, and `body`
    as JSON when there is one."""
    interaction.with_request(method, path).with_header("Authorization", bearer_token())
    if idempotency_key is not None:
        interaction.with_header("Idempotency-Key", pact_matchers.idempotency_key(idempotency_key))
    for name, value in (query or {}).items():
        interaction.with_query_parameter(name, value)
    for name, value in (headers or {}).items():
        interaction.with_header(name, value)
    if body is not None:
        interaction.with_body(body, content_type=JSON)
    return interaction


def json_response(
    interaction: HttpInteraction, status: int, body: Any = None, *, content_type: str = JSON
) -> HttpInteraction:
    """The provider answers `status` with `body` (a JSON document), or with no body at all."""
    interaction.will_respond_with(status)
    if body is not None:
        interaction.with_body(body, content_type=content_type)
    return interaction


def problem_response(
    interaction: HttpInteraction, slug: str, status: int, **fields: Any
) -> HttpInteraction:
    """The provider answers with the RFC 9457 problem `slug` (and its extension `fields`)."""
    return json_response(
        interaction, status, {**problem(slug, status), **fields}, content_type=PROBLEM_JSON
    )
