"""`ErpPort` over the ERP System API (`/prices`, `/availability`, `/customers/{id}/credit`,
`/sales-orders`).

The three reads of the order check are separate resources, so that the saga can ask for them at
the same time; each is resent after a lost answer, since a read changes nothing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal

import httpx

from quote_to_order_process.adapters.ports import (
    ErpCredit,
    ErpLineDraft,
    ErpOrderDraft,
    ErpPlacement,
    ErpSalesOrder,
)
from quote_to_order_process.domain.errors import AccountNotLinked, ErpRejected, ErpUnavailable
from trivium.schemas import Money, UpstreamModel
from trivium.upstream import SAFE_TO_RESEND, Upstream

CUSTOMER_NOT_FOUND = "customer-not-found"
CREDIT_ACCOUNT_NOT_FOUND = "credit-account-not-found"


class _Price(UpstreamModel):
    sku: str
    unit_price: Money | None = None


class _PriceList(UpstreamModel):
    items: list[_Price]


class _Stock(UpstreamModel):
    sku: str
    quantity: Decimal


class _StockList(UpstreamModel):
    items: list[_Stock]


def _line(line: ErpLineDraft) -> dict[str, str]:
    body = {"sku": line.sku, "quantity": format(line.quantity, "f")}
    if line.unit_price is not None:
        body["unitPrice"] = format(line.unit_price, "f")
    return body


class ErpSystemErp:
    """The ERP as the ERP System API serves it; `http` carries the service token."""

    def __init__(self, http: httpx.AsyncClient) -> None:
        self._api = Upstream(http, name="ERP", unavailable=ErpUnavailable, rejected=ErpRejected)

    async def get_prices(self, customer_id: str, skus: Sequence[str]) -> Mapping[str, Money]:
        response = await self._api.call(
            "GET",
            "/prices",
            what="price read",
            params={"customerId": customer_id, "skus": ",".join(skus)},
        )
        prices = self._api.read(response, _PriceList, what="price read")
        return {row.sku: row.unit_price for row in prices.items if row.unit_price is not None}

    async def get_stock(self, skus: Sequence[str]) -> Mapping[str, Decimal]:
        response = await self._api.call(
            "POST",
            "/availability",
            what="availability read",
            json={"skus": list(skus)},
            # A read sent as POST (long sku lists): resending it is harmless.
            extensions=SAFE_TO_RESEND,
        )
        stock = self._api.read(response, _StockList, what="availability read")
        return {row.sku: row.quantity for row in stock.items}

    async def get_credit(self, customer_id: str) -> ErpCredit | None:
        response = await self._api.call(
            "GET", f"/customers/{customer_id}/credit", what="credit read"
        )
        if self._api.is_problem(response, 404, CUSTOMER_NOT_FOUND):
            raise AccountNotLinked(
                f"The account is linked to the ERP customer {customer_id}, which does not exist.",
                erpCustomerNumber=customer_id,
            )
        if self._api.is_problem(response, 404, CREDIT_ACCOUNT_NOT_FOUND):
            return None
        return self._api.read(response, ErpCredit, what="credit read")

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
