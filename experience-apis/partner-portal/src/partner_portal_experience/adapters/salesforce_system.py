"""`CrmPort` over the Salesforce System API (`/accounts`, `/products`)."""

from __future__ import annotations

import logging

import httpx

from partner_portal_experience.adapters.ports import CrmAccount, CrmProduct
from partner_portal_experience.domain.errors import CrmFailed, CrmUnavailable
from trivium.schemas import Page
from trivium.upstream import Upstream

log = logging.getLogger(__name__)


class SalesforceSystemCrm:
    """The CRM as the Salesforce System API serves it; `http` carries the service token."""

    def __init__(self, http: httpx.AsyncClient) -> None:
        self._api = Upstream(http, name="CRM", unavailable=CrmUnavailable, rejected=CrmFailed)

    async def find_account(self, account_number: str) -> CrmAccount | None:
        response = await self._api.call(
            "GET",
            "/accounts",
            what="account lookup",
            params={"accountNumber": account_number, "limit": 2},
        )
        page = self._api.read(response, Page[CrmAccount], what="account lookup")
        if len(page.items) > 1:
            # Ambiguous in the CRM: the oldest record (lowest id) is the partner's, consistently.
            log.warning("partners.duplicate_account_number", extra={"count": len(page.items)})
        return page.items[0] if page.items else None

    async def list_products(
        self, *, search: str | None, limit: int, cursor: str | None
    ) -> Page[CrmProduct]:
        params = {"search": search, "limit": limit, "cursor": cursor}
        return await self._api.read_page(
            "/products", Page[CrmProduct], what="product list", params=params
        )
