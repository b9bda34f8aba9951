"""What this API needs from the systems below it, and the little of their data it reads.

Models read from an upstream ignore fields this API does not use, so an upstream may add
fields freely. Problems of `domain.errors` are raised for upstream failures.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, Protocol

from trivium.schemas import Money, Page, UpstreamModel


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
    billing_address: CrmAddress | None = None


class CrmProduct(UpstreamModel):
    id: str
    name: str
    sku: str | None = None
    description: str | None = None
    family: str | None = None
    is_active: bool = True


class ErpCredit(UpstreamModel):
    limit: Decimal
    exposure: Decimal
    available: Decimal
    currency: str
    blocked: bool = False


class ErpOrderProgress(UpstreamModel):
    """The ERP's view of how far a sales order has got."""

    id: str
    customer_id: str
    delivery_status: str
    billing_status: str


class ProcessFailure(UpstreamModel):
    type: str
    title: str
    detail: str | None = None


class ProcessOrderLine(UpstreamModel):
    sku: str
    quantity: Decimal
    unit_price: Money
    net_amount: Money


class ProcessOrder(UpstreamModel):
    """An order as the quote-to-order Process API reports it."""

    order_id: str
    status: str
    account_id: str | None = None
    account_number: str | None = None
    erp_order_number: str | None = None
    purchase_order_number: str | None = None
    requested_delivery_date: date | None = None
    lines: list[ProcessOrderLine] = []
    total: Money | None = None
    failure: ProcessFailure | None = None
    # The ERP's progress as the process tier last read it (when it placed the order, or since).
    delivery_status: str | None = None
    billing_status: str | None = None


@dataclass(frozen=True)
class OrderDraft:
    """A direct order for the quote-to-order Process API."""

    account_number: str
    purchase_order_number: str
    lines: Sequence[tuple[str, Decimal]]
    requested_delivery_date: date | None = None


@dataclass(frozen=True)
class Placement:
    """The answer to an order: the order, and whether it goes on in the background."""

    order: ProcessOrder
    in_background: bool
    async_applied: bool


class CrmPort(Protocol):
    async def find_account(self, account_number: str) -> CrmAccount | None:
        """The account with this account number (None when there is none)."""
        ...

    async def list_products(
        self, *, search: str | None, limit: int, cursor: str | None
    ) -> Page[CrmProduct]: ...


class ErpPort(Protocol):
    async def get_credit(self, customer_id: str) -> ErpCredit | None:
        """The customer's credit position (None when it has no credit account)."""
        ...

    async def get_prices(
        self, skus: Sequence[str], *, customer_id: str
    ) -> dict[str, Money | None]: ...

    async def get_availability(self, skus: Sequence[str]) -> dict[str, Decimal]:
        """Unrestricted stock of every sku, in one call."""
        ...

    async def get_order_progress(self, order_number: str) -> ErpOrderProgress | None: ...


class OrdersPort(Protocol):
    async def place_order(
        self,
        draft: OrderDraft,
        *,
        idempotency_key: str,
        respond_async: bool,
        identity: Mapping[str, Any],
    ) -> Placement: ...

    async def get_order(self, order_id: str) -> ProcessOrder | None: ...

    async def list_orders(
        self, *, account_id: str, status: str | None, limit: int, cursor: str | None
    ) -> Page[ProcessOrder]: ...


class Cache(Protocol):
    """Short-lived values by key; a cache that cannot answer behaves as empty."""

    async def get_many(self, keys: Sequence[str]) -> list[bytes | None]: ...

    async def set(self, key: str, value: bytes, *, ttl_seconds: float) -> None: ...
