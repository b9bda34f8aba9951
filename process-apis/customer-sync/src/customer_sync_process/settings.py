"""Settings of the customer-sync Process API (env prefix `CUSTOMER_SYNC_`)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

import yaml
from pydantic import BeforeValidator, Field, model_validator
from pydantic_settings import SettingsConfigDict

from customer_sync_process.domain.ownership import DEFAULT_OWNERSHIP, Owner, validate_ownership
from customer_sync_process.domain.positions import current_position
from trivium.settings import ServiceSettings


class CustomerSyncSettings(ServiceSettings):
    """Where the System APIs are, who owns which field, and how often each sync runs."""

    model_config = SettingsConfigDict(env_prefix="CUSTOMER_SYNC_")

    service_name: str = "customer-sync"
    salesforce_system_url: str = "http://127.0.0.1:8301"
    erp_system_url: str = "http://127.0.0.1:8302"
    ownership: dict[str, Owner] = Field(
        default_factory=lambda: dict(DEFAULT_OWNERSHIP),
        description="Field -> `salesforce`, `erp` or `latest` (latest commit timestamp wins). "
        "Fields left out keep their default owner.",
    )
    ownership_file: Path | None = Field(
        default=None,
        description="A YAML file `{field: owner}` read at start-up (wins over "
        "CUSTOMER_SYNC_OWNERSHIP).",
    )
    consumers: bool = Field(
        default=True, description="Take part in the leader election that runs the syncs."
    )
    lease_seconds: float = Field(
        default=10.0, gt=0, description="A leader that stops renewing is replaced after this."
    )
    cdc_wait_seconds: float = Field(
        default=20.0, gt=0, le=25, description="Long-poll time of one change event read."
    )
    cdc_start: Annotated[Literal["now", "earliest"], BeforeValidator(current_position)] = Field(
        default="now",
        description="Where a first start reads account changes from: `now` new only, "
        "`earliest` everything Salesforce still holds (-1 and -2 are read as these).",
    )
    reread_overlap_seconds: float = Field(
        default=5.0,
        ge=0,
        description="Re-reads after a resync start this much before the last "
        "commit time seen, to cover clock skew.",
    )
    erp_poll_seconds: float = Field(default=30.0, gt=0, description="ERP delta poll interval.")
    erp_poll_overlap_seconds: float = Field(
        default=2.0,
        ge=0,
        description="Each poll reads this much before the watermark (the ERP "
        "keeps change times to the second); what was seen already is skipped.",
    )
    erp_first_watermark_minutes: float = Field(
        default=0.0, ge=0, description="A first start polls ERP changes from this long ago."
    )
    product_sync_interval_seconds: float = Field(
        default=3_600.0, gt=0, description="Scheduled product syncs (hourly by default)."
    )
    product_sync_on_start: bool = Field(
        default=False, description="Run a product sync as soon as this replica leads."
    )
    product_page_size: int = Field(
        default=5_000, ge=1, le=5_000, description="Products read from the ERP per call."
    )
    product_chunk_size: int = Field(
        default=10_000,
        ge=1,
        le=200_000,
        description="Products sent per CRM bulk upsert (fewer, larger jobs spend fewer API "
        "calls; smaller ones show progress sooner).",
    )
    sync_retention_days: int = Field(default=30, ge=1)
    audit_max_length: int = Field(
        default=1_000_000, ge=1_000, description="Approximate length the audit stream is kept at."
    )
    retry_seconds: float = Field(
        default=2.0, gt=0, description="Wait after a System API failed before trying again."
    )
    record_attempts: int = Field(
        default=4, ge=1, description="Tries of one record that fails for a transient reason "
        "(no answer, 5xx, 429) before it is parked.",
    )  # fmt: skip
    record_retry_seconds: float = Field(
        default=0.5, gt=0, description="First wait before a record is tried again (doubling)."
    )
    record_budget_seconds: float = Field(
        default=30.0, gt=0, description="A record still failing after this long is parked."
    )
    parked_check_seconds: float = Field(
        default=2.0, gt=0, description="How often the leader looks for parked records to retry."
    )
    parked_retry_seconds: float = Field(
        default=300.0, gt=0,
        description="Records parked for a transient reason are tried again this often.",
    )  # fmt: skip
    stall_seconds: float = Field(
        default=60.0, gt=0, description="A loop retrying for this long shows as stalled."
    )
    degraded_lag_seconds: float = Field(
        default=120.0, gt=0,
        description="/readyz reports `degraded` when the oldest unapplied change is older.",
    )  # fmt: skip

    @model_validator(mode="after")
    def _valid_ownership(self) -> CustomerSyncSettings:
        validate_ownership(self.effective_ownership())
        return self

    def effective_ownership(self) -> dict[str, Owner]:
        """The default owners, overridden by CUSTOMER_SYNC_OWNERSHIP, then by the file."""
        merged = {**DEFAULT_OWNERSHIP, **self.ownership}
        if self.ownership_file is not None:
            loaded = yaml.safe_load(self.ownership_file.read_text()) or {}
            if not isinstance(loaded, dict):
                raise ValueError("the ownership file must map field names to owners")
            merged.update({str(name): Owner(str(owner)) for name, owner in loaded.items()})
        return merged
