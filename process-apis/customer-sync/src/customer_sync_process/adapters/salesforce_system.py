"""`CrmPort` over the Salesforce System API: account changes, account profiles, order ERP
status and the bulk product upsert."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import httpx

from customer_sync_process.adapters.ports import (
    AccountChangePage,
    CrmAccountProfile,
    CrmOrderStatus,
    CrmProductReport,
)
from customer_sync_process.domain.errors import PositionUnavailable
from trivium.problems import CrmRejected, CrmUnavailable
from trivium.schemas import UpstreamModel
from trivium.upstream import SAFE_TO_RESEND, Upstream, problem_slug

# The long poll is held by the System API this long at most beyond what we ask for.
POLL_GRACE_SECONDS = 15.0
PROFILE_PAGE = 200
MAX_REREAD_PAGES = 500


class _ProfilePage(UpstreamModel):
    items: list[CrmAccountProfile]
    next_cursor: str | None = None


class _AccountIds(UpstreamModel):
    id: str


class _AccountPage(UpstreamModel):
    items: list[_AccountIds]


class SalesforceSystemCrm:
    """The CRM as the Salesforce System API serves it; `http` carries the service token."""

    def __init__(self, http: httpx.AsyncClient) -> None:
        self._api = Upstream(http, name="CRM", unavailable=CrmUnavailable, rejected=CrmRejected)

    async def _call(self, method: str, path: str, **options: Any) -> httpx.Response:
        # Every call here reads, or sets fields to given values: safe to send again.
        return await self._api.call(method, path, extensions=SAFE_TO_RESEND, **options)

    async def read_changes(self, position: str, *, wait_seconds: float) -> AccountChangePage:
        response = await self._call(
            "GET",
            "/account-changes",
            what="account changes",
            params={"position": position, "waitSeconds": wait_seconds},
            read_seconds=wait_seconds + POLL_GRACE_SECONDS,
        )
        if response.status_code == 410:
            raise PositionUnavailable(position)
        return self._api.read(response, AccountChangePage, what="account changes")

    async def get_profile(self, account_id: str) -> CrmAccountProfile | None:
        response = await self._call("GET", f"/account-profiles/{account_id}", what="account read")
        if response.status_code == 404:
            return None
        return self._api.read(response, CrmAccountProfile, what="account read")

    async def list_profiles(
        self, *, modified_since: datetime | None = None, ids: Sequence[str] | None = None
    ) -> list[CrmAccountProfile]:
        params: dict[str, Any] = {"limit": PROFILE_PAGE}
        if modified_since is not None:
            params["modifiedSince"] = modified_since.isoformat()
        if ids is not None:
            params["ids"] = ",".join(ids)
        profiles: list[CrmAccountProfile] = []
        for _ in range(MAX_REREAD_PAGES):
            response = await self._call(
                "GET", "/account-profiles", what="account re-read", params=params
            )
            page = self._api.read(response, _ProfilePage, what="account re-read")
            profiles.extend(page.items)
            if page.next_cursor is None:
                break
            params["cursor"] = page.next_cursor
        return profiles

    async def find_account_id(self, erp_customer_number: str) -> str | None:
        response = await self._call(
            "GET",
            "/accounts",
            what="account search",
            params={"erpCustomerNumber": erp_customer_number, "limit": 2},
        )
        page = self._api.read(response, _AccountPage, what="account search")
        return page.items[0].id if len(page.items) == 1 else None

    async def update_profile(self, account_id: str, fields: dict[str, Any]) -> CrmAccountProfile:
        response = await self._call(
            "PATCH", f"/account-profiles/{account_id}", what="account update", json=fields
        )
        return self._api.read(response, CrmAccountProfile, what="account update")

    async def set_order_status(
        self, erp_order_number: str, *, erp_status: str, invoice_number: str | None
    ) -> CrmOrderStatus | None:
        body: dict[str, Any] = {"erpStatus": erp_status}
        if invoice_number is not None:
            body["invoiceNumber"] = invoice_number
        response = await self._call(
            "PATCH",
            f"/orders/by-erp-order-number/{erp_order_number}/erp-status",
            what="order status update",
            json=body,
        )
        if response.status_code == 404 and problem_slug(response) == "record-not-found":
            return None
        return self._api.read(response, CrmOrderStatus, what="order status update")

    async def upsert_products(self, rows: Sequence[dict[str, Any]]) -> CrmProductReport:
        response = await self._call(
            "PUT",
            "/products",
            what="product upsert",
            json={"products": list(rows)},
            # A bulk job of many thousand rows takes a while inside the CRM.
            read_seconds=600.0,
        )
        return self._api.read(response, CrmProductReport, what="product upsert")
