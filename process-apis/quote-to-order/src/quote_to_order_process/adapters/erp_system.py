"""`ErpPort` over the ERP System API (`/sales-orders:simulate`, `/sales-orders`).

The order check is one simulation: the ERP System API reads the customer's prices, the stock of
every sku and the credit position concurrently and answers them together. That is one hop instead
of three parallel ones (credit, availability, prices) from here, and the only way to get the
customer's own prices for many skus at once: the ERP System API has no bulk price resource.
"""

from __future__ import annotations

from collections.abc import Sequence

import httpx

from quote_to_order_process.adapters.ports import (
    ErpAssessment,
    ErpLineDraft,
    ErpOrderDraft,
    ErpPlacement,
    ErpSalesOrder,
)
from quote_to_order_process.adapters.upstream import SAFE_TO_RESEND, SystemApi
from quote_to_order_process.domain.errors import AccountNotLinked, ErpRejected, ErpUnavailable

CUSTOMER_NOT_FOUND = "customer-not-found"


def _line(line: ErpLineDraft) -> dict[str, str]:
    body = {"sku": line.sku, "quantity": format(line.quantity, "f")}
    if line.unit_price is not None:
        body["unitPrice"] = format(line.unit_price, "f")
    return body


class ErpSystemErp:
    """The ERP as the ERP System API serves it; `http` carries the service token."""

    def __init__(self, http: httpx.AsyncClient) -> None:
        self._api = SystemApi(http, name="ERP", unavailable=ErpUnavailable, rejected=ErpRejected)

    async def assess_order(self, customer_id: str, lines: Sequence[ErpLineDraft]) -> ErpAssessment:
        response = await self._api.call(
            "POST",
            "/sales-orders:simulate",
            what="order simulation",
            json={"customerId": customer_id, "lines": [_line(line) for line in lines]},
            # A simulation saves nothing, so resending it after a lost answer is harmless.
            extensions=SAFE_TO_RESEND,
        )
        if self._api.is_problem(response, 404, CUSTOMER_NOT_FOUND):
            raise AccountNotLinked(
                f"The account is linked to the ERP customer {customer_id}, which does not exist.",
                erpCustomerNumber=customer_id,
            )
        return self._api.read(response, ErpAssessment, what="order simulation")

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
