"""`ErpPort` over the ERP System API (credit, prices, availability, sales orders)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from decimal import Decimal

import httpx

from partner_portal_experience.adapters.ports import ErpCredit, ErpOrderProgress, UpstreamModel
from partner_portal_experience.adapters.upstream import Upstream, problem_slug
from partner_portal_experience.domain.errors import ErpFailed, ErpUnavailable
from trivium.http_client import IDEMPOTENT_EXTENSION
from trivium.schemas import Money

# Reads sent as POST (long sku lists) may be resent after a lost answer.
SAFE_TO_RESEND = {IDEMPOTENT_EXTENSION: True}
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
        self._api = Upstream(http, name="The ERP", unavailable=ErpUnavailable, failed=ErpFailed)

    async def get_credit(self, customer_id: str) -> ErpCredit | None:
        if not _ERP_NUMBER.match(customer_id):
            return None
        response = await self._api.send(
            "GET", f"/customers/{customer_id}/credit", what="the credit read"
        )
        if response.status_code == 404 and problem_slug(response) in NO_CREDIT:
            return None
        return self._api.read(response, ErpCredit, what="the credit read")

    async def get_prices(self, skus: Sequence[str], *, customer_id: str) -> dict[str, Money | None]:
        response = await self._api.send(
            "GET",
            "/prices",
            what="the price read",
            params={"skus": ",".join(skus), "customerId": customer_id},
        )
        prices = self._api.read(response, _Prices, what="the price read")
        return {item.sku: item.unit_price for item in prices.items}

    async def get_availability(self, skus: Sequence[str]) -> dict[str, Decimal]:
        response = await self._api.send(
            "POST",
            "/availability",
            what="the availability read",
            json={"skus": list(skus)},
            extensions=SAFE_TO_RESEND,
        )
        stock = self._api.read(response, _Availability, what="the availability read")
        return {item.sku: item.quantity for item in stock.items}

    async def get_order_progress(self, order_number: str) -> ErpOrderProgress | None:
        if not _ERP_NUMBER.match(order_number):
            return None
        response = await self._api.send(
            "GET", f"/sales-orders/{order_number}", what="the sales order read"
        )
        if response.status_code == 404 and problem_slug(response) == "sales-order-not-found":
            return None
        return self._api.read(response, ErpOrderProgress, what="the sales order read")
