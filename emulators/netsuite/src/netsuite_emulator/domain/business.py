"""The business rules of the account: prices, credit exposure, availability, order status.

Pure functions over values, so that they are tested on their own; the record modules feed them
what they read from the database.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
# Sales order statuses: (SuiteQL code, the name REST and BUILTIN.DF show).
PENDING_APPROVAL = ("A", "Pending Approval")
PENDING_FULFILLMENT = ("B", "Pending Fulfillment")
CANCELLED = ("C", "Cancelled")
PARTIALLY_FULFILLED = ("D", "Partially Fulfilled")
PENDING_BILLING_PARTIALLY_FULFILLED = ("E", "Pending Billing/Partially Fulfilled")
PENDING_BILLING = ("F", "Pending Billing")
BILLED = ("G", "Billed")
CLOSED = ("H", "Closed")
SALES_ORDER_STATUSES = dict(
    (
        PENDING_APPROVAL,
        PENDING_FULFILLMENT,
        CANCELLED,
        PARTIALLY_FULFILLED,
        PENDING_BILLING_PARTIALLY_FULFILLED,
        PENDING_BILLING,
        BILLED,
        CLOSED,
    )
)
INVOICE_STATUSES = {"A": "Open", "B": "Paid In Full"}
FULFILLMENT_STATUSES = {"A": "Picked", "B": "Packed", "C": "Shipped"}
# Orders that no longer count towards the customer's unbilled orders.
CLOSED_ORDER_CODES = frozenset({CANCELLED[0], BILLED[0], CLOSED[0]})


def round_money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def unit_price(*, base_price: Decimal | None, customer_price: Decimal | None) -> Decimal:
    """The rate of a line without one: the customer's own item price, else the base price."""
    if customer_price is not None:
        return customer_price
    return base_price if base_price is not None else Decimal(0)


def credit_exposure(*, balance: Decimal, unbilled_orders: Decimal) -> Decimal:
    """What the customer owes and has ordered but not yet been billed for."""
    return balance + unbilled_orders


def exceeds_credit_limit(
    *, credit_limit: Decimal | None, exposure: Decimal, order_total: Decimal
) -> bool:
    """Whether an order of `order_total` takes the customer over the limit (no limit: never)."""
    return credit_limit is not None and exposure + order_total > credit_limit


@dataclass(frozen=True)
class LineProgress:
    """How much of an order line is ordered, shipped and billed."""

    quantity: Decimal
    fulfilled: Decimal
    billed: Decimal


def sales_order_status(lines: Iterable[LineProgress], *, current: str) -> str:
    """The status code an order has after a fulfillment or an invoice."""
    progress = list(lines)
    if current in (CANCELLED[0], CLOSED[0]) or not progress:
        return current
    fully_fulfilled = all(line.fulfilled >= line.quantity for line in progress)
    any_fulfilled = any(line.fulfilled > 0 for line in progress)
    fully_billed = all(line.billed >= line.quantity for line in progress)
    unbilled_shipped = any(line.fulfilled > line.billed for line in progress)
    if fully_fulfilled and fully_billed:
        return BILLED[0]
    if fully_fulfilled:
        return PENDING_BILLING[0]
    if any_fulfilled:
        return (PENDING_BILLING_PARTIALLY_FULFILLED if unbilled_shipped else PARTIALLY_FULFILLED)[0]
    return current if current == PENDING_APPROVAL[0] else PENDING_FULFILLMENT[0]


def unbilled_amount(lines: Iterable[tuple[Decimal, Decimal, Decimal]]) -> Decimal:
    """The sum of (quantity - billed) * rate over an order's (quantity, billed, rate) lines."""
    return round_money(sum(((q - b) * r for q, b, r in lines), Decimal(0)))


def available(on_hand: Decimal, committed: Decimal) -> Decimal:
    return max(on_hand - committed, Decimal(0))
