"""Pricing of sales order items from condition records, order totals and the credit check.

An item's price is its manual condition (e.g. PMP0) when the client sent one, else the list
price (PPR0) valid on the pricing date for the sales area and material, a customer-specific
record winning over a general one. No price found leaves the item at zero, as SAP leaves an
item with incomplete pricing. The credit check compares the customer's exposure, this order
included, with the limit of its credit account.
"""

from __future__ import annotations

from dataclasses import dataclass
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


def price_item(ctx: WriteContext, order: Row, item: Row) -> Row:
    """Set the item's pricing elements, net value and tax; returns the updated item."""
    key = (item["SalesOrder"], item["SalesOrderItem"])
    elements = ctx.select(ELEMENT, "t.SalesOrder = ? AND t.SalesOrderItem = ?", key)
    manual = [element for element in elements if element["ConditionIsManuallyChanged"]]
    quantity = Decimal(str(item["RequestedQuantity"]))
    found = list_price(ctx, material=item["Material"], order=order)
    currency = order["TransactionCurrency"] or (found.currency if found else "")
    if found is not None:
        _put_list_price(ctx, item, found, quantity, inactive=bool(manual), currency=currency)
    unit_price = Decimal(0)
    if manual:
        chosen = manual[-1]
        per = Decimal(str(chosen["ConditionQuantity"] or 1)) or Decimal(1)
        unit_price = Decimal(str(chosen["ConditionRateValue"])) / per
        ctx.update(
            ELEMENT,
            chosen,
            {
                "ConditionAmount": _money(unit_price * quantity),
                "ConditionBaseValue": format_decimal(quantity, 9),
                "TransactionCurrency": currency,
            },
        )
    elif found is not None:
        unit_price = found.rate / found.per
    net = (unit_price * quantity).quantize(CENT, rounding=ROUND_HALF_UP)
    changes: dict[str, Any] = {
        "NetAmount": _money(net),
        "Subtotal1Amount": _money(net),
        "TaxAmount": _money(net * TAX_RATE),
        "TransactionCurrency": currency,
    }
    return ctx.update(ITEM, item, changes)


def _put_list_price(
    ctx: WriteContext,
    item: Row,
    found: ListPrice,
    quantity: Decimal,
    *,
    inactive: bool,
    currency: str,
) -> None:
    values = {
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
    key = {
        "SalesOrder": item["SalesOrder"],
        "SalesOrderItem": item["SalesOrderItem"],
        "PricingProcedureStep": LIST_PRICE_STEP,
        "PricingProcedureCounter": "1",
    }
    existing = ctx.get(ELEMENT, key)
    if existing is None:
        ctx.insert(ELEMENT, {**key, **values})
    else:
        ctx.update(ELEMENT, existing, values)


def reprice_order(ctx: WriteContext, order_number: str) -> Row | None:
    """Total the order's items, set its rejection status, and check credit while it is open."""
    order = ctx.get(ORDER, {"SalesOrder": order_number})
    if order is None:
        return None
    items = ctx.select(ITEM, "t.SalesOrder = ?", (order_number,))
    active = [item for item in items if not item["SalesDocumentRjcnReason"]]
    total = sum((Decimal(str(item["NetAmount"])) for item in active), Decimal(0))
    rejected = len(items) - len(active)
    changes: dict[str, Any] = {
        "TotalNetAmount": _money(total),
        "OverallSDDocumentRejectionSts": "A" if not rejected else ("C" if not active else "B"),
    }
    order = ctx.update(ORDER, order, changes)
    if order["OverallDeliveryStatus"] in ("", "A"):
        order = check_credit(ctx, order)
    return order


def check_credit(ctx: WriteContext, order: Row) -> Row:
    """TotalCreditCheckStatus: A when the exposure (this order included) is within the limit,
    B (blocked) when it exceeds it or the credit account is blocked; '' without an account."""
    partner = ctx.store.scalar(
        "SELECT BusinessPartner FROM A_BusinessPartner WHERE Customer = ?", (order["SoldToParty"],)
    )
    exposure = exposure_of(ctx, str(partner or order["SoldToParty"]))
    status = "" if exposure is None else ("B" if exposure.exceeded else "A")
    if status == order["TotalCreditCheckStatus"]:
        return order
    block = "B" if status == "B" else ""
    return ctx.update(ORDER, order, {"TotalCreditCheckStatus": status, "TotalBlockStatus": block})
