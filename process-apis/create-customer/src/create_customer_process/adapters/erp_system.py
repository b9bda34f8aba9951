"""`ErpPort` over the ERP System API (`/customers`)."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import httpx

from create_customer_process.adapters.ports import (
    CustomerDraft,
    ErpCustomer,
    Written,
)
from trivium.problems import ErpRejected, ErpUnavailable
from trivium.schemas import UpstreamModel
from trivium.upstream import SAFE_TO_RESEND, Upstream

CUSTOMER_NOT_FOUND = "customer-not-found"
DUPLICATE_CUSTOMER = "duplicate-customer"
SEARCH_LIMIT = 50


class _CustomerPage(UpstreamModel):
    items: list[ErpCustomer]


def _customer_body(draft: CustomerDraft) -> dict[str, Any]:
    address = {
        "street": draft.street,
        "houseNumber": draft.house_number,
        "city": draft.city,
        "postalCode": draft.postal_code,
        "region": draft.region,
        "country": draft.country,
    }
    sales_area = {
        "salesOrganization": (draft.sales_area or {}).get("sales_organization"),
        "distributionChannel": (draft.sales_area or {}).get("distribution_channel"),
        "division": (draft.sales_area or {}).get("division"),
        "currency": (draft.sales_area or {}).get("currency"),
    }
    body = {
        "name": draft.name,
        "externalId": draft.external_id,
        "language": draft.language,
        "address": {key: value for key, value in address.items() if value is not None},
        "email": draft.email,
        "phone": draft.phone,
        "website": draft.website,
        "vatId": draft.vat_id,
        "salesArea": {key: value for key, value in sales_area.items() if value} or None,
    }
    return {key: value for key, value in body.items() if value is not None}


class ErpSystemErp:
    """The ERP as the ERP System API serves it; `http` carries the service token."""

    def __init__(self, http: httpx.AsyncClient) -> None:
        self._api = Upstream(http, name="ERP", unavailable=ErpUnavailable, rejected=ErpRejected)

    async def search_customers(
        self,
        *,
        name: str | None = None,
        postal_code: str | None = None,
        website_domain: str | None = None,
        vat_id: str | None = None,
    ) -> list[ErpCustomer]:
        criteria = {
            "name": name,
            "postalCode": postal_code,
            "websiteDomain": website_domain,
            "vatId": vat_id,
        }
        params: dict[str, Any] = {k: v for k, v in criteria.items() if v is not None}
        response = await self._api.call(
            "GET", "/customers", what="customer search", params={**params, "limit": SEARCH_LIMIT}
        )
        return self._api.read(response, _CustomerPage, what="customer search").items

    async def get_customer(self, customer_number: str) -> ErpCustomer | None:
        response = await self._api.call(
            "GET", f"/customers/{quote(customer_number, safe='')}", what="customer read"
        )
        if self._api.is_problem(response, 404, CUSTOMER_NOT_FOUND) or response.status_code == 422:
            return None  # 422: not even shaped like a customer number
        return self._api.read(response, ErpCustomer, what="customer read")

    async def create_customer(
        self, draft: CustomerDraft, *, idempotency_key: str
    ) -> Written[ErpCustomer]:
        response = await self._api.call(
            "POST",
            "/customers",
            what="customer creation",
            json=_customer_body(draft),
            headers={"Idempotency-Key": idempotency_key},
        )
        if self._api.is_problem(response, 409, DUPLICATE_CUSTOMER):
            existing = response.json().get("existingCustomerId")
            found = await self.get_customer(str(existing)) if existing else None
            if found is None or found.external_id != draft.external_id:
                raise ErpRejected(
                    "ERP customer creation: a customer with this external id exists but "
                    "cannot be read back.",
                    upstreamStatus=409,
                    upstreamType=DUPLICATE_CUSTOMER,
                )
            return Written(found, created=False)
        customer = self._api.read(response, ErpCustomer, what="customer creation")
        return Written(customer, created=True)

    async def link_customer(self, customer_number: str, account_id: str) -> None:
        response = await self._api.call(
            "PATCH",
            f"/customers/{quote(customer_number, safe='')}",
            what="customer link",
            json={"externalId": account_id},
            extensions=SAFE_TO_RESEND,
        )
        self._api.raise_unless_ok(response, what="customer link")
