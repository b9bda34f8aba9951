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


class FailureRead(ApiModel):
    kind: str = Field(description="`permanent` (waits for a change or an operator) or "
                      "`transient` (retried every few minutes as well).")  # fmt: skip
    reason: str = Field(description="Short reason, e.g. the System API's problem type.")
    detail: str
    status: int | None = Field(default=None, description="The System API's HTTP status.")


class ParkedRead(ApiModel):
    """A record the sync could not apply, set aside so that the others go on."""

    id: str = Field(description="`crm-account:<id>`, `erp-customer:<id>` or `erp-order:<id>`.")
    loop: str = Field(description="`cdc` (CRM → ERP) or `erpPoll` (ERP → CRM).")
    record_type: str = Field(description="`account`, `customer` or `salesOrder`.")
    record_id: str
    fields: list[str] = Field(default_factory=list, description="Fields waiting to be applied.")
    event: dict[str, Any] = Field(
        default_factory=dict, description="The latest change of the record that failed."
    )
    error: FailureRead
    attempts: int
    first_seen_at: datetime
    last_seen_at: datetime
    retry_requested_at: datetime | None = None


class ParkedPage(ApiModel):
    items: list[ParkedRead]
    total: int


class RetryRequestedRead(ApiModel):
    requested: int = Field(description="Parked records the leader will try again shortly.")


class LagRead(ApiModel):
    events: int = Field(description="Changes read and not applied yet.")
    oldest_unapplied_age_seconds: float | None = Field(
        default=None, description="Age of the oldest change not applied yet; null when none."
    )


class LoopErrorRead(ApiModel):
    message: str
    at: datetime


class LoopRead(ApiModel):
    """One of the leader's loops: `running`, `retrying` (a failure is being tried again) or
    `stalled` (retrying for longer than the stall threshold); `idle` when no replica leads."""

    state: str
    since: datetime | None = None
    lag: LagRead
    parked: int = 0
    last_error: LoopErrorRead | None = None


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
    loops: dict[str, LoopRead] = Field(
        default_factory=dict, description="`cdc`, `erpPoll` and `products`."
    )
    parked: int = Field(default=0, description="Records parked, all loops together.")
