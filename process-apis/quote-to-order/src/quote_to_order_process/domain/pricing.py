"""Business rules on what the ERP says: prices within tolerance, stock, credit."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal

from quote_to_order_process.adapters.ports import ErpAssessment
from quote_to_order_process.domain.errors import (
    CreditBlocked,
    CreditLimitExceeded,
    InsufficientStock,
    PriceMismatch,
    UnknownProduct,
)
from quote_to_order_process.domain.models import PricedLine, RequestedLine
from trivium.problems import FieldError

CENT = Decimal("0.01")
HUNDRED = Decimal(100)
# Below this, a difference is rounding (prices of three decimals against two), not a mismatch.
ROUNDING_SLACK = Decimal("0.005")


def round_money(amount: Decimal) -> Decimal:
    """Commercial rounding to cents."""
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def net_unit_price(unit_price: Decimal, discount_percent: Decimal | None) -> Decimal:
    """The unit price after a line discount, in cents."""
    if not discount_percent:
        return round_money(unit_price)
    return round_money(unit_price * (HUNDRED - discount_percent) / HUNDRED)


def erp_prices(
    lines: Sequence[RequestedLine], assessment: ErpAssessment
) -> tuple[str, list[tuple[RequestedLine, Decimal]]]:
    """The currency of the customer's prices and each line with its ERP unit price;
    UnknownProduct for unpriced skus, PriceMismatch for prices in several currencies."""
    unpriced = [
        FieldError(pointer=f"/lines/{index}/sku", detail=f"{line.sku} has no price in the ERP")
        for index, line in enumerate(lines)
        if line.sku not in assessment.prices
    ]
    if unpriced:
        raise UnknownProduct("The ERP cannot sell some of the products.", errors=unpriced)
    prices = [assessment.prices[line.sku] for line in lines]
    currencies = sorted({price.currency for price in prices})
    if len(currencies) != 1:
        raise PriceMismatch(
            f"The ERP prices these products in several currencies ({', '.join(currencies)})."
        )
    return currencies[0], [(line, price.amount) for line, price in zip(lines, prices, strict=True)]


def quoted_net_price(line: RequestedLine) -> Decimal | None:
    """The unit price a quote line will be ordered at, if its quoted price stands (None for a
    line without one, or whose discount makes it negative)."""
    if line.quoted_unit_price is None:
        return None
    price = net_unit_price(line.quoted_unit_price, line.discount_percent)
    return price if price >= 0 else None


def price_direct_lines(
    lines: Sequence[RequestedLine], assessment: ErpAssessment
) -> tuple[str, list[PricedLine]]:
    """A partner's lines at the ERP's prices for the customer, and their currency."""
    currency, prices = erp_prices(lines, assessment)
    return currency, [
        _priced(line, round_money(price), erp_unit_price=price) for line, price in prices
    ]


def price_quote_lines(
    lines: Sequence[RequestedLine],
    assessment: ErpAssessment,
    *,
    quote_currency: str | None,
    tolerance_percent: Decimal,
) -> tuple[str, list[PricedLine]]:
    """A quote's lines at their negotiated prices, once each quoted unit price (before its
    discount) is within `tolerance_percent` of the ERP's price, and their currency;
    PriceMismatch otherwise."""
    currency, prices = erp_prices(lines, assessment)
    if quote_currency is not None and quote_currency != currency:
        raise PriceMismatch(
            f"The quote is in {quote_currency} but the customer buys in {currency}."
        )
    priced: list[PricedLine] = []
    mismatches: list[FieldError] = []
    for index, (line, erp_price) in enumerate(prices):
        quoted = line.quoted_unit_price if line.quoted_unit_price is not None else erp_price
        allowed = max(erp_price * tolerance_percent / HUNDRED, ROUNDING_SLACK)
        if abs(quoted - erp_price) > allowed:
            mismatches.append(
                FieldError(
                    pointer=f"/lines/{index}/unitPrice",
                    detail=f"{line.sku}: quoted {quoted}, ERP price {erp_price}",
                )
            )
            continue
        unit = net_unit_price(quoted, line.discount_percent)
        priced.append(_priced(line, unit, erp_unit_price=erp_price))
    if mismatches:
        raise PriceMismatch(
            f"Quoted unit prices differ from the ERP's by more than {tolerance_percent} %.",
            errors=mismatches,
        )
    return currency, priced


def _priced(line: RequestedLine, unit_price: Decimal, *, erp_unit_price: Decimal) -> PricedLine:
    if unit_price < 0:
        raise PriceMismatch(f"{line.sku}: the discount makes the price negative.")
    return PricedLine(
        sku=line.sku,
        quantity=line.quantity,
        unit_price=unit_price,
        net_amount=round_money(unit_price * line.quantity),
        quoted_unit_price=line.quoted_unit_price,
        discount_percent=line.discount_percent,
        erp_unit_price=erp_unit_price,
    )


def order_total(lines: Sequence[PricedLine]) -> Decimal:
    """The sum of the lines' net amounts."""
    return sum((line.net_amount for line in lines), Decimal(0))


def check_stock(lines: Sequence[RequestedLine], assessment: ErpAssessment) -> None:
    """Every sku's unrestricted stock covers what the order asks for (summed over its lines)."""
    wanted: dict[str, Decimal] = defaultdict(Decimal)
    for line in lines:
        wanted[line.sku] += line.quantity
    short = [
        FieldError(
            pointer=f"/lines/{index}/quantity",
            detail=f"{line.sku}: {wanted[line.sku]} wanted, {available} available",
        )
        for index, line in enumerate(lines)
        if (available := assessment.stock.get(line.sku, Decimal(0))) < wanted[line.sku]
    ]
    if short:
        raise InsufficientStock("Some products are not in stock in that quantity.", errors=short)


def check_credit(assessment: ErpAssessment, total: Decimal, *, currency: str) -> None:
    """The ERP's credit check passes the order; else the credit position says why: the
    customer is blocked, or the order does not fit the available credit."""
    if assessment.credit_passed:
        return
    credit = assessment.credit
    if credit is None:
        raise CreditLimitExceeded(
            f"The customer {assessment.customer_id} has no credit limit in the ERP.",
            orderTotal=str(total),
        )
    if credit.blocked:
        raise CreditBlocked(
            f"The customer {assessment.customer_id} is blocked in credit management."
        )
    if credit.currency != currency:
        # Without exchange rates an order in another currency cannot be held against the limit.
        raise CreditLimitExceeded(
            f"The order is in {currency} but the customer's credit limit is in {credit.currency}.",
            orderTotal=str(total),
        )
    if total > credit.available:
        raise CreditLimitExceeded(
            f"The order total {total} {currency} exceeds the available credit of "
            f"{credit.available} {currency}.",
            orderTotal=str(total),
            availableCredit=str(credit.available),
        )
    raise CreditLimitExceeded(
        f"The ERP's credit check refuses the order total {total} {currency} "
        f"(available credit {credit.available} {currency}).",
        orderTotal=str(total),
        availableCredit=str(credit.available),
    )
