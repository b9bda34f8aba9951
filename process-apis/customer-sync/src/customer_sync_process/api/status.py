"""What the service is doing, and the audit trail of what it changed."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from customer_sync_process.api.deps import SyncStatusDep
from customer_sync_process.domain.models import AuditEntryRead, StatusRead
from trivium.problems import problem_responses

router = APIRouter(tags=["status"])


@router.get("/status", responses=problem_responses())
async def get_status(status: SyncStatusDep) -> StatusRead:
    """Which replica leads; the change event position and last commit time, with the CRM
    system (org) it belongs to (`systemId`) and the last time the flow had to start again from
    a new position and re-read (`lastResetAt`, `lastResetReason`: `position_lost`,
    `system_changed` or `system_unknown`, `previousSystemId`); the ERP system polled with its
    watermarks, how many polls completed (and when the last did) and when another ERP system
    last answered; counters (changes written each way, conflicts, echoes ignored, re-reads);
    and the field ownership in force."""
    return await status.report()


@router.get("/audit", responses=problem_responses())
async def list_audit(
    status: SyncStatusDep, limit: Annotated[int, Query(ge=1, le=1_000)] = 100
) -> list[AuditEntryRead]:
    """The latest applied changes, newest first: source and target system, record, fields,
    values before and after, reason and correlation id (the full trail is the Redis stream
    `{customer-sync}:audit`)."""
    return await status.list_audit(limit=limit)
