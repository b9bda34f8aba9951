"""Dependencies the routes declare: the flow and its use cases, from the container the lifespan
provides."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from customer_sync_process.bootstrap import CustomerSyncProcess
from customer_sync_process.domain.flow import SyncFlow
from customer_sync_process.domain.products import ProductSyncs
from customer_sync_process.domain.status import SyncStatus
from trivium.composition import from_container_part

# Parts of the container, each one dependency (FastAPI solves every node of a route's dependency
# tree on every request).
get_flow = from_container_part(CustomerSyncProcess, lambda process: process.flow)
get_product_syncs = from_container_part(CustomerSyncProcess, lambda process: process.product_syncs)
get_status = from_container_part(CustomerSyncProcess, lambda process: process.status)

FlowDep = Annotated[SyncFlow, Depends(get_flow)]
ProductSyncsDep = Annotated[ProductSyncs, Depends(get_product_syncs)]
SyncStatusDep = Annotated[SyncStatus, Depends(get_status)]
