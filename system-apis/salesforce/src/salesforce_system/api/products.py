"""Products: listed for reading, upserted in bulk by ERP material."""

from __future__ import annotations

from functools import partial
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import Field

from salesforce_system.api.deps import CrmDep, SettingsDep
from salesforce_system.domain.budget import ensure_budget_for_optional_work
from salesforce_system.domain.errors import (
    CrmBudgetExhausted,
    CrmBudgetReserved,
    CrmTimeout,
    CrmUnavailable,
)
from salesforce_system.domain.models import ProductRead, ProductUpsert, ProductUpsertReportRead
from salesforce_system.domain.paging import page_by_id
from trivium.paging import InvalidCursor, PageQuery
from trivium.problems import problem_responses
from trivium.schemas import ApiRequest, Page

router = APIRouter(prefix="/products", tags=["products"])

MAX_UPSERT_ROWS = 200_000
# A full batch is about 150 bytes a row; larger bodies are refused (413) before they are read.
MAX_UPSERT_BYTES = 64 * 1024 * 1024


class ProductBatch(ApiRequest):
    products: list[ProductUpsert] = Field(min_length=1, max_length=MAX_UPSERT_ROWS)


@router.get("", responses=problem_responses(InvalidCursor, CrmUnavailable, CrmBudgetExhausted))
async def list_products(
    crm: CrmDep,
    page: PageQuery,
    search: Annotated[str | None, Query(max_length=255, description="Name, code or sku.")] = None,
) -> Page[ProductRead]:
    """Products, optionally those whose name, product code or ERP material contains `search`."""
    return await page_by_id(partial(crm.list_products, search=search), page)


@router.put(
    "",
    responses=problem_responses(CrmBudgetReserved, CrmBudgetExhausted, CrmUnavailable, CrmTimeout),
)
async def upsert_products(
    batch: ProductBatch, crm: CrmDep, settings: SettingsDep
) -> ProductUpsertReportRead:
    """Create or update products by ERP material (`sku`). Rows that hit a record lock are retried
    once; the report lists every row that still failed, with its error. Refused with 503 when the
    CRM's remaining API budget is below the configured floor."""
    await ensure_budget_for_optional_work(crm, floor=settings.budget_floor)
    return await crm.upsert_products(batch.products)
