"""A partner's orders: placed through the quote-to-order Process API on the partner's own
account, read back only when they belong to that account, and told with the ERP's delivery and
billing status."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import cast

from partner_portal_experience.adapters.ports import ErpOrderProgress, OrderDraft, ProcessOrder
from partner_portal_experience.domain.errors import (
    OrderNotFound,
    UpstreamFailed,
    UpstreamUnavailable,
)
from partner_portal_experience.domain.models import (
    FailureRead,
    OrderLineRead,
    OrderStatus,
    PartnerOrderCreate,
    PartnerOrderRead,
    ProgressStatus,
)
from partner_portal_experience.domain.partners import Partner
from partner_portal_experience.domain.portal import PartnerPortal

log = logging.getLogger(__name__)

PROGRESS_STATUSES = frozenset({"not_started", "partial", "complete", "not_relevant"})


@dataclass(frozen=True)
class PlacedOrder:
    order: PartnerOrderRead
    in_background: bool
    async_applied: bool


def belongs_to(order: ProcessOrder, partner: Partner) -> bool:
    """True for an order on the partner's own account (by CRM id, or by number before the
    process has looked the account up)."""
    if order.account_id is not None:
        return order.account_id == partner.account_id
    return order.account_number == partner.account_number


def shape_order(order: ProcessOrder, progress: ErpOrderProgress | None) -> PartnerOrderRead:
    """The partner's view of an order, with the ERP's progress when it is known."""
    erp = progress if progress is not None and progress.id == order.erp_order_number else None
    failure = order.failure
    return PartnerOrderRead(
        order_id=order.order_id,
        status=OrderStatus(order.status),
        erp_order_number=order.erp_order_number,
        purchase_order_number=order.purchase_order_number,
        lines=[
            OrderLineRead(
                sku=line.sku,
                quantity=line.quantity,
                unit_price=line.unit_price,
                net_amount=line.net_amount,
            )
            for line in order.lines
        ],
        total=order.total,
        delivery_status=_progress_status(erp.delivery_status if erp else None),
        billing_status=_progress_status(erp.billing_status if erp else None),
        failure=(
            FailureRead(type=failure.type, title=failure.title, detail=failure.detail)
            if failure is not None and order.status == OrderStatus.FAILED
            else None
        ),
        notice=_notice(order),
    )


def _notice(order: ProcessOrder) -> str | None:
    # The CRM's own reason stays with the operators: the partner learns what it means for them.
    if order.status != OrderStatus.NEEDS_ATTENTION:
        return None
    accepted = f" as {order.erp_order_number}" if order.erp_order_number else ""
    return (
        f"Your order was accepted by the ERP{accepted}; the CRM record needs attention from "
        "our team. Nothing is needed from you."
    )


def _progress_status(value: str | None) -> ProgressStatus | None:
    # A status the ERP System API may add later reads as unknown rather than failing the order.
    return cast(ProgressStatus, value) if value in PROGRESS_STATUSES else None


def _progress_key(order_number: str) -> str:
    return f"erp-order:{order_number}"


def progress_told(order: ProcessOrder, partner: Partner) -> ErpOrderProgress | None:
    """The ERP progress the process tier told with an order it has just placed on the
    partner's own account: read when the ERP created it, so it is not read again."""
    if (
        order.erp_order_number is None
        or order.delivery_status is None
        or order.billing_status is None
        or partner.customer_number is None
    ):
        return None
    return ErpOrderProgress(
        id=order.erp_order_number,
        customer_id=partner.customer_number,
        delivery_status=order.delivery_status,
        billing_status=order.billing_status,
    )


async def progress_of(
    portal: PartnerPortal, partner: Partner, order_numbers: Iterable[str]
) -> dict[str, ErpOrderProgress]:
    """The ERP progress of the partner's orders that the ERP can tell about now.

    Recently read progress comes from the cache; the rest is read a few orders at a time. An
    order the ERP does not know, cannot tell about now, or holds for another customer is left
    out, and its statuses stay null.
    """
    numbers = list(dict.fromkeys(order_numbers))
    if not numbers or partner.customer_number is None:
        return {}
    cached = await portal.cached([_progress_key(n) for n in numbers], ErpOrderProgress)
    found = {n: hit for n, hit in zip(numbers, cached, strict=True) if hit is not None}
    slots = asyncio.Semaphore(portal.policy.erp_reads_at_once)

    async def read(number: str) -> None:
        async with slots:
            try:
                progress = await portal.erp.get_order_progress(number)
            except (UpstreamUnavailable, UpstreamFailed) as error:
                log.warning("orders.erp_progress_unavailable", extra={"problem": error.slug})
                return
        if progress is not None:
            found[number] = progress
            ttl = portal.policy.progress_ttl_seconds
            await portal.remember(_progress_key(number), progress, ttl_seconds=ttl)

    await asyncio.gather(*(read(n) for n in numbers if n not in found))
    return {n: p for n, p in found.items() if p.customer_id == partner.customer_number}


async def _shaped(
    portal: PartnerPortal, partner: Partner, orders: list[ProcessOrder]
) -> list[PartnerOrderRead]:
    numbers = [order.erp_order_number for order in orders if order.erp_order_number]
    progress = await progress_of(portal, partner, numbers)
    return [shape_order(order, progress.get(order.erp_order_number or "")) for order in orders]


async def place_partner_order(
    portal: PartnerPortal,
    partner: Partner,
    order: PartnerOrderCreate,
    *,
    idempotency_key: str,
    respond_async: bool,
) -> PlacedOrder:
    """Hand the order to the process tier on the partner's own account (never one named in
    the request), with the client's Idempotency-Key."""
    draft = OrderDraft(
        account_number=partner.account_number,
        purchase_order_number=order.purchase_order_number,
        lines=[(line.sku, line.quantity) for line in order.lines],
        requested_delivery_date=order.requested_delivery_date,
    )
    placement = await portal.orders.place_order(
        draft,
        idempotency_key=idempotency_key,
        respond_async=respond_async,
        identity=partner.identity_claims(),
    )
    told = progress_told(placement.order, partner)
    if told is not None:
        shaped = shape_order(placement.order, told)
    else:
        [shaped] = await _shaped(portal, partner, [placement.order])
    return PlacedOrder(
        order=shaped,
        in_background=placement.in_background,
        async_applied=placement.async_applied,
    )


async def get_partner_order(
    portal: PartnerPortal, partner: Partner, order_id: str
) -> PartnerOrderRead:
    """One of the partner's orders; another partner's order is not found, like a missing one."""
    order = await portal.orders.get_order(order_id)
    if order is None or not belongs_to(order, partner):
        raise OrderNotFound(f"You have no order with the id {order_id!r}.")
    [shaped] = await _shaped(portal, partner, [order])
    return shaped


async def list_partner_orders(
    portal: PartnerPortal,
    partner: Partner,
    *,
    status: OrderStatus | None,
    limit: int,
    cursor: str | None,
) -> tuple[list[PartnerOrderRead], str | None]:
    """The partner's orders, newest first, and the process tier's position after them."""
    listing = await portal.orders.list_orders(
        account_id=partner.account_id,
        status=status.value if status else None,
        limit=limit,
        cursor=cursor,
    )
    mine = [order for order in listing.items if belongs_to(order, partner)]
    return await _shaped(portal, partner, mine), listing.next_cursor
