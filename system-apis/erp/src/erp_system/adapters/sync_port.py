"""The port the sync routes depend on: delta reads, profiles and the catalog in pages."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from erp_system.domain.sync_models import (
    CatalogItem,
    CustomerChangePage,
    CustomerProfileRead,
    CustomerProfileUpdate,
    SalesOrderChangePage,
)


class ErpSyncPort(Protocol):
    """What sync flows read from and write to an ERP."""

    async def customer_changes(self, *, since: datetime, limit: int) -> CustomerChangePage: ...

    async def get_profile(self, customer_id: str) -> CustomerProfileRead: ...

    async def update_profile(
        self, customer_id: str, changes: CustomerProfileUpdate
    ) -> CustomerProfileRead: ...

    async def sales_order_changes(self, *, since: datetime, limit: int) -> SalesOrderChangePage: ...

    async def catalog_page(self, *, after: str | None, limit: int) -> list[CatalogItem]:
        """Up to `limit` products after the sku `after`, by sku."""
        ...
