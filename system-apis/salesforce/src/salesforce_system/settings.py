"""Settings of the Salesforce System API (env prefix `SF_SYSTEM_`)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import SettingsConfigDict

from trivium.settings import ServiceSettings


class SalesforceSystemSettings(ServiceSettings):
    """Where the org is, how to log in, and how carefully to spend its API budget."""

    model_config = SettingsConfigDict(env_prefix="SF_SYSTEM_")

    service_name: str = "salesforce-system"
    login_url: str = Field(
        default="http://127.0.0.1:8401",
        description="Token endpoint host: the My Domain URL for client credentials, "
        "https://login.salesforce.com (or test.) for JWT bearer.",
    )
    auth_flow: Literal["client_credentials", "jwt_bearer"] = "client_credentials"
    client_id: str = "trivium-demo-client"
    # Credentials have no default: set them for the org the API signs in to.
    client_secret: SecretStr = SecretStr("")
    username: str = Field(default="integration@trivium.demo", description="JWT bearer subject.")
    private_key_path: str | None = Field(
        default=None, description="PEM RSA key whose certificate is on the connected app (JWT)."
    )
    jwt_audience: str | None = Field(
        default=None, description="JWT `aud`; defaults to the login URL."
    )
    api_version: str = "62.0"
    session_ttl_seconds: int = Field(default=1_800, ge=60)
    call_options_client: str = Field(
        default="trivium", description="Sent as `Sforce-Call-Options: client=` for echo detection."
    )
    budget_floor: int = Field(
        default=5_000,
        ge=0,
        description="Below this many remaining calls, optional work is refused.",
    )
    bulk_threshold: int = Field(
        default=2_000, ge=1, description="Product upserts above this many rows use Bulk API 2.0."
    )
    bulk_poll_seconds: float = Field(default=0.5, gt=0)
    bulk_timeout_seconds: float = Field(default=600.0, gt=0)
    catalog_ttl_seconds: int = Field(
        default=900, ge=1, description="How long pricebook entries are cached for order creation."
    )
