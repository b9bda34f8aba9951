"""Customers, their credit, and the orders and open invoices that belong to them."""

from __future__ import annotations

from functools import partial
from typing import Annotated

from fastapi import APIRouter, Path, Query, Response, status

from erp_system.api.deps import ErpDep, LocksDep
from erp_system.domain.customers import create_customer_once
from erp_system.domain.errors import (
    UPSTREAM_PROBLEMS,
    ConcurrentUpdate,
    CreationInProgress,
    CreditAccountNotFound,
    CustomerNotFound,
    DuplicateCustomer,
    ErpRejected,
)
from erp_system.domain.models import (
    CreditRead,
    CustomerCreate,
    CustomerRead,
    CustomerSearch,
    CustomerUpdate,
    InvoiceRead,
    SalesOrderRead,
)
from trivium.idempotency import idempotent_route
from trivium.paging import InvalidCursor, PageQuery, offset_page
from trivium.problems import problem_responses
from trivium.schemas import Page

router = APIRouter(
    prefix="/customers", tags=["customers"], route_class=idempotent_route(required=False)
)

CustomerIdPath = Annotated[
    str, Path(max_length=10, pattern=r"^[A-Za-z0-9]+$", description="The ERP customer number.")
]
CUSTOMER_LISTING_PROBLEMS = problem_responses(CustomerNotFound, InvalidCursor, *UPSTREAM_PROBLEMS)


@router.get("", responses=problem_responses(InvalidCursor, *UPSTREAM_PROBLEMS))
async def search_customers(
    erp: ErpDep,
    page: PageQuery,
    name: Annotated[str | None, Query(min_length=1, max_length=40)] = None,
    external_id: Annotated[str | None, Query(alias="externalId", max_length=20)] = None,
    postal_code: Annotated[str | None, Query(alias="postalCode", max_length=10)] = None,
    city: Annotated[str | None, Query(max_length=40)] = None,
    vat_id: Annotated[
        str | None, Query(alias="vatId", max_length=20, pattern=r"^[A-Za-z0-9]+$")
    ] = None,
    website_domain: Annotated[
        str | None,
        Query(
            alias="websiteDomain",
            max_length=253,
            pattern=r"^[A-Za-z0-9.-]+$",
            description="The home page's host is this domain or one of its subdomains.",
        ),
    ] = None,
) -> Page[CustomerRead]:
    """Customers matching every given criterion (name matches anywhere), by customer number."""
    criteria = CustomerSearch(
        name=name,
        external_id=external_id,
        postal_code=postal_code,
        city=city,
        vat_id=vat_id.upper() if vat_id else None,
        website_domain=website_domain.lower() if website_domain else None,
    )
    return await offset_page(partial(erp.search_customers, criteria), page)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(
        DuplicateCustomer, CreationInProgress, ErpRejected, *UPSTREAM_PROBLEMS
    ),
)
async def create_customer(
    customer: CustomerCreate, erp: ErpDep, locks: LocksDep, response: Response
) -> CustomerRead:
    """Create a customer with its address and sales area (default: the configured one).

    A customer whose `externalId` is already taken is a 409 naming `existingCustomerId`.
    Send `Idempotency-Key` to make retries safe.
    """
    created = await create_customer_once(erp, locks, customer)
    response.headers["Location"] = f"/customers/{created.id}"
    return created


@router.get("/{customer_id}", responses=problem_responses(CustomerNotFound, *UPSTREAM_PROBLEMS))
async def get_customer(customer_id: CustomerIdPath, erp: ErpDep) -> CustomerRead:
    """One customer with its address and sales areas."""
    return await erp.get_customer(customer_id)


@router.patch(
    "/{customer_id}",
    responses=problem_responses(
        CustomerNotFound, ConcurrentUpdate, ErpRejected, *UPSTREAM_PROBLEMS
    ),
)
async def update_customer(
    customer_id: CustomerIdPath, changes: CustomerUpdate, erp: ErpDep
) -> CustomerRead:
    """Change the fields sent (name, search term, address, central block)."""
    return await erp.update_customer(customer_id, changes)


@router.get(
    "/{customer_id}/credit",
    responses=problem_responses(CustomerNotFound, CreditAccountNotFound, *UPSTREAM_PROBLEMS),
)
async def get_credit(customer_id: CustomerIdPath, erp: ErpDep) -> CreditRead:
    """Credit limit, exposure and what is available; `exposureSource` says how exposure was
    obtained (`backend`, or `derived` from open orders and open invoices)."""
    return await erp.get_credit(customer_id)


@router.get("/{customer_id}/sales-orders", responses=CUSTOMER_LISTING_PROBLEMS)
async def list_sales_orders(
    customer_id: CustomerIdPath, erp: ErpDep, page: PageQuery
) -> Page[SalesOrderRead]:
    """The customer's sales orders with their lines, newest first."""
    return await offset_page(partial(erp.list_sales_orders, customer_id), page)


@router.get("/{customer_id}/invoices", responses=CUSTOMER_LISTING_PROBLEMS)
async def list_open_invoices(
    customer_id: CustomerIdPath, erp: ErpDep, page: PageQuery
) -> Page[InvoiceRead]:
    """The customer's invoices that are not paid yet (open or partially paid), newest first."""
    return await offset_page(partial(erp.list_open_invoices, customer_id), page)
