"""Settings of the create-customer Process API (env prefix `CREATE_CUSTOMER_`)."""

from __future__ import annotations

from pydantic import Field, model_validator
from pydantic_settings import SettingsConfigDict

from trivium.settings import SagaProcessSettings


class CreateCustomerSettings(SagaProcessSettings):
    """Where the System APIs are, the ERP defaults for new customers, and how work is retried."""

    model_config = SettingsConfigDict(env_prefix="CREATE_CUSTOMER_")

    service_name: str = "create-customer"
    sales_organization: str | None = Field(
        default=None,
        max_length=4,
        description="Sales area of new ERP customers (unset: the ERP System API's default).",
    )
    distribution_channel: str | None = Field(default=None, max_length=2)
    division: str | None = Field(default=None, max_length=2)
    currency: str | None = Field(default=None, pattern=r"^[A-Z]{3}$")
    language: str = Field(default="EN", pattern=r"^[A-Z]{2}$")
    erp_region_codes: dict[str, str] = Field(
        default_factory=dict,
        description="ISO 3166-2 subdivision code -> ERP region code, for countries whose ERP "
        'regions are not the ISO code\'s suffix (e.g. {"DE-BY": "09"}).',
    )
    workers: int = Field(
        default=2, ge=0, le=64, description="Requests finished at once by this process (0: none)."
    )
    max_attempts: int = Field(
        default=8, ge=1, le=50, description="Queue attempts before a request is dead-lettered."
    )
    retry_base_seconds: float = Field(default=1.0, gt=0)
    retry_max_seconds: float = Field(default=60.0, gt=0)
    request_lock_seconds: float = Field(
        default=20.0, gt=0, description="Lease of the per-request lock; renewed while it runs."
    )
    watchdog_seconds: float = Field(
        default=300.0,
        gt=0,
        description="An unfinished request nobody works on is queued again after this long.",
    )
    wake_up_poll_seconds: float = Field(default=1.0, gt=0, le=60)
    claim_seconds: int = Field(
        default=86_400,
        ge=60,
        description="How long a request keeps its customer's name, domain and VAT id reserved "
        "against concurrent requests for the same customer.",
    )
    request_retention_days: int = Field(default=30, ge=1)
    idempotency_wait_seconds: float = Field(
        default=15.0,
        ge=0,
        description="How long a repeat waits for the first request with its key to finish.",
    )

    @model_validator(mode="after")
    def _lock_expires_before_redelivery(self) -> CreateCustomerSettings:
        # A redelivered message must find a crashed holder's lock gone, or it would skip work.
        if self.request_lock_seconds >= self.queue_visibility_timeout_seconds:
            raise ValueError("request_lock_seconds must be below queue_visibility_timeout_seconds")
        if self.retry_base_seconds > self.retry_max_seconds:
            raise ValueError("retry_base_seconds must not exceed retry_max_seconds")
        return self
