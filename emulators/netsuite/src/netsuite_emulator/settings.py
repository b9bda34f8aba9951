"""Settings of the NetSuite emulator (env prefix `NS_EMULATOR_`)."""

from __future__ import annotations

import secrets
from typing import ClassVar, Literal

from pydantic import Field, SecretStr
from pydantic_settings import SettingsConfigDict

from emulator_kit.settings import LifecycleEmulatorSettings, generated_secret


def _generated_key() -> str:
    """A key or id in NetSuite's shape (64 hex digits), of this process alone."""
    return secrets.token_hex(32)


class NetSuiteEmulatorSettings(LifecycleEmulatorSettings):
    """The account's storage, integration record, tokens, governance and demo data."""

    emulator_title: ClassVar[str] = "NetSuite emulator"
    model_config = SettingsConfigDict(env_prefix="NS_EMULATOR_")

    service_name: str = "netsuite-emulator"
    account_id: str = Field(
        default="1234567_SB1",
        pattern=r"^[A-Za-z0-9_]+$",
        description="The account id: the OAuth `realm` (upper case), the host's first label.",
    )
    # No credential has a default: unset, each is random (`make run` generates and shares them).
    consumer_key: str = Field(default_factory=_generated_key, min_length=16)
    consumer_secret: SecretStr = Field(default_factory=generated_secret)
    token_id: str = Field(default_factory=_generated_key, min_length=16)
    token_secret: SecretStr = Field(default_factory=generated_secret)
    oauth1_timestamp_window_seconds: int = Field(
        default=300, ge=1, description="How far an `oauth_timestamp` may be from the clock."
    )
    oauth2_client_id: str = Field(default_factory=_generated_key, min_length=16)
    oauth2_certificate_id: str = Field(
        default_factory=_generated_key,
        description="The certificate id of the client-credentials mapping (the JWT's `kid`).",
    )
    oauth2_certificate_path: str | None = Field(
        default=None,
        description="PEM certificate (or public key) the JWT assertions are verified with; "
        "unset, OAuth 2.0 client credentials are refused.",
    )
    oauth2_token_ttl_seconds: int = Field(default=3_600, ge=1, le=3_600)
    concurrency_limit: int = Field(
        default=5,
        ge=1,
        description="Requests the account serves at once; one more gets 429 "
        "CONCURRENCY_LIMIT_EXCEEDED (the governance limit of a standard account).",
    )
    credit_limit_handling: Literal["enforce", "ignore"] = Field(
        default="enforce",
        description="enforce: a sales order that takes the customer over the credit limit is "
        "refused (NetSuite's 'Enforce Holds'); ignore: accepted.",
    )
    customer_numbering: Literal["auto", "name"] = Field(
        default="auto",
        description="auto: a customer created without `entityId` gets the next number after "
        "the highest numeric one (NetSuite's Auto-Generated Numbers for customers); name: it "
        "gets its company name (the preference switched off).",
    )
    lifecycle_fulfillment_after_seconds: float = Field(
        default=120.0, ge=0, description="Open order → fulfilled (stock leaves), at speed 1."
    )

    @property
    def realm(self) -> str:
        """The account id as TBA's `realm` carries it: upper case, `_` kept."""
        return self.account_id.upper()
