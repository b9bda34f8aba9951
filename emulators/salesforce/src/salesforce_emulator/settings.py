"""Settings of the Salesforce org emulator (env prefix `SF_EMULATOR_`)."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field, SecretStr
from pydantic_settings import SettingsConfigDict

from emulator_kit.settings import EmulatorSettings, generated_secret

DEFAULT_CDC_ENTITIES = ("Account", "Contact", "Order", "Product2")


class SalesforceEmulatorSettings(EmulatorSettings):
    """The org's storage, its connected app and demo user, its limits and its event retention."""

    emulator_title: ClassVar[str] = "Salesforce org emulator"
    model_config = SettingsConfigDict(env_prefix="SF_EMULATOR_")

    service_name: str = "salesforce-emulator"
    instance_url: str | None = Field(
        default=None,
        description="instance_url handed out at login; by default the URL the client called.",
    )
    api_version: str = Field(default="62.0", description="Newest API version served.")
    token_ttl_seconds: int = Field(default=7_200, ge=1, description="Access token lifetime.")
    daily_api_requests: int = Field(default=100_000, ge=0, description="DailyApiRequests Max.")
    client_id: str = Field(default="trivium-demo-client", description="Connected app key.")
    # No secret has a default: unset, each is random (`make run` generates and shares them).
    client_secret: SecretStr = Field(default_factory=generated_secret)
    username: str = Field(default="integration@trivium.demo", description="The demo user.")
    user_email: str = "integration@trivium.demo"
    password: SecretStr = Field(default_factory=generated_secret)
    security_token: SecretStr = Field(default_factory=generated_secret)
    jwt_certificate_path: str | None = Field(
        default=None,
        description="PEM X.509 certificate of the connected app (JWT bearer); "
        "defaults to the demo certificate shipped in the package.",
    )
    jwt_audiences: tuple[str, ...] = Field(
        default=("https://login.salesforce.com", "https://test.salesforce.com"),
        description="Accepted JWT `aud` values, besides the emulator's own URL.",
    )
    cdc_entities: tuple[str, ...] = Field(
        default=DEFAULT_CDC_ENTITIES, description="Objects that publish change events."
    )
    cdc_retention_hours: float = Field(default=72.0, gt=0)
    cdc_overflow_threshold: int = Field(
        default=100_000,
        ge=1,
        description="Changes of one object in one transaction beyond this many are reported by "
        "one GAP_OVERFLOW event instead of one event each.",
    )
    cometd_timeout_seconds: float = Field(
        default=110.0, gt=0, description="How long a CometD /meta/connect waits for events."
    )
    query_batch_size: int = Field(default=2_000, ge=200, le=2_000)
    query_locator_ttl_seconds: float = Field(default=900.0, gt=0)
    bulk_batch_size: int = Field(
        default=10_000, ge=1, description="Rows per internal Bulk API batch (one transaction)."
    )
