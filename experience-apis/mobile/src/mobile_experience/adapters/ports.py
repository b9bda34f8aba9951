"""The ports this API depends on, and the few fields it reads from each lower tier.

The read models keep only what the channel shows (unknown fields are ignored), so the lower
tiers may grow without touching this service; the contract between the tiers is their OpenAPI.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Protocol

from mobile_experience.domain.models import OpportunityCard, OrderLine, Rep
from trivium.schemas import Money, UpstreamModel


class CrmAddress(UpstreamModel):
    street: str | None = None
    city: str | None = None
    postal_code: str | None = None
    region: str | None = None
    country: str | None = None


class CrmAccount(UpstreamModel):
    id: str
    name: str
    account_number: str | None = None
    erp_customer_number: str | None = None
    phone: str | None = None
    website: str | None = None
    industry: str | None = None
    billing_address: CrmAddress | None = None


class CrmAccountPage(UpstreamModel):
    items: list[CrmAccount]
    next_cursor: str | None = None


class CrmContact(UpstreamModel):
    id: str
    first_name: str | None = None
    last_name: str
    title: str | None = None
    email: str | None = None
    phone: str | None = None


class CrmOverview(UpstreamModel):
    """An account with its owner, key contacts and open opportunities (one CRM call)."""

    account: CrmAccount
    owner_username: str | None = None
    contacts: list[CrmContact] = []
    # Read as the app shows them: the CRM's open opportunity is the card, field for field.
    open_opportunities: list[OpportunityCard] = []


class CrmQuoteAccount(UpstreamModel):
    id: str
    owner_username: str | None = None


class CrmQuote(UpstreamModel):
    """A quote as far as this API reads it: whose account it is for."""

    id: str
    account: CrmQuoteAccount | None = None


class ErpOrder(UpstreamModel):
    id: str
    status: str
    delivery_status: str | None = None
    billing_status: str | None = None
    total: Money | None = None
    created_on: date | None = None
    requested_delivery_date: date | None = None
    external_reference: str | None = None


class ErpInvoice(UpstreamModel):
    id: str
    status: str
    invoice_date: date | None = None
    sales_order_id: str | None = None
    net_amount: Money
    gross_amount: Money | None = None


class ErpCredit(UpstreamModel):
    limit: Decimal
    exposure: Decimal
    available: Decimal
    currency: str
    blocked: bool


class ProcessFailure(UpstreamModel):
    type: str
    title: str
    detail: str | None = None


class ProcessOrder(UpstreamModel):
    """An order as quote-to-order reports it."""

    order_id: str
    status: str
    quote_id: str | None = None
    account_id: str | None = None
    erp_order_number: str | None = None
    purchase_order_number: str | None = None
    # Passed on to the app as they are.
    lines: list[OrderLine] = []
    total: Money | None = None
    failure: ProcessFailure | None = None
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class OrderPlacement:
    """The order quote-to-order placed or took on, and whether it goes on in the background."""

    order: ProcessOrder
    in_background: bool
    async_preference_applied: bool = False


class ProcessCustomer(UpstreamModel):
    """A customer request as create-customer reports it."""

    request_id: str
    status: str
    account_id: str | None = None
    erp_customer_number: str | None = None
    account_created: bool = False
    erp_customer_created: bool = False


@dataclass(frozen=True, slots=True)
class CustomerCreation:
    """What create-customer answered: 201 created, 200 linked only, 202 finishing later."""

    status: int
    customer: ProcessCustomer


class CrmPort(Protocol):
    """The CRM, as the Salesforce System API serves it."""

    async def search_accounts(
        self, *, owner_username: str, name: str | None, limit: int, cursor: str | None
    ) -> CrmAccountPage:
        """The owner's accounts, by id; CrmUnavailable, or InvalidCursor for a foreign cursor."""
        ...

    async def get_overview(
        self, account_id: str, *, contact_limit: int, opportunity_limit: int
    ) -> CrmOverview:
        """One CRM call; AccountNotFound when there is none, CrmUnavailable when it cannot say."""
        ...

    async def get_quote(self, quote_id: str) -> CrmQuote | None:
        """The quote with its account's owner (one CRM call); None when there is none."""
        ...


class ErpPort(Protocol):
    """The ERP, as the ERP System API serves it; an unknown customer has nothing to show."""

    async def recent_orders(self, customer_id: str, *, limit: int) -> list[ErpOrder]: ...

    async def open_invoices(self, customer_id: str, *, limit: int) -> list[ErpInvoice]: ...

    async def credit(self, customer_id: str) -> ErpCredit | None:
        """None when the customer has no credit account."""
        ...


class OrdersPort(Protocol):
    """The quote-to-order Process API, called on behalf of a rep."""

    async def place_quote_order(
        self, quote_id: str, *, rep: Rep, idempotency_key: str, respond_async: bool
    ) -> OrderPlacement: ...

    async def get_order(self, order_id: str, *, rep: Rep) -> ProcessOrder | None: ...


class CustomersPort(Protocol):
    """The create-customer Process API, called on behalf of a rep."""

    async def create_customer(
        self,
        customer: Mapping[str, Any],
        *,
        rep: Rep,
        idempotency_key: str,
        on_duplicate: str | None,
    ) -> CustomerCreation: ...


class Cache(Protocol):
    """Short-lived shared values (Redis): views' sections, account links, order placers."""

    async def get_many(self, keys: Sequence[str]) -> list[bytes | None]: ...

    async def set_many(self, values: Mapping[str, bytes], *, ttl_seconds: float) -> bool:
        """Store every value for `ttl_seconds`; failures are not raised (it is only a cache).
        True when stored."""
        ...


class ViewMetrics(Protocol):
    """Where the customer 360 records how each of its sources was served."""

    def section_served(self, section: str, *, source: str, ok: bool) -> None:
        """`section` (crm, orders, invoices, credit) came from `source` (cache, live)."""
        ...
