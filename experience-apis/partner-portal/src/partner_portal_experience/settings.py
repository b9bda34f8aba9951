"""Settings of the partner-portal Experience API (env prefix `PARTNER_PORTAL_`)."""

from __future__ import annotations

from decimal import Decimal

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from trivium.settings import SystemApiCallerSettings


class PartnerPortalSettings(SystemApiCallerSettings):
    """Where the process and system APIs are, who may pass a partner down, and cache lifetimes."""

    model_config = SettingsConfigDict(env_prefix="PARTNER_PORTAL_")

    service_name: str = "partner-portal-experience"
    quote_to_order_url: str = "http://127.0.0.1:8201"
    identity_issuers: tuple[str, ...] = Field(
        default=("gateway",),
        min_length=1,
        description="Issuers whose signed identity names a partner (the gateway).",
    )
    identity_cache_seconds: float = Field(
        default=300.0,
        ge=0,
        description="How long a partner's CRM account id and ERP customer number are reused.",
    )
    catalog_cache_seconds: float = Field(
        default=30.0, ge=0, description="How long a catalog page (prices, stock) is reused."
    )
    order_progress_cache_seconds: float = Field(
        default=10.0,
        ge=0,
        description="How long an ERP order's delivery and billing status is reused.",
    )
    low_stock_below: Decimal = Field(
        default=Decimal(10),
        ge=0,
        description="Availability is `low` below this quantity (and `out_of_stock` at zero).",
    )
    erp_reads_at_once: int = Field(
        default=8, ge=1, le=64, description="ERP order reads one order list page runs at once."
    )
    public_api_url: str = Field(
        default="",
        max_length=200,
        description="Base URL the web page calls the API at (the gateway); empty: the page's "
        "own origin, as when the gateway serves the page.",
    )
