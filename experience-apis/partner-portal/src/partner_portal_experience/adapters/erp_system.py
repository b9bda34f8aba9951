"""`ErpPort` over the ERP System API (credit, prices, availability, sales orders)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from decimal import Decimal

import httpx

from partner_portal_experience.adapters.ports import ErpCredit, ErpOrderProgress
from partner_portal_experience.domain.errors import ErpFailed, ErpUnavailable
from trivium.schemas import Money, UpstreamModel
from trivium.upstream import SAFE_TO_RESEND, Upstream, problem_slug

# ERP numbers go into paths: anything else cannot name an ERP record.
_ERP_NUMBER = re.compile(r"^[A-Za-z0-9]{1,10}$")
NO_CREDIT = frozenset({"customer-not-found", "credit-account-not-found"})


class _Price(UpstreamModel):
    sku: str
    unit_price: Money | None = None


class _Prices(UpstreamModel):
    items: list[_Price]


class _Stock(UpstreamModel):
    sku: str
    quantity: Decimal


class _Availability(UpstreamModel):
    items: list[_Stock]


class ErpSystemErp:
    """The ERP as the ERP System API serves it; `http` carries the service token."""

    def __init__(self, http: httpx.AsyncClient) -> None:
        self._api = Upstream(http, name="ERP", unavailable=ErpUnavailable, rejected=ErpFailed)

    async def get_credit(self, customer_id: str) -> ErpCredit | None:
        if not _ERP_NUMBER.match(customer_id):
            return None
        response = await self._api.call(
            "GET", f"/customers/{customer_id}/credit", what="credit read"
        )
        if response.status_code == 404 and problem_slug(response) in NO_CREDIT:
            return None
        return self._api.read(response, ErpCredit, what="credit read")

    async def get_prices(self, skus: Sequence[str], *, customer_id: str) -> dict[str, Money | None]:
        response = await self._api.call(
            "GET",
            "/prices",
            what="price read",
            params={"skus": ",".join(skus), "customerId": customer_id},
        )
        prices = self._api.read(response, _Prices, what="price read")
        return {item.sku: item.unit_price for item in prices.items}

    async def get_availability(self, skus: Sequence[str]) -> dict[str, Decimal]:
        response = await self._api.call(
            "POST",
            "/availability",
            what="availability read",
            json={"skus": list(skus)},
            # A read sent as POST (long sku lists): resending it after a lost answer is safe.
            extensions=SAFE_TO_RESEND,
        )
        stock = self._api.read(response, _Availability, what="availability read")
        return {item.sku: item.quantity for item in stock.items}

    async def get_order_progress(self, order_number: str) -> ErpOrderProgress | None:
        if not _ERP_NUMBER.match(order_number):
            return None
        response = await self._api.call(
            "GET", f"/sales-orders/{order_number}", what="sales order read"
        )
        if response.status_code == 404 and problem_slug(response) == "sales-order-not-found":
            return None
        return self._api.read(response, ErpOrderProgress, what="sales order read")
