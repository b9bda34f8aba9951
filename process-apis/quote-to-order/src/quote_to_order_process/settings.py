"""Settings of the quote-to-order Process API (env prefix `QUOTE_TO_ORDER_`)."""

from __future__ import annotations

from decimal import Decimal

from pydantic import Field, field_validator, model_validator
from pydantic_settings import SettingsConfigDict

from trivium.settings import SagaProcessSettings


class QuoteToOrderSettings(SagaProcessSettings):
    """Where the System APIs are, the business tolerances, and how orders are retried."""

    model_config = SettingsConfigDict(env_prefix="QUOTE_TO_ORDER_")

    service_name: str = "quote-to-order"
    crm_system_ttl_seconds: float = Field(
        default=60.0,
        ge=0,
        description="How long the CRM system's id (its org, read from the Salesforce System "
        "API) is taken as known; a replaced org's records are claimed apart after this long.",
    )
    price_tolerance_percent: Decimal = Field(
        default=Decimal("1.0"),
        ge=0,
        le=100,
        description="How far a quote's unit price (before its line discount) may be from the "
        "ERP's price for the customer, in percent of the ERP price.",
    )
    ordered_quote_status: str | None = Field(
        default=None,
        max_length=40,
        description="Quote status set with the order (e.g. `Ordered` where the org's picklist "
        "has it; the standard picklist has none); unset, the order's link to the quote and the "
        "opportunity's stage record it.",
    )
    ordered_opportunity_stage: str | None = Field(
        default="Closed Won",
        max_length=40,
        description="Stage the quote's opportunity moves to with the order; `none`: unchanged.",
    )
    retry_delays_seconds: tuple[float, ...] = Field(
        default=(1.0, 4.0, 16.0, 60.0),
        min_length=1,
        description="Waits before each retry of an order whose upstream was unavailable (longer "
        "when its Retry-After asks, up to the longest of them); one more failure after the last "
        "dead-letters it.",
    )
    retry_after_cap_seconds: float | None = Field(
        default=None,
        gt=0,
        description="The longest an upstream's Retry-After may stretch one wait before a retry "
        "(unset: the longest of the retry delays).",
    )
    workers: int = Field(
        default=4, ge=0, le=256, description="Orders processed at once by this process (0: none)."
    )
    order_lock_seconds: float = Field(
        default=20.0,
        gt=0,
        description="Lease of the per-order lock; renewed while the order runs.",
    )
    watchdog_seconds: float = Field(
        default=120.0,
        gt=0,
        description="An unfinished order nobody works on is picked up again after this long.",
    )
    wake_up_poll_seconds: float = Field(default=0.25, gt=0, le=10)
    order_retention_days: int = Field(default=90, ge=1)
    idempotency_wait_seconds: float = Field(
        default=10.0,
        ge=0,
        description="How long a repeat waits for the first request with its key to finish.",
    )

    @field_validator("ordered_quote_status", "ordered_opportunity_stage", mode="before")
    @classmethod
    def _none_is_unset(cls, value: object) -> object:
        # An empty variable is ignored (the default applies), so `none` is how one is unset.
        return None if isinstance(value, str) and value.strip().lower() in ("", "none") else value

    @model_validator(mode="after")
    def _lock_expires_before_redelivery(self) -> QuoteToOrderSettings:
        # A redelivered message must find the crashed holder's lock gone, or it would skip work.
        if self.order_lock_seconds >= self.queue_visibility_timeout_seconds:
            raise ValueError("order_lock_seconds must be below queue_visibility_timeout_seconds")
        return self
