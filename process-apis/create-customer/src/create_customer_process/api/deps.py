"""Dependencies the routes declare: the customer flow and the work queue (from the container
the lifespan provides), the caller's roles."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from create_customer_process.bootstrap import CreateCustomerProcess
from create_customer_process.domain.saga import CustomerFlow
from trivium.composition import from_container_part
from trivium.problems import OperatorRoleRequired
from trivium.work_queue.routes import operator_role

get_flow = from_container_part(CreateCustomerProcess, lambda process: process.flow)
get_work_queue = from_container_part(CreateCustomerProcess, lambda process: process.work_queue)

# The caller, when its service token carries the operator role.
require_operator = operator_role(
    OperatorRoleRequired,
    detail="Customer requests that need attention are handled by operators: the service token "
    "needs the operator role.",
)

FlowDep = Annotated[CustomerFlow, Depends(get_flow)]
