"""Dependencies the routes declare: the flow and its use cases, from the container the lifespan
provides."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from customer_sync_process.bootstrap import CustomerSyncProcess
from customer_sync_process.domain.flow import SyncFlow
from customer_sync_process.domain.products import ProductSyncs
from customer_sync_process.domain.status import SyncStatus
from trivium.composition import from_container

ContainerDep = Annotated[CustomerSyncProcess, Depends(from_container(CustomerSyncProcess))]


async def get_flow(container: ContainerDep) -> SyncFlow:
    return container.flow


async def get_product_syncs(container: ContainerDep) -> ProductSyncs:
    return container.product_syncs


async def get_status(container: ContainerDep) -> SyncStatus:
    return container.status


FlowDep = Annotated[SyncFlow, Depends(get_flow)]
ProductSyncsDep = Annotated[ProductSyncs, Depends(get_product_syncs)]
SyncStatusDep = Annotated[SyncStatus, Depends(get_status)]
