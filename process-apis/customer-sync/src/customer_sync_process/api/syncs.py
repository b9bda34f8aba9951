"""Product syncs: started on demand (besides the hourly schedule) and followed by id."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response, status

from customer_sync_process.api.deps import ProductSyncsDep
from customer_sync_process.domain.errors import SyncAlreadyRunning, SyncNotFound
from customer_sync_process.domain.models import SyncRead
from trivium.idempotency import idempotent_route
from trivium.problems import problem_responses

router = APIRouter(prefix="/syncs", tags=["syncs"], route_class=idempotent_route(required=False))

SyncId = Annotated[str, Path(pattern=r"^sync-[0-9a-f]{16}$", description="The sync's id.")]


@router.post(
    "/products",
    status_code=status.HTTP_202_ACCEPTED,
    responses=problem_responses(SyncAlreadyRunning),
)
async def start_product_sync(product_syncs: ProductSyncsDep, response: Response) -> SyncRead:
    """Sync the ERP's stock and list prices to the CRM's products now. Answers at once with
    the running sync (follow it at `Location`); 409 naming `runningSyncId` while one runs.
    Send `Idempotency-Key` to make retries safe."""
    sync = await product_syncs.start(trigger="request")
    response.headers["Location"] = f"/syncs/{sync.id}"
    return sync


@router.get("/{sync_id}", responses=problem_responses(SyncNotFound))
async def get_sync(sync_id: SyncId, product_syncs: ProductSyncsDep) -> SyncRead:
    """A sync's progress (processed, failed, rate, ETA) and, once done, every failed row with
    the CRM's error (the first 1,000)."""
    return await product_syncs.get_or_raise(sync_id)
