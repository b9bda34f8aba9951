"""Pricing of sales order items from condition records, order totals and the credit check.

An item's price is its manual condition (e.g. PMP0) when the client sent one, else the list
price (PPR0) valid on the pricing date for the sales area and material, a customer-specific
record winning over a general one. No price found leaves the item at zero, as SAP leaves an
item with incomplete pricing. The credit check compares the customer's exposure, this order
included, with the limit of its credit account.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from s4hana_emulator.odata.rules import WriteContext
from s4hana_emulator.odata.store import Row
from s4hana_emulator.odata.values import format_decimal
from s4hana_emulator.services.credit.accounts import exposure_of

LIST_PRICE = "PPR0"
LIST_PRICE_STEP = "10"
TAX_RATE = Decimal("0.19")
CENT = Decimal("0.01")
ORDER = "A_SalesOrder"
ITEM = "A_SalesOrderItem"
ELEMENT = "A_SalesOrderItemPrElement"


@dataclass(frozen=True)
class ListPrice:
    record: str
    rate: Decimal
    per: Decimal
    currency: str


def list_price(
    ctx: WriteContext, *, material: str, order: Row, condition_type: str = LIST_PRICE
) -> ListPrice | None:
    """The list price record that applies to the material on the order's pricing date."""
    on = order.get("PricingDate") or order.get("SalesOrderDate") or order.get("CreationDate")
    rows = ctx.store.query(
        "SELECT r.ConditionRecord, r.ConditionRateValue, r.ConditionQuantity, "
        "r.ConditionRateValueUnit, r.ConditionCurrency FROM A_SlsPrcgCndnRecdValidity v "
        "JOIN A_SlsPrcgConditionRecord r ON r.ConditionRecord = v.ConditionRecord "
        "WHERE v.ConditionType = ? AND v.Material = ? AND v.SalesOrganization = ? "
        "AND v.DistributionChannel = ? AND (v.Customer = '' OR v.Customer = ?) "
        "AND v.ConditionValidityStartDate <= ? AND v.ConditionValidityEndDate >= ? "
        "AND r.ConditionIsDeleted = 0 "
        "ORDER BY (v.Customer = ?) DESC, v.ConditionValidityStartDate DESC LIMIT 1",
        (
            condition_type, material, order["SalesOrganization"], order["DistributionChannel"],
            order["SoldToParty"], on, on, order["SoldToParty"],
        ),
    )  # fmt: skip
    if not rows:
        return None
    row = rows[0]
    per = Decimal(str(row["ConditionQuantity"] or 1)) or Decimal(1)
    currency = row["ConditionRateValueUnit"] or row["ConditionCurrency"]
    return ListPrice(row["ConditionRecord"], Decimal(str(row["ConditionRateValue"])), per, currency)


def _money(value: Decimal) -> str:
    return format_decimal(value.quantize(CENT, rounding=ROUND_HALF_UP), 3)


@dataclass(frozen=True)
class ItemPrice:
    """What pricing sets on an item and its conditions (the rules, apart from the writes)."""

    # The list price condition's values (None: no list price applies).
    list_price: dict[str, Any] | None
    # Changes to the manual condition that prices the item (the last one entered), if any.
    manual: dict[str, Any] | None
    # Changes to the item: net value, tax and currency.
    changes: dict[str, Any]


def item_price(ctx: WriteContext, order: Row, item: Row, manual: list[Row]) -> ItemPrice:
    """The item's price from its manual conditions or the list price (reads, writes nothing)."""
    quantity = Decimal(str(item["RequestedQuantity"]))
    found = list_price(ctx, material=item["Material"], order=order)
    currency = order["TransactionCurrency"] or (found.currency if found else "")
    listed = None
    if found is not None:
        listed = _list_price_values(found, quantity, inactive=bool(manual), currency=currency)
    unit_price = Decimal(0)
    chosen = None
    if manual:
        last = manual[-1]
        per = Decimal(str(last["ConditionQuantity"] or 1)) or Decimal(1)
        unit_price = Decimal(str(last["ConditionRateValue"])) / per
        chosen = {
            "ConditionAmount": _money(unit_price * quantity),
            "ConditionBaseValue": format_decimal(quantity, 9),
            "TransactionCurrency": currency,
        }
    elif found is not None:
        unit_price = found.rate / found.per
    net = (unit_price * quantity).quantize(CENT, rounding=ROUND_HALF_UP)
    changes: dict[str, Any] = {
        "NetAmount": _money(net),
        "Subtotal1Amount": _money(net),
        "TaxAmount": _money(net * TAX_RATE),
        "TransactionCurrency": currency,
    }
    return ItemPrice(listed, chosen, changes)


def list_price_key(item: Row) -> dict[str, Any]:
    """The key of an item's list price condition."""
    return {
        "SalesOrder": item["SalesOrder"],
        "SalesOrderItem": item["SalesOrderItem"],
        "PricingProcedureStep": LIST_PRICE_STEP,
        "PricingProcedureCounter": "1",
    }


def price_item(ctx: WriteContext, order: Row, item: Row) -> Row:
    """Set the item's pricing elements, net value and tax; returns the updated item."""
    key = (item["SalesOrder"], item["SalesOrderItem"])
    elements = ctx.select(ELEMENT, "t.SalesOrder = ? AND t.SalesOrderItem = ?", key)
    manual = [element for element in elements if element["ConditionIsManuallyChanged"]]
    priced = item_price(ctx, order, item, manual)
    if priced.list_price is not None:
        condition = list_price_key(item)
        existing = ctx.get(ELEMENT, condition)
        if existing is None:
            ctx.insert(ELEMENT, {**condition, **priced.list_price})
        else:
            ctx.update(ELEMENT, existing, priced.list_price)
    if priced.manual is not None:
        ctx.update(ELEMENT, manual[-1], priced.manual)
    return ctx.update(ITEM, item, priced.changes)


def _list_price_values(
    found: ListPrice, quantity: Decimal, *, inactive: bool, currency: str
) -> dict[str, Any]:
    return {
        "ConditionType": LIST_PRICE,
        "ConditionCalculationType": "C",
        "ConditionBaseValue": format_decimal(quantity, 9),
        "ConditionRateValue": format_decimal(found.rate, 9),
        "ConditionCurrency": found.currency,
        "ConditionQuantity": format_decimal(found.per, 0),
        "ConditionCategory": "B",
        "ConditionOrigin": "A",
        "ConditionRecord": found.record,
        "ConditionAmount": _money(found.rate / found.per * quantity),
        "TransactionCurrency": currency,
        "ConditionInactiveReason": "X" if inactive else "",
        "ConditionClass": "B",
    }


def order_totals(items: list[Row]) -> dict[str, Any]:
    """The order's net value (of its items not rejected) and its rejection status."""
    active = [item for item in items if not item["SalesDocumentRjcnReason"]]
    total = sum((Decimal(str(item["NetAmount"])) for item in active), Decimal(0))
    rejected = len(items) - len(active)
    return {
        "TotalNetAmount": _money(total),
        "OverallSDDocumentRejectionSts": "A" if not rejected else ("C" if not active else "B"),
    }


def reprice_order(ctx: WriteContext, order_number: str) -> Row | None:
    """Total the order's items, set its rejection status, and check credit while it is open."""
    order = ctx.get(ORDER, {"SalesOrder": order_number})
    if order is None:
        return None
    items = ctx.select(ITEM, "t.SalesOrder = ?", (order_number,))
    order = ctx.update(ORDER, order, order_totals(items))
    if order["OverallDeliveryStatus"] in ("", "A"):
        order = check_credit(ctx, order)
    return order


def check_credit(ctx: WriteContext, order: Row) -> Row:
    """Set the stored order's credit check status (see `credit_status`)."""
    status = credit_status(ctx, order)
    if status == order["TotalCreditCheckStatus"]:
        return order
    block = "B" if status == "B" else ""
    return ctx.update(ORDER, order, {"TotalCreditCheckStatus": status, "TotalBlockStatus": block})


def credit_status(ctx: WriteContext, order: Row, *, unsaved: bool = False) -> str:
    """TotalCreditCheckStatus: A when the exposure (this order included) is within the limit,
    B (blocked) when it exceeds it or the credit account is blocked; '' without an account.

    A stored order is in the exposure the view sums; an `unsaved` one (open, not rejected) is
    added to it as the view would count it."""
    customer = order["SoldToParty"]
    partner = ctx.store.scalar(
        "SELECT BusinessPartner FROM A_BusinessPartner WHERE Customer = ?", (customer,)
    )
    exposure = exposure_of(ctx, str(partner or customer))
    if exposure is None:
        return ""
    if unsaved and _counts_orders_of(ctx, partner, customer):
        exposure = replace(
            exposure, exposure=exposure.exposure + Decimal(str(order["TotalNetAmount"]))
        )
    return "B" if exposure.exceeded else "A"


def _counts_orders_of(ctx: WriteContext, partner: Any, customer: str) -> bool:
    """Whether the exposure of the account found for `customer` sums that customer's orders:
    the view sums the orders of the account partner's customer, or of the partner number
    itself when the partner has no customer."""
    if partner is not None:
        return True
    own = ctx.store.scalar(
        "SELECT Customer FROM A_BusinessPartner WHERE BusinessPartner = ?", (customer,)
    )
    return not own
