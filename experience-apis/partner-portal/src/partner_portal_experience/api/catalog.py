"""The catalog: products at the partner's own price, with availability."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from partner_portal_experience.api.deps import PartnerDep, PortalDep, public_cursor, upstream_cursor
from partner_portal_experience.domain.catalog import browse_catalog
from partner_portal_experience.domain.errors import IDENTITY_PROBLEMS
from partner_portal_experience.domain.models import CatalogItemRead
from trivium.paging import DEFAULT_PAGE_SIZE, CursorQuery, InvalidCursor, LimitQuery
from trivium.problems import problem_responses
from trivium.schemas import Page

router = APIRouter(prefix="/partner/v1", tags=["catalog"])


@router.get("/catalog", responses=problem_responses(InvalidCursor, *IDENTITY_PROBLEMS))
async def get_catalog(
    partner: PartnerDep,
    portal: PortalDep,
    search: Annotated[
        str | None, Query(min_length=1, max_length=100, description="Part of a name or sku.")
    ] = None,
    limit: LimitQuery = DEFAULT_PAGE_SIZE,
    cursor: CursorQuery = None,
) -> Page[CatalogItemRead]:
    """Products you can order, with your unit price and the stock available now (`in_stock`,
    `low`, `out_of_stock`). Follow `nextCursor` for the next page; a page may hold fewer than
    `limit` items. Prices and stock are at most a few seconds old. When the ERP cannot be
    asked, products are listed without prices and with availability `unknown`."""
    page = await browse_catalog(
        portal, partner, search=search, limit=limit, cursor=upstream_cursor(cursor)
    )
    return Page(items=page.items, next_cursor=public_cursor(page.next_cursor))
