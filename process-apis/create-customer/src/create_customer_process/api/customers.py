"""Customers: created (or linked) once in the CRM and the ERP, followed on a status resource."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Response, status

from create_customer_process.api.deps import FlowDep
from create_customer_process.domain.errors import (
    AmbiguousDuplicate,
    CreationInProgress,
    DuplicateCustomer,
    DuplicateOfAnotherOwner,
    InvalidCustomer,
    RequestNotFound,
)
from create_customer_process.domain.models import (
    CustomerCreate,
    CustomerRequestRead,
    OnDuplicate,
)
from create_customer_process.domain.ownership import same_user
from create_customer_process.domain.processing import Outcome, submit_customer
from trivium.acting_rep import ActingRepDep
from trivium.idempotency import caller_scope, idempotent_route, service_and_consumer
from trivium.ids import ULID_PATTERN
from trivium.problems import (
    CrmRejected,
    CrmUnavailable,
    ErpRejected,
    ErpUnavailable,
    problem_responses,
)

router = APIRouter(
    prefix="/customers",
    tags=["customers"],
    route_class=idempotent_route(scope=caller_scope(service_and_consumer)),
)

REQUEST_ID_PATTERN = ULID_PATTERN
RequestId = Annotated[str, Path(pattern=REQUEST_ID_PATTERN, description="The request's id.")]
_ANSWERS: dict[int | str, dict[str, Any]] = {
    status.HTTP_200_OK: {
        "model": CustomerRequestRead,
        "description": "Linked: the customer existed in both systems (`onDuplicate=link`).",
    },
    status.HTTP_202_ACCEPTED: {
        "model": CustomerRequestRead,
        "description": "Accepted: a system is unavailable; the request is finished in the "
        "background. Follow `Location`.",
    },
}


def status_location(request_id: str) -> str:
    return f"/customers/requests/{request_id}"


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    responses={
        **_ANSWERS,
        **problem_responses(
            InvalidCustomer,
            DuplicateCustomer,
            DuplicateOfAnotherOwner,
            AmbiguousDuplicate,
            CreationInProgress,
            CrmRejected,
            ErpRejected,
            CrmUnavailable,
            ErpUnavailable,
        ),
    },
)
async def create_customer(
    customer: CustomerCreate,
    flow: FlowDep,
    rep: ActingRepDep,
    response: Response,
    on_duplicate: Annotated[
        OnDuplicate,
        Query(
            alias="onDuplicate",
            description="`reject` (default): an existing customer is a 409 naming it; `link`: "
            "the new customer is linked to the existing records and only what is missing is "
            "created.",
        ),
    ] = OnDuplicate.REJECT,
) -> CustomerRequestRead:
    """Create a customer as a Salesforce account and an ERP customer (with the sales area),
    linked to each other, exactly once.

    The customer is validated and normalized first (country and region codes, E.164 phone,
    e-mail, trimmed name); any bad field is a 422 listing every field, and nothing is created.
    Both systems are then searched for the customer (same name and postal code, website domain,
    VAT id): a match is a 409 naming the existing records, unless `onDuplicate=link`.
    `201` when created, `200` when only linked, `202` with `Location` when a system was
    unavailable and the request goes on in the background. `Idempotency-Key` is required: a
    repeat replays the first answer.

    For a sales rep (named in the service token): the new account is owned by the rep; a 409
    names only records the rep owns, and a customer that exists as records of others is a
    `409 duplicate-customer-of-another-owner` that names none of them (no ids, no ERP numbers)
    and says how to get access; `onDuplicate=link` links only to the rep's own records."""
    processed = await submit_customer(flow, customer, on_duplicate=on_duplicate, rep=rep)
    state = processed.state
    assert state is not None
    if processed.outcome is Outcome.FAILED and processed.problem is not None:
        problem = processed.problem
        problem.extensions.update(requestId=state.id, compensated=state.compensated)
        raise problem
    response.headers["Location"] = status_location(state.id)
    if processed.outcome is not Outcome.COMPLETED:
        response.status_code = status.HTTP_202_ACCEPTED
    elif not state.created_anything:
        response.status_code = status.HTTP_200_OK
    return CustomerRequestRead.from_state(state)


@router.get("/requests/{request_id}", responses=problem_responses(RequestNotFound))
async def get_customer_request(
    request_id: RequestId, flow: FlowDep, rep: ActingRepDep
) -> CustomerRequestRead:
    """The request, the step it has reached, the ids of both records, and its last error; for a
    sales rep, only a request they made."""
    state = await flow.store.get(request_id)
    if state is None or (rep is not None and not same_user(state.acting_rep, rep)):
        raise RequestNotFound(f"No customer request has the id {request_id!r}.")
    return CustomerRequestRead.from_state(state)
