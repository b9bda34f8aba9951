"""Dependencies the routes declare: the customer flow, the work queue, the caller's roles."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from create_customer_process.domain.errors import OperatorRoleRequired
from create_customer_process.domain.saga import CustomerFlow
from trivium.acting_rep import acting_rep
from trivium.service_auth import ServiceCaller, ServiceCallerDep
from trivium.work_queue import WorkQueue
from trivium.work_queue.routes import OPERATOR_ROLE


async def get_flow(request: Request) -> CustomerFlow:
    flow: CustomerFlow = request.app.state.flow
    return flow


async def get_work_queue(request: Request) -> WorkQueue:
    queue: WorkQueue = request.app.state.work_queue
    return queue


async def get_acting_rep(caller: ServiceCallerDep) -> str | None:
    """The sales rep the caller acts for (see `trivium.acting_rep`), None for a caller acting
    for itself."""
    return acting_rep(caller)


async def require_operator(caller: ServiceCallerDep) -> ServiceCaller:
    """The caller, when its service token carries the operator role."""
    roles = caller.claims.get("roles")
    if not isinstance(roles, list) or OPERATOR_ROLE not in roles:
        raise OperatorRoleRequired(
            "Customer requests that need attention are handled by operators: the service token "
            "needs the operator role."
        )
    return caller


FlowDep = Annotated[CustomerFlow, Depends(get_flow)]
ActingRepDep = Annotated[str | None, Depends(get_acting_rep)]
WorkQueueDep = Annotated[WorkQueue, Depends(get_work_queue)]
