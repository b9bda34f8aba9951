"""`ErpPort` over the ERP System API (`/customers/{id}/sales-orders`, `/invoices`, `/credit`)."""

from __future__ import annotations

from urllib.parse import quote

import httpx

from mobile_experience.adapters.ports import ErpCredit, ErpInvoice, ErpOrder
from mobile_experience.domain.errors import ErpUnavailable, UpstreamFailed
from trivium.schemas import UpstreamModel
from trivium.upstream import Upstream


class _OrderPage(UpstreamModel):
    items: list[ErpOrder]


class _InvoicePage(UpstreamModel):
    items: list[ErpInvoice]


class ErpSystemErp:
    """The ERP as the ERP System API serves it. A customer the ERP does not know (or one without
    a credit account) has nothing to show: empty lists, no credit."""

    def __init__(self, http: httpx.AsyncClient) -> None:
        self._api = Upstream(http, name="ERP", unavailable=ErpUnavailable, rejected=UpstreamFailed)

    async def recent_orders(self, customer_id: str, *, limit: int) -> list[ErpOrder]:
        response = await self._api.call(
            "GET",
            f"/customers/{quote(customer_id, safe='')}/sales-orders",
            what="order list",
            params={"limit": max(limit, 1)},
        )
        if response.status_code == 404:
            return []
        return self._api.read(response, _OrderPage, what="order list").items[:limit]

    async def open_invoices(self, customer_id: str, *, limit: int) -> list[ErpInvoice]:
        response = await self._api.call(
            "GET",
            f"/customers/{quote(customer_id, safe='')}/invoices",
            what="invoice list",
            params={"limit": max(limit, 1)},
        )
        if response.status_code == 404:
            return []
        return self._api.read(response, _InvoicePage, what="invoice list").items[:limit]

    async def credit(self, customer_id: str) -> ErpCredit | None:
        response = await self._api.call(
            "GET", f"/customers/{quote(customer_id, safe='')}/credit", what="credit read"
        )
        if response.status_code == 404:
            return None
        return self._api.read(response, ErpCredit, what="credit read")
