"""`CrmPort` over the Salesforce System API (`/accounts`, `/accounts/{id}/overview`,
`/quotes/{id}`)."""

from __future__ import annotations

from urllib.parse import quote

import httpx

from mobile_experience.adapters.ports import CrmAccountPage, CrmOverview, CrmQuote
from mobile_experience.domain.errors import (
    AccountNotFound,
    CrmUnavailable,
    UpstreamFailed,
)
from trivium.upstream import Upstream


class SalesforceSystemCrm:
    """The CRM as the Salesforce System API serves it; `http` carries the service token."""

    def __init__(self, http: httpx.AsyncClient) -> None:
        self._api = Upstream(http, name="CRM", unavailable=CrmUnavailable, rejected=UpstreamFailed)

    async def search_accounts(
        self, *, owner_username: str, name: str | None, limit: int, cursor: str | None
    ) -> CrmAccountPage:
        params = {"ownerUsername": owner_username, "name": name, "limit": limit, "cursor": cursor}
        return await self._api.read_page(
            "/accounts", CrmAccountPage, what="account search", params=params
        )

    async def get_overview(
        self, account_id: str, *, contact_limit: int, opportunity_limit: int
    ) -> CrmOverview:
        response = await self._api.call(
            "GET",
            f"/accounts/{quote(account_id, safe='')}/overview",
            what="account read",
            params={"contactLimit": contact_limit, "opportunityLimit": opportunity_limit},
        )
        if response.status_code == 404:
            raise AccountNotFound(f"No account of yours has the id {account_id!r}.")
        return self._api.read(response, CrmOverview, what="account read")

    async def get_quote(self, quote_id: str) -> CrmQuote | None:
        response = await self._api.call(
            "GET", f"/quotes/{quote(quote_id, safe='')}", what="quote read"
        )
        if response.status_code == 404:
            return None
        return self._api.read(response, CrmQuote, what="quote read")
