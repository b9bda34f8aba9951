"""`CrmPort` over the Salesforce System API (`/accounts`)."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import httpx

from create_customer_process.adapters.ports import (
    AccountDraft,
    CrmAccount,
    Written,
)
from trivium.problems import CrmRejected, CrmUnavailable
from trivium.schemas import UpstreamModel
from trivium.upstream import SAFE_TO_RESEND, Upstream

NOT_FOUND = "record-not-found"
SEARCH_LIMIT = 50


class _AccountPage(UpstreamModel):
    items: list[CrmAccount]


def _account_body(draft: AccountDraft) -> dict[str, Any]:
    address = {
        "street": draft.street,
        "city": draft.city,
        "postalCode": draft.postal_code,
        "region": draft.region,
        "country": draft.country,
    }
    body = {
        "name": draft.name,
        "phone": draft.phone,
        "website": draft.website,
        "industry": draft.industry,
        "billingAddress": {key: value for key, value in address.items() if value is not None},
        "ownerUsername": draft.owner_username,
    }
    return {key: value for key, value in body.items() if value is not None}


class SalesforceSystemCrm:
    """The CRM as the Salesforce System API serves it; `http` carries the service token."""

    def __init__(self, http: httpx.AsyncClient) -> None:
        self._api = Upstream(http, name="CRM", unavailable=CrmUnavailable, rejected=CrmRejected)

    async def search_accounts(
        self,
        *,
        name: str | None = None,
        postal_code: str | None = None,
        website_domain: str | None = None,
    ) -> list[CrmAccount]:
        criteria = {"name": name, "postalCode": postal_code, "websiteDomain": website_domain}
        params: dict[str, Any] = {k: v for k, v in criteria.items() if v is not None}
        response = await self._api.call(
            "GET", "/accounts", what="account search", params={**params, "limit": SEARCH_LIMIT}
        )
        return self._api.read(response, _AccountPage, what="account search").items

    async def get_account(self, account_id: str) -> CrmAccount | None:
        response = await self._api.call(
            "GET", f"/accounts/{quote(account_id, safe='')}", what="account read"
        )
        if self._api.is_problem(response, 404, NOT_FOUND):
            return None
        return self._api.read(response, CrmAccount, what="account read")

    async def create_account(self, draft: AccountDraft, *, idempotency_key: str) -> CrmAccount:
        response = await self._api.call(
            "POST",
            "/accounts",
            what="account creation",
            json=_account_body(draft),
            headers={"Idempotency-Key": idempotency_key},
        )
        return self._api.read(response, CrmAccount, what="account creation")

    async def upsert_account_for_customer(
        self, erp_customer_number: str, draft: AccountDraft
    ) -> Written[CrmAccount]:
        response = await self._api.call(
            "PUT",
            f"/accounts/by-erp-customer-number/{quote(erp_customer_number, safe='')}",
            what="account upsert",
            json=_account_body(draft),
            # An upsert by the customer number lands on the same account however often it runs.
            extensions=SAFE_TO_RESEND,
        )
        account = self._api.read(response, CrmAccount, what="account upsert")
        return Written(account, created=response.status_code == 201)

    async def link_account(self, account_id: str, erp_customer_number: str) -> None:
        response = await self._api.call(
            "PATCH",
            f"/accounts/{quote(account_id, safe='')}",
            what="account link",
            json={"erpCustomerNumber": erp_customer_number},
            extensions=SAFE_TO_RESEND,
        )
        self._api.raise_unless_ok(response, what="account link")

    async def delete_account(self, account_id: str) -> None:
        response = await self._api.call(
            "DELETE",
            f"/accounts/{quote(account_id, safe='')}",
            what="account deletion",
            extensions=SAFE_TO_RESEND,
        )
        if not self._api.is_problem(response, 404, NOT_FOUND):
            self._api.raise_unless_ok(response, what="account deletion")
