"""What this API answers with."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import Field

from trivium.schemas import ApiModel

MAX_REPORTED_FAILURES = 1_000


class SyncState(StrEnum):
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"


class RowFailure(ApiModel):
    sku: str
    code: str
    message: str


class SyncRead(ApiModel):
    """A product sync: progress while it runs, the outcome per row once done."""

    id: str
    kind: str = "products"
    status: SyncState
    trigger: str = Field(description="`schedule` or `request`.")
    started_at: datetime
    finished_at: datetime | None = None
    total: int | None = Field(
        default=None, description="Products expected (the last sync's count; null at first)."
    )
    processed: int = 0
    succeeded: int = 0
    failed: int = 0
    rate_per_second: float | None = Field(default=None, description="Products per second.")
    eta_seconds: float | None = Field(default=None, description="Null when unknown or done.")
    crm_batches: int = Field(default=0, description="Bulk upserts sent to the CRM.")
    failures: list[RowFailure] = Field(
        default_factory=list, description=f"Failed rows (the first {MAX_REPORTED_FAILURES})."
    )
    error: str | None = Field(default=None, description="Why the sync stopped, if it failed.")


class ErpPollsRead(ApiModel):
    """ERP delta polls (customers, then sales orders) the leaders have completed, and the ERP
    system they poll."""

    completed: int = 0
    last_completed_at: datetime | None = None
    system_id: str | None = Field(
        default=None, description="The ERP system polled; the watermarks are its own."
    )
    last_reset_at: datetime | None = Field(
        default=None, description="When another ERP system last answered the polls."
    )
    last_reset_reason: str | None = Field(default=None, description="`system_changed`.")
    previous_system_id: str | None = Field(
        default=None, description="The system polled before the last reset."
    )


class StatusRead(ApiModel):
    """What this service is doing: who leads, where each sync stands, what it has counted."""

    replica: str
    leader: str | None
    is_leader: bool
    change_events: dict[str, str]
    watermarks: dict[str, str | None]
    erp_polls: ErpPollsRead
    counters: dict[str, int]
    ownership: dict[str, str]


class AuditEntryRead(ApiModel):
    id: str
    at: str
    source: str
    target: str
    entity: str
    entity_id: str
    source_id: str | None = None
    fields: list[str]
    before: dict[str, Any]
    after: dict[str, Any]
    reason: str
    correlation_id: str
