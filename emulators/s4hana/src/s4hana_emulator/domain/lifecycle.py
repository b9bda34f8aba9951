"""The order lifecycle: an open order is delivered (goods issue), then billed (an invoice).

A background task moves every order whose last change is old enough one step on; the delays
shrink with `lifecycle_speed`. Credit-blocked, rejected and delivery-blocked orders wait.
Each step changes the status fields and LastChangeDateTime (so the ETag) as SAP does.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal

from emulator_kit.loops import run_every
from s4hana_emulator.odata.rules import WriteContext
from s4hana_emulator.odata.store import Row
from s4hana_emulator.odata.values import date_to_ms, datetime_to_us, format_decimal
from s4hana_emulator.services.stock.availability import issue_goods

log = logging.getLogger("s4hana_emulator.lifecycle")

BILLING_NUMBERS_FROM = 90_000_001
ACCOUNTING_NUMBERS_FROM = 9_400_000_001
TAX_RATE = Decimal("0.19")
CENT = Decimal("0.01")
COMPANY_CODE = "1010"
SYSTEM_USER = "SAP_WFRT"
DELIVERABLE = (
    "t.OverallDeliveryStatus = 'A' AND t.TotalCreditCheckStatus <> 'B' "
    "AND t.OverallSDDocumentRejectionSts <> 'C' AND t.DeliveryBlockReason = ''"
)
BILLABLE = (
    "t.OverallDeliveryStatus = 'C' AND t.OverallOrdReltdBillgStatus = 'A' "
    "AND t.HeaderBillingBlockReason = ''"
)


def _money(value: Decimal) -> str:
    return format_decimal(value.quantize(CENT, rounding=ROUND_HALF_UP), 3)


def _active_items(ctx: WriteContext, order: Row) -> list[Row]:
    items = ctx.select("A_SalesOrderItem", "t.SalesOrder = ?", (order["SalesOrder"],))
    return [item for item in items if not item["SalesDocumentRjcnReason"]]


def deliver_order(ctx: WriteContext, order: Row) -> Row:
    """Goods issue for every item (stock goes down), delivery status complete."""
    for item in _active_items(ctx, order):
        quantity = Decimal(str(item["RequestedQuantity"]))
        issue_goods(ctx, item["Material"], item["ProductionPlant"], quantity)
        ctx.update("A_SalesOrderItem", item, {"DeliveryStatus": "C", "SDProcessStatus": "B"})
    return ctx.update(
        "A_SalesOrder",
        order,
        {
            "OverallDeliveryStatus": "C",
            "OverallTotalDeliveryStatus": "C",
            "OverallSDProcessStatus": "B",
        },
    )


def bill_order(ctx: WriteContext, order: Row, *, number: str | None = None) -> Row:
    """Create the invoice (F2) of a delivered order, which is then completely processed; returns
    the invoice (numbered `number`, else the next number of the range)."""
    items = _active_items(ctx, order)
    document = number or ctx.next_number(
        "A_BillingDocument", "BillingDocument", start=BILLING_NUMBERS_FROM
    )
    accounting = ctx.next_number(
        "A_BillingDocument", "AccountingDocument", start=ACCOUNTING_NUMBERS_FROM
    )
    today = date_to_ms(ctx.clock.now().date())
    net_total = tax_total = Decimal(0)
    for position, item in enumerate(items, start=1):
        net = Decimal(str(item["NetAmount"]))
        tax = (net * TAX_RATE).quantize(CENT, rounding=ROUND_HALF_UP)
        net_total, tax_total = net_total + net, tax_total + tax
        ctx.insert(
            "A_BillingDocumentItem", _invoice_item(document, position, item, order, net, tax)
        )
        ctx.update(
            "A_SalesOrderItem", item, {"OrderRelatedBillingStatus": "C", "SDProcessStatus": "C"}
        )
    invoice = ctx.insert(
        "A_BillingDocument",
        {
            "BillingDocument": document, "SDDocumentCategory": "M",
            "BillingDocumentCategory": "L", "BillingDocumentType": "F2",
            "SalesOrganization": order["SalesOrganization"],
            "DistributionChannel": order["DistributionChannel"],
            "Division": order["OrganizationDivision"], "BillingDocumentDate": today,
            "TotalNetAmount": _money(net_total), "TaxAmount": _money(tax_total),
            "TotalGrossAmount": _money(net_total + tax_total),
            "TransactionCurrency": order["TransactionCurrency"],
            "StatisticsCurrency": order["TransactionCurrency"],
            "PayerParty": order["SoldToParty"], "SoldToParty": order["SoldToParty"],
            "CustomerPaymentTerms": order["CustomerPaymentTerms"],
            "PurchaseOrderByCustomer": order["PurchaseOrderByCustomer"],
            "CompanyCode": COMPANY_CODE, "FiscalYear": str(ctx.clock.now().year),
            "AccountingDocument": accounting, "Country": "DE", "CreditControlArea": "1000",
            "OverallSDProcessStatus": "C", "OverallBillingStatus": "C",
            "AccountingPostingStatus": "C", "AccountingTransferStatus": "C",
            "InvoiceClearingStatus": "A", "CreatedByUser": SYSTEM_USER,
        },
    )  # fmt: skip
    ctx.update(
        "A_SalesOrder",
        order,
        {
            "OverallOrdReltdBillgStatus": "C",
            "OverallSDProcessStatus": "C",
            "OverallSDDocReferenceStatus": "C",
        },
    )
    return invoice


def _invoice_item(
    document: str, position: int, item: Row, order: Row, net: Decimal, tax: Decimal
) -> dict[str, object]:
    return {
        "BillingDocument": document, "BillingDocumentItem": str(position * 10),
        "SalesDocumentItemCategory": item["SalesOrderItemCategory"],
        "Material": item["Material"], "OriginallyRequestedMaterial": item["Material"],
        "Plant": item["ProductionPlant"], "BillingDocumentItemText": item["SalesOrderItemText"],
        "BillingQuantity": item["RequestedQuantity"],
        "BillingQuantityUnit": item["RequestedQuantityUnit"],
        "BillingQuantityInBaseUnit": item["RequestedQuantity"],
        "BaseUnit": item["RequestedQuantityUnit"], "NetAmount": _money(net),
        "TaxAmount": _money(tax), "GrossAmount": _money(net + tax),
        "TransactionCurrency": item["TransactionCurrency"],
        "Division": order["OrganizationDivision"],
        "ReferenceSDDocument": item["SalesOrder"],
        "ReferenceSDDocumentItem": item["SalesOrderItem"],
        "ReferenceSDDocumentCategory": "C", "SalesDocument": item["SalesOrder"],
        "SalesDocumentItem": item["SalesOrderItem"], "SalesSDDocumentCategory": "C",
        "SalesOrderSalesOrganization": order["SalesOrganization"],
        "SalesOrderDistributionChannel": order["DistributionChannel"],
        "CreatedByUser": SYSTEM_USER,
    }  # fmt: skip


@dataclass(frozen=True)
class Delays:
    """How long an order waits in each state (already divided by the speed)."""

    delivery: timedelta
    billing: timedelta


class OrderLifecycle:
    """Moves due orders on; `advance` can also be called directly (admin, tests)."""

    def __init__(self, context: Callable[[], WriteContext], delays: Delays | None) -> None:
        self._context = context
        self.delays = delays

    def advance(self, *, force: bool = False, order: str | None = None) -> dict[str, list[str]]:
        """Deliver due open orders and bill due delivered ones; returns what moved."""
        ctx = self._context()
        moved: dict[str, list[str]] = {"delivered": [], "billed": []}
        with ctx.store.transaction():
            now = datetime_to_us(ctx.clock.now())
            for step, condition, action in (
                ("billed", BILLABLE, bill_order),
                ("delivered", DELIVERABLE, deliver_order),
            ):
                for row in self._due(ctx, condition, step, now, force=force, order=order):
                    action(ctx, row)
                    moved[step].append(row["SalesOrder"])
        if moved["delivered"] or moved["billed"]:
            log.info("s4hana.lifecycle.advanced", extra=moved)
        return moved

    def _due(
        self,
        ctx: WriteContext,
        condition: str,
        step: str,
        now: int,
        *,
        force: bool,
        order: str | None,
    ) -> list[Row]:
        where, params = condition, list[object]()
        if order is not None:
            where += " AND t.SalesOrder = ?"
            params.append(order)
        if not force:
            if self.delays is None:
                return []
            wait = self.delays.billing if step == "billed" else self.delays.delivery
            where += " AND t.LastChangeDateTime <= ?"
            params.append(now - int(wait / timedelta(microseconds=1)))
        return ctx.select("A_SalesOrder", where, tuple(params))

    async def run(self, tick_seconds: float) -> None:
        """Advance due orders every tick until cancelled (errors are logged, not fatal)."""
        await run_every(
            tick_seconds, self.advance, active=lambda: self.delays is not None,
            log=log, event="s4hana.lifecycle.failed",
        )  # fmt: skip


def delays_for(*, speed: float, delivery_seconds: float, billing_seconds: float) -> Delays | None:
    """The delays at a speed (None when the lifecycle is stopped)."""
    if speed <= 0:
        return None
    return Delays(
        delivery=timedelta(seconds=delivery_seconds / speed),
        billing=timedelta(seconds=billing_seconds / speed),
    )
