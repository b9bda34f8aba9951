"""Parked records: what the sync could not apply, for operators to see, retry or discard."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query, Response, status

from customer_sync_process.api.deps import FlowDep
from customer_sync_process.domain import parking
from customer_sync_process.domain.errors import ParkedNotFound
from customer_sync_process.domain.models import ParkedPage, ParkedRead, RetryRequestedRead
from trivium.problems import OperatorRoleRequired, problem_responses
from trivium.work_queue.routes import operator_role

router = APIRouter(
    prefix="/parked",
    tags=["parked records"],
    dependencies=[
        Depends(
            operator_role(
                OperatorRoleRequired,
                detail="Parked records are handled by operators: the service token needs the "
                "operator role.",
            )
        )
    ],
    responses=problem_responses(OperatorRoleRequired),
)

ParkedId = Annotated[
    str,
    Path(
        pattern=r"^(crm-account|erp-customer|erp-order):[^/]{1,80}$",
        description="`crm-account:<account id>`, `erp-customer:<id>` or `erp-order:<id>`.",
    ),
]


@router.get("")
async def list_parked(
    flow: FlowDep,
    loop: Annotated[Literal["cdc", "erpPoll"] | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=1_000)] = 100,
) -> ParkedPage:
    """Records the sync could not apply, oldest first: the change that failed, the error
    (`kind` permanent or transient, `reason`, `detail`, the System API's `status`), attempts
    and when each was first and last seen. A later change of a record, or a retry, applies its
    current values; it then leaves this list."""
    items = await parking.list_parked(flow, loop=loop)
    return ParkedPage(items=items[:limit], total=len(items))


@router.get("/{item_id}", responses=problem_responses(ParkedNotFound))
async def get_parked(item_id: ParkedId, flow: FlowDep) -> ParkedRead:
    """One parked record (404 once it applied or was discarded)."""
    item = await parking.get_parked(flow, item_id)
    if item is None:
        raise ParkedNotFound(f"No record {item_id!r} is parked.")
    return item


@router.post("/retry", status_code=status.HTTP_202_ACCEPTED)
async def retry_all(flow: FlowDep) -> RetryRequestedRead:
    """Ask the leader to try every parked record again (within a few seconds); each that
    applies leaves the list, each that fails again stays with its new error."""
    items = await parking.list_parked(flow)
    return RetryRequestedRead(requested=await parking.request_retry(flow, [i.id for i in items]))


@router.post(
    "/{item_id}/retry",
    status_code=status.HTTP_202_ACCEPTED,
    responses=problem_responses(ParkedNotFound),
)
async def retry_one(item_id: ParkedId, flow: FlowDep) -> ParkedRead:
    """Ask the leader to try the record again (after it was set right in its system):
    follow it at `GET /parked/{id}` — 404 there once it applied."""
    return await parking.request_retry_of(flow, item_id)


@router.delete(
    "/{item_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(ParkedNotFound),
)
async def discard(item_id: ParkedId, flow: FlowDep) -> Response:
    """Drop a parked record that must not be applied; a later change of it applies anew."""
    await parking.discard(flow, item_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
