"""The ports the flow depends on, and the few fields it reads from each System API.

The read models keep only what this flow uses (unknown fields are ignored), so the System APIs
may grow without touching this service; the contract between the tiers is their OpenAPI.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any, Generic, Protocol, TypeVar

from customer_sync_process.domain.models import SyncRead
from trivium.schemas import Money, UpstreamModel
from trivium.write_batch import WriteBatch


class CrmAddress(UpstreamModel):
    street: str | None = None
    city: str | None = None
    postal_code: str | None = None
    region: str | None = None
    country: str | None = None


class CrmAccountProfile(UpstreamModel):
    id: str
    name: str
    phone: str | None = None
    billing_address: CrmAddress | None = None
    erp_customer_number: str | None = None
    credit_limit: Money | None = None
    payment_terms: str | None = None
    erp_blocked: bool = False
    last_modified_at: datetime | None = None


class ChangeOrigin(UpstreamModel):
    client: str | None = None
    from_suite: bool = False


class AccountChange(UpstreamModel):
    """`created`, `updated`, `deleted` or `resync` (re-read `account_ids`, or every account
    changed since `commit_timestamp` when there are none); `position` is where it ends."""

    position: str
    change_type: str
    account_ids: list[str]
    changed_fields: list[str] = []
    values: dict[str, Any] = {}
    commit_timestamp: datetime
    origin: ChangeOrigin


class AccountChangePage(UpstreamModel):
    items: list[AccountChange]
    position: str
    system_id: str | None = None


class ErpAddress(UpstreamModel):
    street: str | None = None
    house_number: str | None = None
    city: str | None = None
    postal_code: str | None = None
    region: str | None = None
    country: str | None = None


class ErpCustomerProfile(UpstreamModel):
    id: str
    external_id: str | None = None
    name: str
    phone: str | None = None
    address: ErpAddress | None = None
    blocked: bool = False
    payment_terms: str | None = None
    credit_limit: Money | None = None
    changed_at: datetime


class ErpSalesOrderChange(UpstreamModel):
    id: str
    customer_id: str
    status: str
    delivery_status: str
    billing_status: str
    invoice_numbers: list[str] = []
    changed_at: datetime


ChangeT = TypeVar("ChangeT", ErpCustomerProfile, ErpSalesOrderChange)


class ErpChangePage(UpstreamModel, Generic[ChangeT]):
    """One page of the ERP's records changed since a time, named by the system that answered."""

    items: list[ChangeT]
    has_more: bool
    system_id: str | None = None


ErpCustomerChangePage = ErpChangePage[ErpCustomerProfile]
ErpSalesOrderChangePage = ErpChangePage[ErpSalesOrderChange]


class ErpCatalogItem(UpstreamModel):
    sku: str
    name: str | None = None
    unit_price: Money | None = None
    available_quantity: Decimal


class ErpCatalogPage(UpstreamModel):
    items: list[ErpCatalogItem]
    next_cursor: str | None = None


class CrmRowError(UpstreamModel):
    code: str
    message: str


class CrmProductRow(UpstreamModel):
    sku: str
    error: CrmRowError | None = None


class CrmProductReport(UpstreamModel):
    method: str
    total: int
    succeeded: int
    failed: int
    failures: list[CrmProductRow]


class CrmOrderStatus(UpstreamModel):
    order_id: str
    changed: bool
    previous_erp_status: str | None = None
    previous_invoice_number: str | None = None


class CrmPort(Protocol):
    """The CRM, as the Salesforce System API serves it."""

    async def read_changes(self, position: str, *, wait_seconds: float) -> AccountChangePage:
        """Account changes after `position` (`now`, `earliest` or a position the feed answered
        with), with the CRM system (org) that answered; PositionUnavailable when it is gone."""
        ...

    async def get_profile(self, account_id: str) -> CrmAccountProfile | None: ...

    async def list_profiles(
        self, *, modified_since: datetime | None = None, ids: Sequence[str] | None = None
    ) -> list[CrmAccountProfile]: ...

    async def find_account_id(self, erp_customer_number: str) -> str | None: ...

    async def update_profile(
        self, account_id: str, fields: dict[str, Any]
    ) -> CrmAccountProfile: ...

    async def set_order_status(
        self, erp_order_number: str, *, erp_status: str, invoice_number: str | None
    ) -> CrmOrderStatus | None:
        """None when no CRM order carries the ERP order number."""
        ...

    async def upsert_products(self, rows: Sequence[dict[str, Any]]) -> CrmProductReport: ...


class ErpPort(Protocol):
    """The ERP, as the ERP System API serves it."""

    async def get_profile(self, customer_id: str) -> ErpCustomerProfile | None: ...

    async def update_profile(
        self, customer_id: str, fields: dict[str, Any]
    ) -> ErpCustomerProfile: ...

    async def customer_changes(self, *, since: datetime, limit: int) -> ErpCustomerChangePage:
        """Customers changed since `since`, with the ERP system that answered."""
        ...

    async def sales_order_changes(self, *, since: datetime, limit: int) -> ErpSalesOrderChangePage:
        """Sales orders changed since `since`, with the ERP system that answered."""
        ...

    async def catalog_page(self, *, cursor: str | None, limit: int) -> ErpCatalogPage: ...


class StatePort(Protocol):
    """What the leader remembers; `write` applies a batch only while `fence` is current."""

    audit_stream: str
    audit_max_length: int

    def key(self, *parts: str) -> str: ...

    async def write(self, fence: int, writes: WriteBatch) -> None: ...

    async def get_json(self, *parts: str) -> Any: ...

    async def get_text(self, *parts: str) -> str | None: ...

    async def exists(self, *parts: str) -> bool: ...

    async def get_hash(self, *parts: str) -> dict[str, str]: ...

    async def get_field(self, parts: tuple[str, ...], field: str) -> str | None: ...

    async def hash_length(self, *parts: str) -> int: ...

    async def set_fields(self, parts: tuple[str, ...], mapping: dict[str, str]) -> None:
        """Unfenced: for what any replica may record (an operator's request)."""
        ...

    async def remove_field(self, parts: tuple[str, ...], field: str) -> bool:
        """Unfenced: for what any replica may remove (an operator's discard)."""
        ...

    async def stats(self) -> dict[str, int]:
        """The counters of changes written, conflicts, echoes ignored, re-reads, ..."""
        ...

    async def audit_entries(self, *, count: int) -> list[dict[str, Any]]:
        """The latest audit entries, newest first."""
        ...


class LeasePort(Protocol):
    """One leader among the replicas: `acquire` answers the holder's fencing token."""

    holder: str

    async def acquire(self) -> int:
        """Take or keep the lease: its fencing token, or 0 while another replica holds it."""
        ...

    async def release(self) -> bool:
        """Give the lease up if this replica holds it; whether it did."""
        ...

    async def holder_now(self) -> str | None:
        """The replica holding the lease now, None when none does."""
        ...


class SyncsPort(Protocol):
    """Product sync statuses, the one-at-a-time lock, and the last sync's size."""

    async def claim(self, sync_id: str) -> str | None: ...

    async def renew(self, sync_id: str) -> None: ...

    async def release(self, sync_id: str) -> None: ...

    async def save(self, sync: SyncRead) -> None: ...

    async def get(self, sync_id: str) -> SyncRead | None: ...

    async def last_total(self) -> int | None: ...

    async def remember_total(self, total: int) -> None: ...


class SyncMetrics(Protocol):
    """Where the flow records what it did: changes, conflicts, events, loops, parked records."""

    def change_written(self, direction: str, target: str) -> None:
        """A change was written (`direction` crm_to_erp, erp_to_crm or order_status)."""
        ...

    def conflict(self, field: str, winner: str) -> None:
        """A field was changed by a system that does not own it; `winner` kept its value."""
        ...

    def change_event(self, outcome: str) -> None:
        """An account change was applied, found unchanged, an echo, a resync, ..."""
        ...

    def reread(self, reason: str) -> None:
        """Changed accounts were read again (after a resync, a lost position)."""
        ...

    def propagation(self, seconds: float) -> None:
        """From the CRM's commit to the ERP's write of one change event."""
        ...

    def products_synced(self, *, succeeded: int, failed: int) -> None:
        """A chunk of products went to the CRM."""
        ...

    def leading(self, leader: bool) -> None:
        """This replica took (True) or gave up (False) the lead."""
        ...

    def loop_state(self, loop: str, state: str, *, current: bool) -> None:
        """Whether `loop` is in `state` (running, retrying) now."""
        ...

    def loop_lag(self, loop: str, *, events: int, seconds: float) -> None:
        """Changes `loop` read and has not applied yet, and the age of the oldest."""
        ...

    def parked(self, loop: str, count: int) -> None:
        """How many records of `loop` are parked now."""
        ...

    def parking(self, loop: str, outcome: str) -> None:
        """A record of `loop` was parked, applied after being parked, or discarded."""
        ...
