"""Orders: placed from an accepted quote or a partner's lines, followed on a status resource."""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, Path, Query, Response, status

from quote_to_order_process.api.deps import FlowDep
from quote_to_order_process.domain.errors import (
    REJECTIONS,
    AccountNotFound,
    AccountScopeRequired,
    CrmUnavailable,
    OrderNotFound,
)
from quote_to_order_process.domain.models import OrderCreate, OrderRead, OrderStatus
from quote_to_order_process.domain.ownership import check_rep_lists_account
from quote_to_order_process.domain.processing import Outcome, submit_order
from quote_to_order_process.domain.progress import get_order_with_progress
from trivium.acting_rep import ActingRepDep
from trivium.idempotency import (
    IdempotentRequestId,
    caller_scope,
    idempotent_route,
    service_and_consumer,
)
from trivium.ids import ULID_PATTERN
from trivium.paging import (
    DEFAULT_PAGE_SIZE,
    CursorQuery,
    InvalidCursor,
    LimitQuery,
    decode_cursor,
    encode_cursor,
)
from trivium.prefer import PreferHeader, accepted_response, prefers_async
from trivium.problems import ServiceUnavailable, problem_responses
from trivium.schemas import Page

router = APIRouter(
    prefix="/orders",
    tags=["orders"],
    route_class=idempotent_route(scope=caller_scope(service_and_consumer)),
)

ORDER_ID_PATTERN = ULID_PATTERN
OrderId = Annotated[str, Path(pattern=ORDER_ID_PATTERN, description="The order's id.")]
_ORDER_ID = re.compile(ORDER_ID_PATTERN)
_ACCEPTED = accepted_response(
    OrderRead,
    "Accepted: the order runs in the background (asked for with "
    "`Prefer: respond-async`, or a system it needs is unavailable); follow `Location`.",
)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    responses={
        **_ACCEPTED,
        **problem_responses(*REJECTIONS, ServiceUnavailable),
    },
)
async def create_order(
    order: OrderCreate,
    flow: FlowDep,
    rep: ActingRepDep,
    response: Response,
    request_id: IdempotentRequestId,
    prefer: PreferHeader = None,
) -> OrderRead:
    """Place an order in the ERP (exactly once per quote or purchase order number) and in the
    CRM. `201` when both exist; `202` with `Location` when it goes on in the background; a
    business rejection is a problem naming the rule (`credit-limit-exceeded`, ...) and the
    `orderId` kept for it; `503` with `Retry-After`, and nothing kept, when the CRM cannot say
    which org it is (a quote is ordered once per org). `Idempotency-Key` is required: a repeat
    replays the first answer, and a repeat after the first request's answer was lost goes on with
    the order it created. For a sales rep (named in the service token), a quote of an
    account the rep does not own is a `404 quote-not-found`, and nothing is kept."""
    respond_async = prefers_async(prefer)
    processed = await submit_order(
        flow, order, respond_async=respond_async, rep=rep, request_id=request_id
    )
    if processed.rejection is not None:
        raise processed.rejection
    placed = processed.order
    assert placed is not None
    response.headers["Location"] = f"/orders/{placed.id}"
    if processed.outcome is not Outcome.COMPLETED:
        response.status_code = status.HTTP_202_ACCEPTED
        if respond_async:
            response.headers["Preference-Applied"] = "respond-async"
    return OrderRead.from_state(placed)


@router.get(
    "/{order_id}",
    responses=problem_responses(OrderNotFound, CrmUnavailable),
)
async def get_order(order_id: OrderId, flow: FlowDep, rep: ActingRepDep) -> OrderRead:
    """The order, the step it has reached, its last error or failure, and the ERP's delivery
    and billing status of its sales order (as last read, when the ERP is unavailable). For a
    sales rep, only an order of an account the rep owns (else 404; 503 while the CRM cannot
    tell)."""
    order = await get_order_with_progress(flow, order_id, rep=rep)
    if order is None:
        raise OrderNotFound(f"No order has the id {order_id!r}.")
    return OrderRead.from_state(order)


@router.get(
    "",
    responses=problem_responses(
        InvalidCursor, AccountScopeRequired, AccountNotFound, CrmUnavailable
    ),
)
async def list_orders(
    flow: FlowDep,
    rep: ActingRepDep,
    account_id: Annotated[str | None, Query(alias="accountId", max_length=18)] = None,
    order_status: Annotated[OrderStatus | None, Query(alias="status")] = None,
    limit: LimitQuery = DEFAULT_PAGE_SIZE,
    cursor: CursorQuery = None,
) -> Page[OrderRead]:
    """Orders newest first, of one account and/or in one status. With a status, a page may
    hold fewer than `limit` orders and still have a `nextCursor`. Delivery and billing status
    are as last read (`GET /orders/{orderId}` reads them from the ERP). A sales rep lists one
    account they own at a time (`accountId`)."""
    if rep is not None:
        await check_rep_lists_account(flow, account_id, rep=rep)
    after = decode_cursor(cursor, shape=_ORDER_ID) if cursor else None
    orders, last = await flow.store.list_orders(
        account_id=account_id, status=order_status, limit=limit, after=after
    )
    return Page(
        items=[OrderRead.from_state(order) for order in orders],
        next_cursor=encode_cursor(last) if last else None,
    )
