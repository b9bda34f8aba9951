"""Products with list prices, and stock availability of many skus in one call."""

from __future__ import annotations

import re
from functools import partial
from typing import Annotated

from fastapi import APIRouter, Path, Query

from erp_system.api.deps import ErpDep
from erp_system.domain.errors import UPSTREAM_PROBLEMS, ProductNotFound
from erp_system.domain.models import (
    AvailabilityListRead,
    AvailabilityQuery,
    PriceListRead,
    PriceRead,
    ProductRead,
)
from trivium.paging import InvalidCursor, PageQuery, offset_page
from trivium.problems import FieldError, ValidationFailed, problem_responses
from trivium.schemas import Page

router = APIRouter(tags=["catalog"])

MAX_SKUS = 200
_SKU = re.compile(r"^[A-Za-z0-9._/-]{1,40}$")
SkusQuery = Annotated[
    list[str],
    Query(description="Skus, comma-separated and/or repeated; at most 200.", min_length=1),
]
PlantQuery = Annotated[
    str | None, Query(max_length=4, description="Plant; default: the configured plant.")
]


@router.get("/products", responses=problem_responses(InvalidCursor, *UPSTREAM_PROBLEMS))
async def list_products(
    erp: ErpDep,
    page: PageQuery,
    search: Annotated[
        str | None, Query(min_length=1, max_length=40, description="Part of name or sku.")
    ] = None,
) -> Page[ProductRead]:
    """Sellable products with their list price per base unit, by sku."""
    return await offset_page(partial(erp.list_products, search=search), page)


@router.get("/products/{sku}", responses=problem_responses(ProductNotFound, *UPSTREAM_PROBLEMS))
async def get_product(
    sku: Annotated[str, Path(max_length=40, pattern=_SKU.pattern)], erp: ErpDep
) -> ProductRead:
    """One product with its list price."""
    return await erp.get_product(sku)


@router.get("/availability", responses=problem_responses(*UPSTREAM_PROBLEMS))
async def get_availability(
    erp: ErpDep,
    skus: SkusQuery,
    plant: PlantQuery = None,
) -> AvailabilityListRead:
    """Unrestricted stock of every sku in the plant (zero for unknown skus), read in one call."""
    wanted = _split_skus(skus)
    return AvailabilityListRead(items=await erp.get_availability(wanted, plant=plant))


@router.post("/availability", responses=problem_responses(*UPSTREAM_PROBLEMS))
async def query_availability(query: AvailabilityQuery, erp: ErpDep) -> AvailabilityListRead:
    """Like `GET /availability`, for sku lists too long for a URL. Reads only."""
    return AvailabilityListRead(items=await erp.get_availability(query.skus, plant=query.plant))


@router.get("/prices", responses=problem_responses(*UPSTREAM_PROBLEMS))
async def get_prices(
    erp: ErpDep,
    skus: SkusQuery,
    customer_id: Annotated[
        str | None,
        Query(
            alias="customerId",
            max_length=10,
            pattern=r"^[A-Za-z0-9]+$",
            description="The ERP customer: its own price wins over the list price.",
        ),
    ] = None,
) -> PriceListRead:
    """The price per base unit of every sku, in the order asked, read together: the
    customer's own price where it has one, else the list price; `unitPrice` is null for a sku
    without a valid price (or unknown)."""
    wanted = list(dict.fromkeys(_split_skus(skus)))
    prices = await erp.get_prices(wanted, customer_id=customer_id)
    return PriceListRead(items=[PriceRead(sku=sku, unit_price=prices.get(sku)) for sku in wanted])


def _split_skus(values: list[str]) -> list[str]:
    skus = [sku.strip() for value in values for sku in value.split(",") if sku.strip()]
    bad = [sku for sku in skus if not _SKU.match(sku)]
    if bad or not skus or len(skus) > MAX_SKUS:
        detail = f"Give 1 to {MAX_SKUS} skus of letters, digits and ._/-"
        raise ValidationFailed(
            "The sku list is not valid.",
            errors=[FieldError(pointer="skus", detail=f"{detail}; invalid: {bad[:5]}")],
        )
    return skus
