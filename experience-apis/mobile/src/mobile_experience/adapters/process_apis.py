"""`OrdersPort` over quote-to-order and `CustomersPort` over create-customer.

Calls carry a service token minted per call with the rep's identity claims, so that the process
tier scopes Idempotency-Keys (and anything else) to the rep, not to this service as a whole.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, ClassVar
from urllib.parse import quote

import httpx

from mobile_experience.adapters.ports import (
    CustomerCreation,
    OrderPlacement,
    ProcessCustomer,
    ProcessOrder,
)
from mobile_experience.domain.errors import (
    CustomerRejected,
    CustomersUnavailable,
    DuplicateCustomer,
    OrderRejected,
    OrdersUnavailable,
    QuoteNotFound,
    QuoteNotOrderable,
    RequestInProgress,
    UpstreamFailed,
)
from mobile_experience.domain.models import Rep
from trivium.problems import Problem
from trivium.upstream import Upstream, problem_slug, translate

TokenFor = Callable[[Rep], str]
IN_PROGRESS = frozenset({"idempotency-request-in-progress", "customer-creation-in-progress"})


def _headers(token: str, idempotency_key: str | None = None) -> dict[str, str]:
    headers = {"Authorization": f"Bearer {token}"}
    if idempotency_key is not None:
        headers["Idempotency-Key"] = idempotency_key
    return headers


def _conflict(response: httpx.Response, settled: type[Problem], *, fallback: str) -> Problem:
    """A 409: the same request still running (the caller may retry it), else `settled`."""
    in_progress = problem_slug(response) in IN_PROGRESS
    return translate(RequestInProgress if in_progress else settled, response, fallback=fallback)


class _ProcessApi:
    """A process API called on behalf of a rep, with a token minted per call."""

    name: ClassVar[str]
    unavailable: ClassVar[type[Problem]]

    def __init__(self, http: httpx.AsyncClient, *, token_for: TokenFor) -> None:
        self._api = Upstream(
            http,
            name=self.name,
            unavailable=self.unavailable,
            rejected=UpstreamFailed,
        )
        self._token_for = token_for


class QuoteToOrderOrders(_ProcessApi):
    """Orders as quote-to-order takes and reports them."""

    name = "Order processing"
    unavailable = OrdersUnavailable

    async def place_quote_order(
        self, quote_id: str, *, rep: Rep, idempotency_key: str, respond_async: bool
    ) -> OrderPlacement:
        headers = _headers(self._token_for(rep), idempotency_key)
        if respond_async:
            headers["Prefer"] = "respond-async"
        response = await self._api.call(
            "POST", "/orders", what="order", json={"quoteId": quote_id}, headers=headers
        )
        status = response.status_code
        if status in (201, 202):
            order = self._api.read(response, ProcessOrder, what="order")
            applied = "respond-async" in response.headers.get("preference-applied", "")
            return OrderPlacement(
                order=order, in_background=status == 202, async_preference_applied=applied
            )
        fallback = f"The order from quote {quote_id!r} was refused."
        if status == 404:
            raise translate(QuoteNotFound, response, fallback=fallback)
        if status == 409:
            raise _conflict(response, QuoteNotOrderable, fallback=fallback)
        if status == 422:
            raise translate(OrderRejected, response, fallback=fallback)
        self._api.fail(response, what="order")

    async def get_order(self, order_id: str, *, rep: Rep) -> ProcessOrder | None:
        response = await self._api.call(
            "GET",
            f"/orders/{quote(order_id, safe='')}",
            what="order read",
            headers=_headers(self._token_for(rep)),
        )
        # 422: an id quote-to-order could never have issued.
        if response.status_code in (404, 422):
            return None
        return self._api.read(response, ProcessOrder, what="order read")


class CreateCustomerCustomers(_ProcessApi):
    """New customers as create-customer creates them in both systems."""

    name = "Customer creation"
    unavailable = CustomersUnavailable

    async def create_customer(
        self,
        customer: Mapping[str, Any],
        *,
        rep: Rep,
        idempotency_key: str,
        on_duplicate: str | None,
    ) -> CustomerCreation:
        response = await self._api.call(
            "POST",
            "/customers",
            what="customer creation",
            json=dict(customer),
            params={"onDuplicate": on_duplicate} if on_duplicate else None,
            headers=_headers(self._token_for(rep), idempotency_key),
        )
        status = response.status_code
        if status in (200, 201, 202):
            created = self._api.read(response, ProcessCustomer, what="customer creation")
            return CustomerCreation(status=status, customer=created)
        fallback = "The customer was not created."
        if status == 409:
            raise _conflict(response, DuplicateCustomer, fallback=fallback)
        if status == 422:
            raise translate(CustomerRejected, response, fallback=fallback)
        self._api.fail(response, what="customer creation")
