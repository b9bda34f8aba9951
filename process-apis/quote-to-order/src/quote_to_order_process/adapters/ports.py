"""The ports the order saga depends on, and the few fields it reads from each System API.

The read models keep only what the saga uses (unknown fields are ignored), so the System APIs
may grow without touching this service; the contract between the tiers is their OpenAPI.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Protocol

from quote_to_order_process.domain.models import OrderState, OrderStatus, ProgressStatus
from trivium.locks import Held
from trivium.schemas import Money, UpstreamModel


class CrmSystem(UpstreamModel):
    system_id: str | None = None


class CrmAccount(UpstreamModel):
    id: str
    account_number: str | None = None
    erp_customer_number: str | None = None
    owner_username: str | None = None


class CrmQuoteLine(UpstreamModel):
    sku: str | None = None
    quantity: Decimal
    unit_price: Money
    discount_percent: Decimal | None = None


class CrmQuote(UpstreamModel):
    id: str
    status: str
    expiration_date: date | None = None
    opportunity_id: str | None = None
    account: CrmAccount | None = None
    lines: list[CrmQuoteLine]


class CrmOrder(UpstreamModel):
    id: str


class ErpCredit(UpstreamModel):
    available: Decimal
    currency: str
    blocked: bool


class ErpSalesOrder(UpstreamModel):
    id: str
    customer_id: str
    external_reference: str | None = None
    delivery_status: ProgressStatus | None = None
    billing_status: ProgressStatus | None = None


@dataclass(frozen=True, slots=True)
class ErpAssessment:
    """What the ERP says of a prospective order: the customer's own price of each sku (absent:
    no price), the unrestricted stock of each sku, whether the ERP's credit check passes the
    order at the prices it was sent, and the credit position that explains a check that did not
    pass (None: no credit account, or not needed), read at the same moment."""

    customer_id: str
    prices: Mapping[str, Money]
    stock: Mapping[str, Decimal]
    credit_passed: bool
    credit: ErpCredit | None


@dataclass(frozen=True, slots=True)
class CrmOrderItemDraft:
    sku: str
    quantity: Decimal
    unit_price: Decimal


@dataclass(frozen=True, slots=True)
class CrmOrderDraft:
    account_id: str
    effective_date: date
    erp_order_number: str
    items: Sequence[CrmOrderItemDraft]
    quote_id: str | None = None
    opportunity_id: str | None = None
    purchase_order_number: str | None = None
    quote_status: str | None = None
    opportunity_stage: str | None = None


@dataclass(frozen=True, slots=True)
class ErpLineDraft:
    sku: str
    quantity: Decimal
    unit_price: Decimal | None = None


@dataclass(frozen=True, slots=True)
class ErpOrderDraft:
    customer_id: str
    external_reference: str
    lines: Sequence[ErpLineDraft]
    requested_delivery_date: date | None = None


@dataclass(frozen=True, slots=True)
class ErpPlacement:
    """The ERP order for a reference, and whether this call created it (False: it existed)."""

    order: ErpSalesOrder
    created: bool


class CrmPort(Protocol):
    """The CRM (the Salesforce System API)."""

    async def get_system_id(self) -> str | None:
        """The id of the CRM system (org) whose record ids the CRM hands out now, None when it
        does not name itself (taken as known for a short while); CrmUnavailable when it cannot
        say."""
        ...

    async def get_quote(self, quote_id: str) -> CrmQuote:
        """The quote with lines and account; QuoteNotFound when there is none."""
        ...

    async def get_account(
        self, *, account_id: str | None = None, account_number: str | None = None
    ) -> CrmAccount:
        """The account by id or by account number; AccountNotFound when there is none."""
        ...

    async def create_order(self, draft: CrmOrderDraft, *, idempotency_key: str) -> CrmOrder:
        """Create and activate the order with its items, and mark its quote and opportunity as
        the draft says, all or nothing; a repeated key returns the first."""
        ...


class ErpPort(Protocol):
    """The ERP (the ERP System API)."""

    async def assess_order(self, customer_id: str, lines: Sequence[ErpLineDraft]) -> ErpAssessment:
        """Prices, stock and credit check of the would-be order, its lines at the unit prices
        they name (else the ERP's own), in one call; AccountNotLinked for an unknown customer."""
        ...

    async def get_order(self, order_id: str) -> ErpSalesOrder:
        """The sales order with its delivery and billing status."""
        ...

    async def place_order(self, draft: ErpOrderDraft, *, idempotency_key: str) -> ErpPlacement:
        """The customer's order for the draft's reference, created unless it exists."""
        ...


class HeldReference(StrEnum):
    """What a new order claims that another order may hold already."""

    REQUEST = "request"  # the caller's request (its Idempotency-Key)
    QUOTE = "quote"


@dataclass(frozen=True, slots=True)
class HeldBy:
    """An order that is not failed holds a reference a new order needed."""

    reference: HeldReference
    order_id: str


class OrderStore(Protocol):
    """Saga states, the references each may claim, listings, and wake-up times."""

    async def create(
        self, order: OrderState, *, wake_at: datetime, request_id: str | None = None
    ) -> HeldBy | None:
        """Save a new order and claim its request (`request_id`, see
        `trivium.idempotency.idempotent_request_id`) and its quote, unless an order that has not
        failed holds either: then nothing is saved and that order is named."""
        ...

    async def claim_reference(self, order: OrderState) -> str | None:
        """Claim the order's purchase order number for its account; the holder's id if taken."""
        ...

    async def get(self, order_id: str) -> OrderState | None: ...

    async def save(
        self,
        order: OrderState,
        *,
        wake_at: datetime | None,
        held: Held | None = None,
        event: str | None = None,
    ) -> None:
        """Save the state; wake the order at `wake_at`, or never again when None. With `held`
        (the order's lock), only while the lock is still the holder's: LeaseLost otherwise.
        With `event` (`order.created`, `order.failed`), the event of the state saved is published
        in the same write: both or neither."""
        ...

    async def wake_later(self, order_id: str, wake_at: datetime) -> None:
        """Move the order's wake-up to `wake_at`, if it still has one."""
        ...

    async def cancel_wake_up(self, order_id: str) -> None: ...

    async def take_due(self, *, now: datetime, limit: int, recheck_at: datetime) -> list[str]:
        """Orders whose wake-up is due; each is re-armed at `recheck_at` in the same step."""
        ...

    async def list_orders(
        self,
        *,
        account_id: str | None,
        status: OrderStatus | None,
        limit: int,
        after: str | None,
    ) -> tuple[list[OrderState], str | None]:
        """Orders newest first after the id `after`, and the id to continue from (None: end)."""
        ...

    async def list_needing_attention(
        self, *, limit: int, after: str | None
    ) -> tuple[list[OrderState], str | None]:
        """Orders that need attention, newest first after the id `after`, and the id to
        continue from (None: end)."""
        ...


@dataclass(frozen=True, slots=True)
class HeldOrder:
    """An order's lock as `OrderLocks.hold` gives it (false when another holds it), with the
    order's state as saved when the lock was taken (None: no such order)."""

    lock: Held
    order: OrderState | None = None

    def __bool__(self) -> bool:
        return bool(self.lock)


class OrderLocks(Protocol):
    def hold(self, order_id: str) -> AbstractAsyncContextManager[HeldOrder]:
        """Hold the order's lock for the block, reading the order's state as it is taken;
        yields a false `HeldOrder` (and no state) when another holds the lock."""
        ...


class OrderQueue(Protocol):
    async def enqueue(self, order_id: str, *, correlation_id: str | None = None) -> None:
        """Hand the order to the workers (its log lines and calls carry `correlation_id`)."""
        ...


class OrderMetrics(Protocol):
    """Where the flow records what became of orders and how long its steps took."""

    def order_outcome(self, source: str, outcome: str) -> None:
        """An order from `source` (quote, direct) reached `outcome` (completed, rejected, ...)."""
        ...

    def step_duration(self, step: str, seconds: float) -> None:
        """One saga step (identify, check, erp_order, ...) took `seconds`."""
        ...
