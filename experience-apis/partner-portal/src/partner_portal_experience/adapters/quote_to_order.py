"""`OrdersPort` over the quote-to-order Process API (`/orders`).

Orders are placed with a service token that carries the partner's identity (the process tier
scopes Idempotency-Keys by it) and the client's own Idempotency-Key, so a retried request, from
the client or from the resilient client here, never places an order twice.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, NoReturn

import httpx

from partner_portal_experience.adapters.ports import (
    OrderDraft,
    Placement,
    ProcessOrder,
)
from partner_portal_experience.domain.errors import (
    REJECTION_BY_SLUG,
    OrderRejected,
    OrdersFailed,
    OrdersUnavailable,
    PartnerNotRecognized,
)
from trivium.idempotency import IdempotencyKeyReused
from trivium.prefer import async_applied, call_headers
from trivium.schemas import Page
from trivium.upstream import Upstream, field_errors, problem_body, problem_slug

TokenFor = Callable[[Mapping[str, Any]], str]
IN_PROGRESS = "idempotency-request-in-progress"


def _draft_body(draft: OrderDraft) -> dict[str, Any]:
    body: dict[str, Any] = {
        "accountNumber": draft.account_number,
        "purchaseOrderNumber": draft.purchase_order_number,
        "lines": [{"sku": sku, "quantity": format(qty, "f")} for sku, qty in draft.lines],
    }
    if draft.requested_delivery_date is not None:
        body["requestedDeliveryDate"] = draft.requested_delivery_date.isoformat()
    return body


class QuoteToOrderOrders:
    """Orders as the quote-to-order Process API keeps them."""

    def __init__(self, http: httpx.AsyncClient, *, token_for: TokenFor) -> None:
        self._api = Upstream(
            http,
            name="Order processing",
            unavailable=OrdersUnavailable,
            rejected=OrdersFailed,
        )
        self._token_for = token_for

    async def place_order(
        self,
        draft: OrderDraft,
        *,
        idempotency_key: str,
        respond_async: bool,
        identity: Mapping[str, Any],
    ) -> Placement:
        headers = call_headers(
            self._token_for(identity), idempotency_key=idempotency_key, respond_async=respond_async
        )
        response = await self._api.call(
            "POST", "/orders", what="order placement", json=_draft_body(draft), headers=headers
        )
        if response.status_code not in (200, 201, 202):
            self._refuse(response)
        order = self._api.read(response, ProcessOrder, what="order placement")
        return Placement(
            order=order,
            in_background=response.status_code == 202,
            async_applied=async_applied(response),
        )

    def _refuse(self, response: httpx.Response) -> NoReturn:
        slug = problem_slug(response) or ""
        body = problem_body(response)
        detail = body.get("detail") if isinstance(body.get("detail"), str) else None
        order_id = body.get("orderId")
        extensions: dict[str, Any] = {"orderId": order_id} if isinstance(order_id, str) else {}
        rejection = REJECTION_BY_SLUG.get(slug)
        if rejection is not None:
            raise rejection(detail, errors=field_errors(body), **extensions)
        if slug == "account-not-found":
            raise PartnerNotRecognized("Your account is not known to order processing.")
        if slug == "idempotency-key-reused":
            raise IdempotencyKeyReused(
                "This Idempotency-Key was first used for a different order; send a new key."
            )
        if response.status_code == 409 and slug == IN_PROGRESS:
            raise OrdersUnavailable(
                "The first request with this Idempotency-Key is still running; retry shortly.",
                headers={"Retry-After": response.headers.get("retry-after", "1")},
            )
        if response.status_code in (409, 422):
            raise OrderRejected(detail, errors=field_errors(body), **extensions)
        self._api.fail(response, what="order placement")

    async def get_order(self, order_id: str) -> ProcessOrder | None:
        response = await self._api.call("GET", f"/orders/{order_id}", what="order read")
        if response.status_code == 404:
            return None
        return self._api.read(response, ProcessOrder, what="order read")

    async def list_orders(
        self, *, account_id: str, status: str | None, limit: int, cursor: str | None
    ) -> Page[ProcessOrder]:
        params = {"accountId": account_id, "status": status, "limit": limit, "cursor": cursor}
        return await self._api.read_page(
            "/orders", Page[ProcessOrder], what="order list", params=params
        )
