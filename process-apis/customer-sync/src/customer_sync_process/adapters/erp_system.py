"""`ErpPort` over the ERP System API: delta reads, customer profiles and the catalog."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import httpx

from customer_sync_process.adapters.ports import (
    ChangeT,
    ErpCatalogPage,
    ErpChangePage,
    ErpCustomerChangePage,
    ErpCustomerProfile,
    ErpSalesOrderChangePage,
)
from trivium.problems import ErpRejected, ErpUnavailable
from trivium.upstream import SAFE_TO_RESEND, Upstream


class ErpSystemErp:
    """The ERP as the ERP System API serves it; `http` carries the service token."""

    def __init__(self, http: httpx.AsyncClient) -> None:
        self._api = Upstream(http, name="ERP", unavailable=ErpUnavailable, rejected=ErpRejected)

    async def _call(self, method: str, path: str, **options: Any) -> httpx.Response:
        # Every call here reads, or sets fields to given values: safe to send again.
        return await self._api.call(method, path, extensions=SAFE_TO_RESEND, **options)

    async def get_profile(self, customer_id: str) -> ErpCustomerProfile | None:
        response = await self._call(
            "GET", f"/customers/{customer_id}/profile", what="customer read"
        )
        if response.status_code == 404:
            return None
        return self._api.read(response, ErpCustomerProfile, what="customer read")

    async def update_profile(self, customer_id: str, fields: dict[str, Any]) -> ErpCustomerProfile:
        response = await self._call(
            "PATCH", f"/customers/{customer_id}/profile", what="customer update", json=fields
        )
        return self._api.read(response, ErpCustomerProfile, what="customer update")

    async def customer_changes(self, *, since: datetime, limit: int) -> ErpCustomerChangePage:
        return await self._changes(
            "customers", ErpCustomerChangePage, since=since, limit=limit, what="customer changes"
        )

    async def sales_order_changes(self, *, since: datetime, limit: int) -> ErpSalesOrderChangePage:
        return await self._changes(
            "sales-orders",
            ErpSalesOrderChangePage,
            since=since,
            limit=limit,
            what="sales order changes",
        )

    async def _changes(
        self,
        feed: str,
        page: type[ErpChangePage[ChangeT]],
        *,
        since: datetime,
        limit: int,
        what: str,
    ) -> ErpChangePage[ChangeT]:
        params = {"since": since.isoformat(), "limit": limit}
        response = await self._call("GET", f"/changes/{feed}", what=what, params=params)
        return self._api.read(response, page, what=what)

    async def catalog_page(self, *, cursor: str | None, limit: int) -> ErpCatalogPage:
        params: dict[str, Any] = {"limit": limit}
        if cursor is not None:
            params["cursor"] = cursor
        response = await self._call("GET", "/catalog", what="catalog", params=params)
        return self._api.read(response, ErpCatalogPage, what="catalog")
