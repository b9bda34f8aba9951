"""Quote-time check of an order: prices, stock and credit, nothing saved.

Where the ERP simulates orders (S/4HANA), one simulation prices the order and runs the ERP's
credit check while the stock is read beside it: two backend round trips. The credit account's
figures are read only to explain a failed or missing check. Elsewhere, and when the ERP refuses
to simulate (an unknown product or customer, which the reads name precisely), the customer,
prices and credit are read one by one.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

from erp_system.adapters.ports import ErpPort
from erp_system.domain.errors import CreditAccountNotFound, ErpRejected
from erp_system.domain.models import (
    CreditCheck,
    CreditRead,
    OrderPricing,
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
    (pricing, credit), stock = await asyncio.gather(
        _pricing(erp, request, default_currency=default_currency),
        erp.get_availability(skus, plant=None),
    )
    currency = pricing.currency
    available = {row.sku: row.quantity for row in stock}
    wanted: dict[str, Decimal] = defaultdict(Decimal)
    for line in request.lines:
        wanted[line.sku] += line.quantity
    lines: list[SimulationLineRead] = []
    total = Decimal(0)
    for line in request.lines:
        listed = pricing.list_prices.get(line.sku)
        unit_price = _unit_price(line.unit_price, listed, currency)
        net = _round(unit_price.amount * line.quantity) if unit_price else None
        total += net or Decimal(0)
        lines.append(
            SimulationLineRead(
                sku=line.sku,
                quantity=line.quantity,
                list_price=listed,
                unit_price=unit_price,
                net_amount=Money(amount=net, currency=currency) if net is not None else None,
                available_quantity=available.get(line.sku, Decimal(0)),
                in_stock=available.get(line.sku, Decimal(0)) >= wanted[line.sku],
            )
        )
    if pricing.credit_check is not CreditCheck.PASSED and credit is None:
        credit = await _credit_or_none(erp, request.customer_id)
    credit_ok = pricing.credit_check is CreditCheck.PASSED
    return SalesOrderSimulationRead(
        customer_id=request.customer_id,
        currency=currency,
        lines=lines,
        total=Money(amount=_round(total), currency=currency),
        priced=all(line.unit_price is not None for line in lines),
        in_stock=all(line.in_stock for line in lines),
        credit=_credit_view(credit, sufficient=credit_ok),
        credit_ok=credit_ok,
    )


async def _pricing(
    erp: ErpPort, request: SalesOrderSimulate, *, default_currency: str
) -> tuple[OrderPricing, CreditRead | None]:
    """The ERP's pricing and credit check of the order, with the credit figures when read."""
    try:
        simulated = await erp.price_order(request)
    except ErpRejected:
        simulated = None
    if simulated is not None:
        return simulated, None
    return await _pricing_from_reads(erp, request, default_currency=default_currency)


async def _pricing_from_reads(
    erp: ErpPort, request: SalesOrderSimulate, *, default_currency: str
) -> tuple[OrderPricing, CreditRead | None]:
    skus = list(dict.fromkeys(line.sku for line in request.lines))
    customer, prices, credit = await asyncio.gather(
        erp.get_customer(request.customer_id),
        erp.get_prices(skus, customer_id=request.customer_id),
        _credit_or_none(erp, request.customer_id),
    )
    currencies = [area.currency for area in customer.sales_areas if area.currency]
    currency = currencies[0] if currencies else default_currency
    total = Decimal(0)
    for line in request.lines:
        unit_price = _unit_price(line.unit_price, prices.get(line.sku), currency)
        total += _round(unit_price.amount * line.quantity) if unit_price else Decimal(0)
    return OrderPricing(currency, prices, _credit_check(credit, total, currency)), credit


def _credit_check(credit: CreditRead | None, total: Decimal, currency: str) -> CreditCheck:
    if credit is None:
        return CreditCheck.NOT_CHECKED
    # Without exchange rates an order in another currency cannot be held against the limit.
    comparable = credit.currency == currency
    fits = comparable and not credit.blocked and total <= credit.available
    return CreditCheck.PASSED if fits else CreditCheck.FAILED


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


def _credit_view(credit: CreditRead | None, *, sufficient: bool) -> SimulationCredit | None:
    if credit is None:
        return None
    return SimulationCredit(
        limit=credit.limit,
        exposure=credit.exposure,
        available=credit.available,
        currency=credit.currency,
        blocked=credit.blocked,
        sufficient=sufficient,
    )


def _round(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)
