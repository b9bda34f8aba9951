"""Where the CLI finds the services and the operator's key: `TRIVIUM_CLI_*` variables, with the
ports and files of `make run` as defaults."""

from __future__ import annotations

from pathlib import Path

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

# `make run` keeps this installation's keys here (`deploy/local/local_secrets.py`).
LOCAL_OPERATOR_KEY = Path(".run") / "secrets" / "keys" / "operator.pem"


def find_local_operator_key(start: Path) -> Path:
    """`.run/secrets/keys/operator.pem` of the checkout `start` is in (or below), else the path
    as seen from `start`, so that the error names where the key was expected."""
    for directory in (start, *start.parents):
        candidate = directory / LOCAL_OPERATOR_KEY
        if candidate.exists():
            return candidate
    return start / LOCAL_OPERATOR_KEY


class CliSettings(BaseSettings):
    """The operator CLI's settings."""

    model_config = SettingsConfigDict(
        env_prefix="TRIVIUM_CLI_", extra="ignore", frozen=True, env_ignore_empty=True
    )

    quote_to_order_url: str = "http://127.0.0.1:8201"
    create_customer_url: str = "http://127.0.0.1:8202"
    customer_sync_url: str = "http://127.0.0.1:8203"
    operator_key_file: Path | None = Field(
        default=None,
        validation_alias=AliasChoices("TRIVIUM_CLI_OPERATOR_KEY_FILE", "TRIVIUM_OPERATOR_KEY_FILE"),
        description="PEM Ed25519 key of the `operator` issuer, whose public key the services "
        "trust; unset: `.run/secrets/keys/operator.pem` of the checkout `trivium` runs in.",
    )
    token_ttl_seconds: int = Field(
        default=60, ge=10, le=300, description="Lifetime of each operator token the CLI mints."
    )
    timeout_seconds: float = Field(default=10.0, gt=0)

    def service_url(self, service: str) -> str:
        """The base URL of an operator-facing service, by its service name."""
        urls = {
            "quote-to-order": self.quote_to_order_url,
            "create-customer": self.create_customer_url,
            "customer-sync": self.customer_sync_url,
        }
        return urls[service]

    def operator_key_path(self) -> Path:
        """The operator key to sign with."""
        return self.operator_key_file or find_local_operator_key(Path.cwd())
