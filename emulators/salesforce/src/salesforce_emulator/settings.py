"""Settings of the Salesforce org emulator (env prefix `SF_EMULATOR_`)."""

from __future__ import annotations

from typing import Self

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import SettingsConfigDict

from trivium.keys import random_secret
from trivium.settings import ServiceSettings

DEFAULT_CDC_ENTITIES = ("Account", "Contact", "Order", "Product2")


def _generated() -> SecretStr:
    """A secret of this process alone: unset, nobody can use the credential."""
    return SecretStr(random_secret())


class SalesforceEmulatorSettings(ServiceSettings):
    """The org's storage, its connected app and demo user, its limits and its event retention."""

    model_config = SettingsConfigDict(env_prefix="SF_EMULATOR_")

    service_name: str = "salesforce-emulator"
    database_path: str = Field(
        default=".run/salesforce-emulator.sqlite3",
        description="SQLite file of the org's data; `:memory:` keeps it in the process.",
    )
    instance_url: str | None = Field(
        default=None,
        description="instance_url handed out at login; by default the URL the client called.",
    )
    api_version: str = Field(default="62.0", description="Newest API version served.")
    token_ttl_seconds: int = Field(default=7_200, ge=1, description="Access token lifetime.")
    daily_api_requests: int = Field(default=100_000, ge=0, description="DailyApiRequests Max.")
    # No secret has a default: unset, each is random (`make run` generates and shares them).
    admin_token: SecretStr = Field(
        default_factory=_generated,
        description="Required in `X-Admin-Token` (or as a bearer token) on /__admin.",
    )
    client_id: str = Field(default="trivium-demo-client", description="Connected app key.")
    client_secret: SecretStr = Field(default_factory=_generated)
    username: str = Field(default="integration@trivium.demo", description="The demo user.")
    user_email: str = "integration@trivium.demo"
    password: SecretStr = Field(default_factory=_generated)
    security_token: SecretStr = Field(default_factory=_generated)
    jwt_certificate_path: str | None = Field(
        default=None,
        description="PEM X.509 certificate of the connected app (JWT bearer); "
        "defaults to the demo certificate shipped in the package.",
    )
    jwt_audiences: tuple[str, ...] = Field(
        default=("https://login.salesforce.com", "https://test.salesforce.com"),
        description="Accepted JWT `aud` values, besides the emulator's own URL.",
    )
    seed_demo_data: bool = Field(
        default=True, description="Load the demo data set when the database is empty."
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
    chaos_seed: int | None = Field(default=None, description="Seed of the chaos dice (tests).")

    @model_validator(mode="after")
    def _never_in_production(self) -> Self:
        if self.environment == "production":
            raise ValueError(
                "The Salesforce org emulator is a stand-in for development and tests: it never "
                "runs in production (TRIVIUM_ENV=production)."
            )
        return self
