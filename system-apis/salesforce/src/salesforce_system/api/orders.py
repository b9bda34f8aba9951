"""Orders: created with their items and activated in one CRM call; ERP number and status kept."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response, status

from salesforce_system.api.deps import CrmDep
from salesforce_system.domain.errors import (
    CrmBudgetExhausted,
    CrmUnavailable,
    DuplicateRecord,
    RecordConflict,
    RecordNotFound,
    RecordRejected,
)
from salesforce_system.domain.models import OrderCreate, OrderRead, OrderUpdate
from trivium.idempotency import idempotent_route
from trivium.problems import problem_responses

router = APIRouter(prefix="/orders", tags=["orders"], route_class=idempotent_route(required=False))

OrderId = Annotated[str, Path(max_length=18, description="The order's id.")]
UPSTREAM = (CrmUnavailable, CrmBudgetExhausted)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(RecordNotFound, DuplicateRecord, RecordRejected, *UPSTREAM),
)
async def create_order(order: OrderCreate, crm: CrmDep, response: Response) -> OrderRead:
    """Create an order with its items (priced from the standard price book unless a unit price
    is given) and activate it. Send `Idempotency-Key` to make retries safe.

    An `erpOrderNumber` is on one order only: a create repeated with the number of an order it
    made before (same account, and same quote when one is given) answers that order, so a create
    whose answer was lost is safe to repeat even under a new key; another order with the number
    is a 409."""
    created = await crm.create_order(order)
    response.headers["Location"] = f"/orders/{created.id}"
    return created


@router.get("/{order_id}", responses=problem_responses(RecordNotFound, *UPSTREAM))
async def get_order(order_id: OrderId, crm: CrmDep) -> OrderRead:
    """One order with its items."""
    return await crm.get_order(order_id)


@router.patch(
    "/{order_id}",
    responses=problem_responses(RecordNotFound, RecordConflict, RecordRejected, *UPSTREAM),
)
async def update_order(order_id: OrderId, changes: OrderUpdate, crm: CrmDep) -> OrderRead:
    """Record the ERP order number, the ERP status, or the order's status."""
    return await crm.update_order(order_id, changes)
