"""The partner's orders: placed on the partner's own account, followed until completed."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response, status

from partner_portal_experience.api.deps import (
    PartnerDep,
    PortalDep,
    partner_scope,
    public_cursor,
    upstream_cursor,
)
from partner_portal_experience.domain.errors import (
    IDENTITY_PROBLEMS,
    REJECTIONS,
    OrderNotFound,
    OrdersFailed,
    OrdersUnavailable,
)
from partner_portal_experience.domain.models import (
    ORDER_ID_PATTERN,
    OrderStatus,
    PartnerOrderCreate,
    PartnerOrderRead,
)
from partner_portal_experience.domain.orders import (
    get_partner_order,
    list_partner_orders,
    place_partner_order,
)
from trivium.idempotency import idempotent_route, read_idempotency_key
from trivium.paging import DEFAULT_PAGE_SIZE, CursorQuery, InvalidCursor, LimitQuery
from trivium.prefer import PreferHeader, accepted_response, prefers_async
from trivium.problems import problem_responses
from trivium.schemas import Page

router = APIRouter(
    prefix="/partner/v1/orders",
    tags=["orders"],
    route_class=idempotent_route(scope=partner_scope),
)

OrderId = Annotated[str, Path(pattern=ORDER_ID_PATTERN, description="The order's id.")]
ORDER_PROBLEMS = (*IDENTITY_PROBLEMS, OrdersUnavailable, OrdersFailed)
_ACCEPTED = accepted_response(
    PartnerOrderRead,
    "Accepted: the order goes on in the background (asked for with "
    "`Prefer: respond-async`, or a system it needs is unavailable right now); follow "
    "`Location` until its status is `completed` or `failed`.",
)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    responses={**_ACCEPTED, **problem_responses(*REJECTIONS, *ORDER_PROBLEMS)},
)
async def create_order(
    order: PartnerOrderCreate,
    partner: PartnerDep,
    portal: PortalDep,
    request: Request,
    response: Response,
    prefer: PreferHeader = None,
) -> PartnerOrderRead:
    """Place an order on your account, once per `purchaseOrderNumber`. `201` with the order
    when it is in the ERP and the CRM; `202` with `Location` when it goes on in the background.
    A rule that refuses the order is a problem naming it (`insufficient-stock`,
    `credit-limit-exceeded`, `unknown-product`, `duplicate-purchase-order`, ...).
    `Idempotency-Key` is required: a repeat with the same key replays the first answer."""
    respond_async = prefers_async(prefer)
    key = read_idempotency_key(request)
    assert key is not None  # the route class refuses a request without one
    placed = await place_partner_order(
        portal, partner, order, idempotency_key=key, respond_async=respond_async
    )
    response.headers["Location"] = f"/partner/v1/orders/{placed.order.order_id}"
    if placed.in_background:
        response.status_code = status.HTTP_202_ACCEPTED
        if placed.async_applied:
            response.headers["Preference-Applied"] = "respond-async"
    return placed.order


@router.get("", responses=problem_responses(InvalidCursor, *ORDER_PROBLEMS))
async def list_orders(
    partner: PartnerDep,
    portal: PortalDep,
    order_status: Annotated[OrderStatus | None, Query(alias="status")] = None,
    limit: LimitQuery = DEFAULT_PAGE_SIZE,
    cursor: CursorQuery = None,
) -> Page[PartnerOrderRead]:
    """Your orders, newest first, optionally in one status. A page may hold fewer than `limit`
    orders and still have a `nextCursor`."""
    orders, position = await list_partner_orders(
        portal, partner, status=order_status, limit=limit, cursor=upstream_cursor(cursor)
    )
    return Page(items=orders, next_cursor=public_cursor(position))


@router.get("/{order_id}", responses=problem_responses(OrderNotFound, *ORDER_PROBLEMS))
async def get_order(order_id: OrderId, partner: PartnerDep, portal: PortalDep) -> PartnerOrderRead:
    """One of your orders: its status, ERP order number, priced lines and total, the ERP's
    delivery and billing status, and why it failed if it did. `needs_attention`: the ERP has
    accepted the order and our team finishes its CRM record; `notice` says so."""
    return await get_partner_order(portal, partner, order_id)
