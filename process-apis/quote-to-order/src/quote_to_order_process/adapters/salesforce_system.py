"""`CrmPort` over the Salesforce System API (`/system`, `/quotes`, `/accounts`, `/orders`)."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from decimal import Decimal

import httpx

from quote_to_order_process.adapters.ports import (
    CrmAccount,
    CrmOrder,
    CrmOrderDraft,
    CrmQuote,
    CrmSystem,
)
from quote_to_order_process.domain.errors import (
    AccountNotFound,
    CrmRejected,
    CrmUnavailable,
    QuoteNotFound,
)
from trivium.schemas import UpstreamModel
from trivium.upstream import Upstream

NOT_FOUND = "record-not-found"
# How long the CRM system's id is taken as known: a replaced org is seen within this time, and
# orders cost no System API call of their own for it.
SYSTEM_TTL_SECONDS = 60.0
# What the CRM order records of the ERP order the moment it is written.
ERP_STATUS_CREATED = "Created"
# While the CRM cannot confirm its system, the one it named last holds; it is asked this often.
SYSTEM_RETRY_SECONDS = 5.0

log = logging.getLogger(__name__)


class _AccountPage(UpstreamModel):
    items: list[CrmAccount]


def _decimal(amount: Decimal) -> str:
    return format(amount, "f")


class SalesforceSystemCrm:
    """The CRM as the Salesforce System API serves it; `http` carries the service token."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        *,
        system_ttl_seconds: float = SYSTEM_TTL_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._api = Upstream(http, name="CRM", unavailable=CrmUnavailable, rejected=CrmRejected)
        self._system_ttl = system_ttl_seconds
        self._clock = clock
        self._system: CrmSystem | None = None
        self._system_read_at = 0.0
        self._system_lock = asyncio.Lock()

    async def get_system_id(self) -> str | None:
        # One read at a time: the orders that find the id stale wait for it instead of each
        # asking the System API.
        async with self._system_lock:
            if self._system is None or self._clock() - self._system_read_at >= self._system_ttl:
                try:
                    response = await self._api.call("GET", "/system", what="system read")
                    self._system = self._api.read(response, CrmSystem, what="system read")
                    self._system_read_at = self._clock()
                except CrmUnavailable:
                    if self._system is None:
                        raise
                    # The CRM cannot say now: orders go on under the org it named last (it is
                    # replaced rarely, and not while it is down), and it is asked again soon.
                    log.warning(
                        "crm.system_unconfirmed", extra={"system_id": self._system.system_id}
                    )
                    self._system_read_at = self._clock() - self._system_ttl + SYSTEM_RETRY_SECONDS
            return self._system.system_id

    async def get_quote(self, quote_id: str) -> CrmQuote:
        response = await self._api.call("GET", f"/quotes/{quote_id}", what="quote read")
        if self._api.is_problem(response, 404, NOT_FOUND):
            raise QuoteNotFound(f"No quote has the id {quote_id!r}.")
        return self._api.read(response, CrmQuote, what="quote read")

    async def get_account(
        self, *, account_id: str | None = None, account_number: str | None = None
    ) -> CrmAccount:
        if account_id is not None:
            response = await self._api.call("GET", f"/accounts/{account_id}", what="account read")
            if self._api.is_problem(response, 404, NOT_FOUND):
                raise AccountNotFound(f"No account has the id {account_id!r}.")
            return self._api.read(response, CrmAccount, what="account read")
        if account_number is None:
            raise ValueError("give account_id or account_number")
        response = await self._api.call(
            "GET",
            "/accounts",
            what="account search",
            params={"accountNumber": account_number, "limit": 2},
        )
        page = self._api.read(response, _AccountPage, what="account search")
        if len(page.items) != 1:
            found = "No account has" if not page.items else "More than one account has"
            raise AccountNotFound(f"{found} the account number {account_number!r}.")
        return page.items[0]

    async def create_order(self, draft: CrmOrderDraft, *, idempotency_key: str) -> CrmOrder:
        body = {
            "accountId": draft.account_id,
            "effectiveDate": draft.effective_date.isoformat(),
            "quoteId": draft.quote_id,
            "opportunityId": draft.opportunity_id,
            "purchaseOrderNumber": draft.purchase_order_number,
            "erpOrderNumber": draft.erp_order_number,
            "erpStatus": ERP_STATUS_CREATED,
            "quoteStatus": draft.quote_status,
            "opportunityStage": draft.opportunity_stage,
            "items": [
                {
                    "sku": item.sku,
                    "quantity": _decimal(item.quantity),
                    "unitPrice": _decimal(item.unit_price),
                }
                for item in draft.items
            ],
        }
        response = await self._api.call(
            "POST",
            "/orders",
            what="order creation",
            json={key: value for key, value in body.items() if value is not None},
            headers={"Idempotency-Key": idempotency_key},
        )
        return self._api.read(response, CrmOrder, what="order creation")
