"""Quote-time check of an order: prices, stock and credit, read concurrently, nothing saved."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

from erp_system.adapters.ports import ErpPort
from erp_system.domain.errors import CreditAccountNotFound
from erp_system.domain.models import (
    CreditRead,
    SalesOrderSimulate,
    SalesOrderSimulationRead,
    SimulationCredit,
    SimulationLineRead,
)
from trivium.schemas import Money

CENT = Decimal("0.01")


async def simulate_sales_order(
    erp: ErpPort, request: SalesOrderSimulate, *, default_currency: str
) -> SalesOrderSimulationRead:
    """Price each line, check stock for the summed quantities and the credit for the total."""
    skus = list(dict.fromkeys(line.sku for line in request.lines))
    customer, prices, stock, credit = await asyncio.gather(
        erp.get_customer(request.customer_id),
        erp.get_prices(skus, customer_id=request.customer_id),
        erp.get_availability(skus, plant=None),
        _credit_or_none(erp, request.customer_id),
    )
    currencies = [area.currency for area in customer.sales_areas if area.currency]
    currency = currencies[0] if currencies else default_currency
    available = {row.sku: row.quantity for row in stock}
    wanted: dict[str, Decimal] = defaultdict(Decimal)
    for line in request.lines:
        wanted[line.sku] += line.quantity
    lines: list[SimulationLineRead] = []
    total = Decimal(0)
    for line in request.lines:
        unit_price = _unit_price(line.unit_price, prices.get(line.sku), currency)
        net = _round(unit_price.amount * line.quantity) if unit_price else None
        total += net or Decimal(0)
        lines.append(
            SimulationLineRead(
                sku=line.sku,
                quantity=line.quantity,
                unit_price=unit_price,
                net_amount=Money(amount=net, currency=currency) if net is not None else None,
                available_quantity=available.get(line.sku, Decimal(0)),
                in_stock=available.get(line.sku, Decimal(0)) >= wanted[line.sku],
            )
        )
    credit_view = _credit_view(credit, total, currency)
    return SalesOrderSimulationRead(
        customer_id=customer.id,
        currency=currency,
        lines=lines,
        total=Money(amount=_round(total), currency=currency),
        priced=all(line.unit_price is not None for line in lines),
        in_stock=all(line.in_stock for line in lines),
        credit=credit_view,
        credit_ok=credit_view is not None and credit_view.sufficient,
    )


async def _credit_or_none(erp: ErpPort, customer_id: str) -> CreditRead | None:
    try:
        return await erp.get_credit(customer_id)
    except CreditAccountNotFound:
        return None


def _unit_price(negotiated: Decimal | None, listed: Money | None, currency: str) -> Money | None:
    if negotiated is not None:
        return Money(amount=negotiated, currency=currency)
    if listed is not None and listed.currency == currency:
        return listed
    return None


def _credit_view(
    credit: CreditRead | None, total: Decimal, currency: str
) -> SimulationCredit | None:
    if credit is None:
        return None
    # Without exchange rates an order in another currency cannot be held against the limit.
    comparable = credit.currency == currency
    return SimulationCredit(
        limit=credit.limit,
        exposure=credit.exposure,
        available=credit.available,
        blocked=credit.blocked,
        sufficient=comparable and not credit.blocked and total <= credit.available,
    )


def _round(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)
