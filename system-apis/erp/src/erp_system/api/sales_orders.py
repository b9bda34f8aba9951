"""Sales orders: created exactly once per customer reference, read, changed, or simulated."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response, status

from erp_system.api.deps import (
    AttemptsDep,
    ErpDep,
    LocksDep,
    SettingsDep,
    VersionDep,
    etag_for,
)
from erp_system.domain.errors import (
    UPSTREAM_PROBLEMS,
    ConcurrentUpdate,
    CreationInProgress,
    CustomerNotFound,
    ErpRejected,
    InvalidVersion,
    SalesOrderNotFound,
    VersionMismatch,
)
from erp_system.domain.models import (
    SalesOrderCreate,
    SalesOrderRead,
    SalesOrderSimulate,
    SalesOrderSimulationRead,
    SalesOrderUpdate,
)
from erp_system.domain.orders import place_sales_order
from erp_system.domain.simulation import simulate_sales_order
from trivium.idempotency import idempotent_route
from trivium.problems import problem_responses

router = APIRouter(
    prefix="/sales-orders", tags=["sales orders"], route_class=idempotent_route(required=False)
)
simulation_router = APIRouter(tags=["sales orders"])

OrderIdPath = Annotated[
    str, Path(max_length=10, pattern=r"^[A-Za-z0-9]+$", description="The ERP order number.")
]


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    responses={
        200: {"description": "The order with this external reference already existed."},
        **problem_responses(CreationInProgress, ErpRejected, *UPSTREAM_PROBLEMS),
    },
)
async def create_sales_order(
    order: SalesOrderCreate,
    erp: ErpDep,
    locks: LocksDep,
    attempts: AttemptsDep,
    settings: SettingsDep,
    response: Response,
) -> SalesOrderRead:
    """Create the order, once per customer and `externalReference`: a repeat answers 200 with
    the order created first (whatever its lines). Send `Idempotency-Key` as well."""
    placed, created = await place_sales_order(
        erp, locks, attempts, order, always_look_up=settings.sales_order_lookup == "always"
    )
    response.status_code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
    response.headers["Location"] = f"/sales-orders/{placed.id}"
    return placed


@simulation_router.post(
    "/sales-orders:simulate",
    responses=problem_responses(CustomerNotFound, *UPSTREAM_PROBLEMS),
)
async def simulate(
    request: SalesOrderSimulate, erp: ErpDep, settings: SettingsDep
) -> SalesOrderSimulationRead:
    """Price the lines and check stock and credit as for a real order, saving nothing."""
    return await simulate_sales_order(erp, request, default_currency=settings.currency)


@router.get("/{order_id}", responses=problem_responses(SalesOrderNotFound, *UPSTREAM_PROBLEMS))
async def get_sales_order(order_id: OrderIdPath, erp: ErpDep, response: Response) -> SalesOrderRead:
    """One order with its lines and canonical status; `ETag` names its version."""
    found = await erp.get_sales_order(order_id)
    _set_etag(response, found.version)
    return found.item


@router.patch(
    "/{order_id}",
    responses=problem_responses(
        SalesOrderNotFound,
        InvalidVersion,
        ConcurrentUpdate,
        VersionMismatch,
        ErpRejected,
        *UPSTREAM_PROBLEMS,
    ),
)
async def update_sales_order(
    order_id: OrderIdPath,
    changes: SalesOrderUpdate,
    erp: ErpDep,
    version: VersionDep,
    response: Response,
) -> SalesOrderRead:
    """Change the requested delivery date. With `If-Match` (an `ETag` of this API) the change
    applies only to that version (412 otherwise); without it, to the version read just before."""
    updated = await erp.update_sales_order(order_id, changes, version=version)
    _set_etag(response, updated.version)
    return updated.item


def _set_etag(response: Response, version: str | None) -> None:
    etag = etag_for(version)
    if etag is not None:
        response.headers["ETag"] = etag
