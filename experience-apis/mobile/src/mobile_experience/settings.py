"""Settings of the mobile field-sales Experience API (env prefix `MOBILE_`)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from trivium.settings import SystemApiCallerSettings


class MobileSettings(SystemApiCallerSettings):
    """Where the lower tiers are, who may send reps, and how long views are cached."""

    model_config = SettingsConfigDict(env_prefix="MOBILE_")

    service_name: str = "mobile-experience"
    quote_to_order_url: str = "http://127.0.0.1:8201"
    create_customer_url: str = "http://127.0.0.1:8202"
    identity_issuers: tuple[str, ...] = Field(
        default=("gateway",),
        min_length=1,
        description="Issuers whose service tokens may carry a rep's identity (the gateway).",
    )
    view_cache_ttl_seconds: float = Field(
        default=30.0,
        ge=0,
        description="How long a customer 360's CRM and ERP sections are reused (0: never).",
    )
    account_link_ttl_seconds: float = Field(
        default=86_400.0,
        gt=0,
        description="How long an account's owner and ERP customer number are remembered, to "
        "start the ERP reads with the CRM read and to serve ERP sections while the CRM is down.",
    )
    section_timeout_seconds: float = Field(
        default=3.0,
        gt=0,
        description="A 360 section that has no answer within this time is shown as unavailable.",
    )
    key_contacts: int = Field(default=5, ge=0, le=50)
    open_opportunities: int = Field(default=5, ge=0, le=50)
    recent_orders: int = Field(default=5, ge=0, le=50)
    open_invoices: int = Field(default=10, ge=0, le=50)
    order_visibility_days: int = Field(
        default=30,
        ge=1,
        description="How long the rep who placed an order through this API may read it before "
        "quote-to-order knows its account.",
    )
