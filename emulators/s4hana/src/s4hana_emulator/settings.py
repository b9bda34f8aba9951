"""Settings of the S/4HANA emulator (env prefix `S4_EMULATOR_`)."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field, SecretStr
from pydantic_settings import SettingsConfigDict

from emulator_kit.settings import LifecycleEmulatorSettings, generated_secret


class S4HanaEmulatorSettings(LifecycleEmulatorSettings):
    """The system's storage, logon, CSRF sessions, paging, order lifecycle and demo data."""

    emulator_title: ClassVar[str] = "S/4HANA emulator"
    model_config = SettingsConfigDict(env_prefix="S4_EMULATOR_")

    service_name: str = "s4hana-emulator"
    system_id: str = Field(
        default="S4H", min_length=3, max_length=3, description="SAP system id (cookie names)."
    )
    sap_client: str = Field(
        default="100",
        pattern=r"^\d{3}$",
        description="The logon client; a request naming another `sap-client` is refused.",
    )
    username: str = Field(default="TRIVIUM_COMM_USER", description="Basic-auth user.")
    # No secret has a default: unset, each is random (`make run` generates and shares them).
    password: SecretStr = Field(default_factory=generated_secret)
    oauth_client_id: str = Field(
        default="TRIVIUM_OAUTH_CLIENT", description="OAuth 2.0 client-credentials client."
    )
    oauth_client_secret: SecretStr = Field(default_factory=generated_secret)
    oauth_token_ttl_seconds: int = Field(default=3_600, ge=1)
    csrf_session_ttl_seconds: float = Field(
        default=1_800.0, gt=0, description="Lifetime of a security session and its CSRF token."
    )
    page_size: int = Field(
        default=100, ge=1, description="Rows per page when the client sends no `$top`."
    )
    max_top: int = Field(
        default=5_000, ge=1, description="Most rows one page returns even with a larger `$top`."
    )
    lifecycle_delivery_after_seconds: float = Field(
        default=120.0, ge=0, description="Open order → delivered, at speed 1."
    )
    credit_exposure_view: bool = Field(
        default=True,
        description="Serve the custom exposure view YY1_CREDITEXPOSURE_CDS (a YY1_ CDS view).",
    )
