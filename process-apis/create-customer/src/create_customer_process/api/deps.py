"""Dependencies the routes declare: the customer flow and the work queue (from the container
the lifespan provides), the caller's roles."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from create_customer_process.bootstrap import CreateCustomerProcess
from create_customer_process.domain.errors import OperatorRoleRequired
from create_customer_process.domain.saga import CustomerFlow
from trivium.acting_rep import acting_rep
from trivium.composition import from_container
from trivium.service_auth import ServiceCallerDep
from trivium.work_queue import WorkQueue
from trivium.work_queue.routes import operator_role

ContainerDep = Annotated[CreateCustomerProcess, Depends(from_container(CreateCustomerProcess))]


async def get_flow(container: ContainerDep) -> CustomerFlow:
    return container.flow


async def get_work_queue(container: ContainerDep) -> WorkQueue:
    return container.work_queue


async def get_acting_rep(caller: ServiceCallerDep) -> str | None:
    """The sales rep the caller acts for (see `trivium.acting_rep`), None for a caller acting
    for itself."""
    return acting_rep(caller)


# The caller, when its service token carries the operator role.
require_operator = operator_role(
    OperatorRoleRequired,
    detail="Customer requests that need attention are handled by operators: the service token "
    "needs the operator role.",
)


FlowDep = Annotated[CustomerFlow, Depends(get_flow)]
ActingRepDep = Annotated[str | None, Depends(get_acting_rep)]
WorkQueueDep = Annotated[WorkQueue, Depends(get_work_queue)]
