"""The ports the routes depend on: what this API needs from an ERP, in its own words.

An Oracle ERP Cloud or NetSuite adapter implements `ErpPort` and nothing above it changes.
List operations take a page size and the number of rows to skip.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from typing import Protocol

from erp_system.domain.models import (
    AvailabilityRead,
    CreditRead,
    CustomerCreate,
    CustomerRead,
    CustomerSearch,
    CustomerUpdate,
    InvoiceRead,
    OrderPricing,
    ProductRead,
    SalesOrderCreate,
    SalesOrderRead,
    SalesOrderSimulate,
    SalesOrderUpdate,
    Versioned,
)
from trivium.locks import Along, Held
from trivium.schemas import Money


class ErpPort(Protocol):
    """ERP operations; raise the problems of `erp_system.domain.errors`, never vendor errors."""

    async def get_customer(self, customer_id: str) -> CustomerRead: ...

    async def search_customers(
        self, criteria: CustomerSearch, *, limit: int, offset: int
    ) -> list[CustomerRead]: ...

    async def find_customer_by_external_id(self, external_id: str) -> CustomerRead | None: ...

    async def create_customer(self, customer: CustomerCreate) -> CustomerRead: ...

    async def update_customer(self, customer_id: str, changes: CustomerUpdate) -> CustomerRead: ...

    async def get_credit(self, customer_id: str) -> CreditRead: ...

    async def list_products(
        self, *, search: str | None, limit: int, offset: int
    ) -> list[ProductRead]: ...

    async def get_product(self, sku: str) -> ProductRead: ...

    async def get_prices(
        self, skus: Sequence[str], *, customer_id: str | None
    ) -> dict[str, Money]: ...

    async def get_availability(
        self, skus: Sequence[str], *, plant: str | None
    ) -> list[AvailabilityRead]:
        """Stock of every sku (zero for unknown ones), in one backend round trip."""
        ...

    async def price_order(self, order: SalesOrderSimulate) -> OrderPricing | None:
        """The order priced and credit-checked by the ERP's own order simulation, nothing saved,
        in one backend round trip; None from an ERP without one."""
        ...

    async def find_sales_order(
        self, *, customer_id: str, external_reference: str
    ) -> SalesOrderRead | None: ...

    async def create_sales_order(self, order: SalesOrderCreate) -> SalesOrderRead: ...

    async def get_sales_order(self, order_id: str) -> Versioned[SalesOrderRead]: ...

    async def update_sales_order(
        self, order_id: str, changes: SalesOrderUpdate, *, version: str | None
    ) -> Versioned[SalesOrderRead]:
        """Change the order if it is still at `version` (any version when None)."""
        ...

    async def list_sales_orders(
        self, customer_id: str, *, limit: int, offset: int
    ) -> list[SalesOrderRead]: ...

    async def list_open_invoices(
        self, customer_id: str, *, limit: int, offset: int
    ) -> list[InvoiceRead]: ...


class KeyLockPort(Protocol):
    """Mutual exclusion per key across every replica of this service."""

    def hold(self, name: str, *, along: Along | None = None) -> AbstractAsyncContextManager[Held]:
        """Hold the lock `name` for the block; a false `Held` when it stays taken too long. The
        commands `along` queues run in the round trip that takes the lock (and in each earlier
        try); the held lock carries their replies from the one that took it (`Held.read`)."""
        ...


class CreationAttemptsPort(Protocol):
    """The creations this API has attempted, kept across replicas and restarts."""

    async def record_attempt(self, name: str) -> bool:
        """Record an attempt at creating `name`; True when it is the first one recorded."""
        ...

    def recording(self, name: str) -> Along:
        """`record_attempt` as a command queued in the round trip that takes a lock
        (`KeyLockPort.hold(along=...)`): its reply, true for the first attempt, is
        `Held.read[0]`."""
        ...
