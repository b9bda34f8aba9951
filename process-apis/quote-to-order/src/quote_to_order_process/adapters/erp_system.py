"""`ErpPort` over the ERP System API (`/sales-orders:simulate`, `/sales-orders`).

The order check is one simulation of the order (prices, stock and the ERP's credit check),
resent after a lost answer, since it saves nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

import httpx

from quote_to_order_process.adapters.ports import (
    ErpAssessment,
    ErpCredit,
    ErpLineDraft,
    ErpOrderDraft,
    ErpPlacement,
    ErpSalesOrder,
)
from quote_to_order_process.domain.errors import AccountNotLinked
from trivium.problems import ErpRejected, ErpUnavailable
from trivium.schemas import Money, UpstreamModel
from trivium.upstream import SAFE_TO_RESEND, Upstream

CUSTOMER_NOT_FOUND = "customer-not-found"


class _CheckedLine(UpstreamModel):
    sku: str
    list_price: Money | None = None
    available_quantity: Decimal


class _OrderCheck(UpstreamModel):
    lines: list[_CheckedLine]
    credit_ok: bool
    credit: ErpCredit | None = None


def _line(line: ErpLineDraft) -> dict[str, str]:
    body = {"sku": line.sku, "quantity": format(line.quantity, "f")}
    if line.unit_price is not None:
        body["unitPrice"] = format(line.unit_price, "f")
    return body


class ErpSystemErp:
    """The ERP as the ERP System API serves it; `http` carries the service token."""

    def __init__(self, http: httpx.AsyncClient) -> None:
        self._api = Upstream(http, name="ERP", unavailable=ErpUnavailable, rejected=ErpRejected)

    async def assess_order(self, customer_id: str, lines: Sequence[ErpLineDraft]) -> ErpAssessment:
        response = await self._api.call(
            "POST",
            "/sales-orders:simulate",
            what="order check",
            json={"customerId": customer_id, "lines": [_line(line) for line in lines]},
            # A simulation saves nothing: resending it is harmless.
            extensions=SAFE_TO_RESEND,
        )
        if self._api.is_problem(response, 404, CUSTOMER_NOT_FOUND):
            raise AccountNotLinked(
                f"The account is linked to the ERP customer {customer_id}, which does not exist.",
                erpCustomerNumber=customer_id,
            )
        check = self._api.read(response, _OrderCheck, what="order check")
        return ErpAssessment(
            customer_id=customer_id,
            prices={row.sku: row.list_price for row in check.lines if row.list_price is not None},
            stock={row.sku: row.available_quantity for row in check.lines},
            credit_passed=check.credit_ok,
            credit=check.credit,
        )

    async def get_order(self, order_id: str) -> ErpSalesOrder:
        response = await self._api.call("GET", f"/sales-orders/{order_id}", what="order read")
        return self._api.read(response, ErpSalesOrder, what="order read")

    async def place_order(self, draft: ErpOrderDraft, *, idempotency_key: str) -> ErpPlacement:
        body: dict[str, object] = {
            "customerId": draft.customer_id,
            "externalReference": draft.external_reference,
            "lines": [_line(line) for line in draft.lines],
        }
        if draft.requested_delivery_date is not None:
            body["requestedDeliveryDate"] = draft.requested_delivery_date.isoformat()
        response = await self._api.call(
            "POST",
            "/sales-orders",
            what="sales order creation",
            json=body,
            headers={"Idempotency-Key": idempotency_key},
        )
        order = self._api.read(response, ErpSalesOrder, what="sales order creation")
        if order.customer_id != draft.customer_id:
            raise ErpRejected(
                f"The ERP answered with order {order.id} of customer {order.customer_id}, "
                f"not {draft.customer_id}."
            )
        # 201: created by this call; 200: the order for this reference existed already.
        return ErpPlacement(order=order, created=response.status_code == 201)
