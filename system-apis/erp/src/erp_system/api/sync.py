"""Reads and writes for flows that keep other systems in step with the ERP: what changed since
a moment, a customer's master profile, and the whole catalog with stock and prices."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path, Query

from erp_system.api.deps import SyncDep
from erp_system.domain.errors import UPSTREAM_PROBLEMS, CustomerNotFound, ErpRejected
from erp_system.domain.sync_models import (
    CatalogPage,
    CustomerChangePage,
    CustomerProfileRead,
    CustomerProfileUpdate,
    SalesOrderChangePage,
)
from trivium.paging import CursorQuery, InvalidCursor, decode_cursor, encode_cursor
from trivium.problems import problem_responses

router = APIRouter(tags=["sync"])

MAX_CHANGES = 1_000
MAX_CATALOG_PAGE = 5_000
_SKU = re.compile(r"^[A-Za-z0-9._/-]{1,40}$")


SinceQuery = Annotated[
    datetime,
    Query(description="ISO 8601 with offset: changes at or after this moment are listed."),
]
CustomerIdPath = Annotated[
    str, Path(max_length=10, pattern=r"^[A-Za-z0-9]+$", description="The ERP customer number.")
]


@router.get("/changes/customers", responses=problem_responses(*UPSTREAM_PROBLEMS))
async def list_changed_customers(
    sync: SyncDep,
    since: SinceQuery,
    limit: Annotated[int, Query(ge=1, le=MAX_CHANGES)] = 200,
) -> CustomerChangePage:
    """Customers whose master data, credit limit, payment terms or blocks changed at or after
    `since`, oldest change first, each with its current profile. The ERP keeps change times to
    the second: read on from the last item's `changedAt` and skip what you have seen.
    `systemId` names the ERP system answering: keep your `since` per system, and start over
    when another one answers."""
    return await sync.customer_changes(since=since, limit=limit)


@router.get("/changes/sales-orders", responses=problem_responses(*UPSTREAM_PROBLEMS))
async def list_changed_sales_orders(
    sync: SyncDep,
    since: SinceQuery,
    limit: Annotated[int, Query(ge=1, le=MAX_CHANGES)] = 200,
) -> SalesOrderChangePage:
    """Sales orders changed at or after `since` (created, delivered, billed, ...), oldest change
    first, with their canonical status and invoice numbers, and the `systemId` answering (as
    for customers)."""
    return await sync.sales_order_changes(since=since, limit=limit)


@router.get(
    "/customers/{customer_id}/profile",
    responses=problem_responses(CustomerNotFound, *UPSTREAM_PROBLEMS),
)
async def get_customer_profile(customer_id: CustomerIdPath, sync: SyncDep) -> CustomerProfileRead:
    """The customer's master data as sync flows compare it: name, phone, address, blocks,
    payment terms, credit limit and when the ERP last changed any of them."""
    return await sync.get_profile(customer_id)


@router.patch(
    "/customers/{customer_id}/profile",
    responses=problem_responses(CustomerNotFound, ErpRejected, *UPSTREAM_PROBLEMS),
)
async def update_customer_profile(
    customer_id: CustomerIdPath, changes: CustomerProfileUpdate, sync: SyncDep
) -> CustomerProfileRead:
    """Change the name, phone number (of the standard address) or address; the answer is the
    profile after the change. Writing a value the ERP already holds changes nothing else."""
    return await sync.update_profile(customer_id, changes)


@router.get("/catalog", responses=problem_responses(InvalidCursor, *UPSTREAM_PROBLEMS))
async def list_catalog(
    sync: SyncDep,
    limit: Annotated[int, Query(ge=1, le=MAX_CATALOG_PAGE)] = MAX_CATALOG_PAGE,
    cursor: CursorQuery = None,
) -> CatalogPage:
    """Every sellable product by sku with its list price and unrestricted stock in the plant, in
    pages of up to 5,000 (four ERP calls per page), for catalog syncs."""
    after = decode_cursor(cursor, shape=_SKU) if cursor else None
    items = await sync.catalog_page(after=after, limit=limit)
    next_cursor = encode_cursor(items[-1].sku) if len(items) == limit else None
    return CatalogPage(items=items, next_cursor=next_cursor)
