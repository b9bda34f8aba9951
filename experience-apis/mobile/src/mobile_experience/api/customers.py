"""New customers, created in the CRM and the ERP at once."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request, Response, status

from mobile_experience.api.deps import DeskDep, RepDep, rep_scope
from mobile_experience.domain.errors import (
    CustomerRejected,
    CustomersUnavailable,
    DuplicateCustomer,
    RepIdentityMissing,
    RequestInProgress,
    UpstreamFailed,
)
from mobile_experience.domain.models import CustomerCreate, CustomerRequestRead
from trivium.idempotency import idempotent_route, read_idempotency_key
from trivium.problems import problem_responses

router = APIRouter(
    prefix="/mobile/v1", tags=["customers"], route_class=idempotent_route(scope=rep_scope)
)

_CREATED: dict[int | str, dict[str, Any]] = {
    status.HTTP_200_OK: {
        "model": CustomerRequestRead,
        "description": "Linked to existing records only (`onDuplicate=link`).",
    },
    status.HTTP_202_ACCEPTED: {
        "model": CustomerRequestRead,
        "description": "Accepted: a system was unavailable and it is finished in the "
        "background, or (`needs_attention`) the ERP customer exists and the operations team "
        "finishes its link to the CRM account.",
    },
}


@router.post(
    "/customers",
    status_code=status.HTTP_201_CREATED,
    responses={
        **_CREATED,
        **problem_responses(
            RepIdentityMissing,
            DuplicateCustomer,
            RequestInProgress,
            CustomerRejected,
            CustomersUnavailable,
            UpstreamFailed,
        ),
    },
)
async def create_customer(
    customer: CustomerCreate,
    rep: RepDep,
    desk: DeskDep,
    request: Request,
    response: Response,
    on_duplicate: Annotated[
        Literal["reject", "link"] | None,
        Query(
            alias="onDuplicate",
            description="`link` to link to an existing customer instead of a 409.",
        ),
    ] = None,
) -> CustomerRequestRead:
    """Create a customer in the CRM and the ERP, linked to each other, exactly once. `201` when
    both have it, `202` when one side is finished in the background; `409` names the existing
    customer; `422` points at the fields to fix; `Location` opens the new account's 360.
    `Idempotency-Key` is required."""
    # The idempotent route has checked that the key is there and well formed.
    status_code, created = await desk.create_customer(
        rep,
        customer,
        idempotency_key=read_idempotency_key(request) or "",
        on_duplicate=on_duplicate,
    )
    response.status_code = status_code
    if created.account_id:
        response.headers["Location"] = f"/mobile/v1/accounts/{created.account_id}"
    return created
