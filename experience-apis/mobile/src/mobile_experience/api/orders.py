"""Orders from accepted quotes, and following them."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request, Response, status

from mobile_experience.api.deps import DeskDep, RepDep, rep_scope
from mobile_experience.domain.errors import (
    CrmUnavailable,
    OrderNotFound,
    OrderRejected,
    OrdersUnavailable,
    QuoteNotFound,
    QuoteNotOrderable,
    RepIdentityMissing,
    RequestInProgress,
    UpstreamFailed,
)
from mobile_experience.domain.models import OrderRead
from trivium.idempotency import idempotent_route, read_idempotency_key
from trivium.prefer import PreferHeader, accepted_response, prefers_async
from trivium.problems import problem_responses

router = APIRouter(
    prefix="/mobile/v1", tags=["orders"], route_class=idempotent_route(scope=rep_scope)
)

QuoteId = Annotated[
    str, Path(max_length=18, pattern=r"^[A-Za-z0-9]+$", description="The accepted quote's id.")
]
OrderId = Annotated[
    str, Path(max_length=64, pattern=r"^[A-Za-z0-9_-]+$", description="The order's id.")
]
_ACCEPTED = accepted_response(
    OrderRead,
    "Accepted: the order goes on in the background (asked for with "
    "`Prefer: respond-async`, or a system it needs is unavailable); follow `Location`.",
)


@router.post(
    "/quotes/{quote_id}/order",
    status_code=status.HTTP_201_CREATED,
    responses={
        **_ACCEPTED,
        **problem_responses(
            RepIdentityMissing,
            QuoteNotFound,
            QuoteNotOrderable,
            RequestInProgress,
            OrderRejected,
            OrdersUnavailable,
            CrmUnavailable,
            UpstreamFailed,
        ),
    },
)
async def order_quote(
    quote_id: QuoteId,
    rep: RepDep,
    desk: DeskDep,
    request: Request,
    response: Response,
    prefer: PreferHeader = None,
) -> OrderRead:
    """Turn an accepted quote into an order in the ERP and the CRM. `201` when both have it;
    `202` with `Location` when it goes on in the background. A refusal names its rule in
    `reason` (`quote-not-accepted`, `credit-limit-exceeded`, ...). A quote of an account you do
    not own is a 404, as for a quote that does not exist. `Idempotency-Key` is required: a
    repeat replays the first answer and never orders twice."""
    # The idempotent route has checked that the key is there and well formed.
    idempotency_key = read_idempotency_key(request) or ""
    order, placement = await desk.order_quote(
        rep, quote_id, idempotency_key=idempotency_key, respond_async=prefers_async(prefer)
    )
    response.headers["Location"] = f"/mobile/v1/orders/{order.order_id}"
    if placement.in_background:
        response.status_code = status.HTTP_202_ACCEPTED
        if placement.async_preference_applied:
            response.headers["Preference-Applied"] = "respond-async"
    return order


@router.get(
    "/orders/{order_id}",
    responses=problem_responses(
        RepIdentityMissing, OrderNotFound, OrdersUnavailable, CrmUnavailable, UpstreamFailed
    ),
)
async def get_order(order_id: OrderId, rep: RepDep, desk: DeskDep) -> OrderRead:
    """An order of one of your accounts (or one you placed here, until its account is known;
    another rep's order is a 404): status (`accepted`, `in_erp`, `completed`, `failed`,
    `needs_attention`), ERP order number, lines, total and, when it failed, why.
    `needs_attention`: the ERP accepted the order and the operations team finishes its CRM
    record; `notice` says so."""
    return await desk.get_order(rep, order_id)
