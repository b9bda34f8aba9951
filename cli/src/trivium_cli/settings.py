"""Where the CLI finds the services and the operator's key: `TRIVIUM_CLI_*` variables, with the
ports and files of `make run` as defaults."""

from __future__ import annotations

from pathlib import Path

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

# `make run` keeps this installation's keys here (`deploy/local/local_secrets.py`), and the URL
# the gateway signs in to Redis with while it runs (`deploy/local/devstack.py`).
LOCAL_OPERATOR_KEY = Path(".run") / "secrets" / "keys" / "operator.pem"
LOCAL_GATEWAY_REDIS_URL = Path(".run") / "secrets" / "gateway-redis.url"
REPOSITORY_KONG_CONFIG = Path("gateway") / "kong.yml"
# ... and the services' span files here (`TRIVIUM_TRACES_DIR`).
LOCAL_TRACES = Path(".run") / "traces"


def find_in_checkout(relative: Path, start: Path) -> Path:
    """`relative` in the checkout `start` is in (or below), else the path as seen from `start`,
    so that an error names where the file was expected."""
    for directory in (start, *start.parents):
        candidate = directory / relative
        if candidate.exists():
            return candidate
    return start / relative


class CliSettings(BaseSettings):
    """The operator CLI's settings."""

    model_config = SettingsConfigDict(
        env_prefix="TRIVIUM_CLI_",
        extra="ignore",
        frozen=True,
        env_ignore_empty=True,
        populate_by_name=True,
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
    redis_url: str | None = Field(
        default=None,
        description="The Redis the gateway keeps partner quotas in and reads the Salesforce "
        "budget from (a user that may read `trivium:quota:*` and the budget key, e.g. the "
        "gateway's); unset: the gateway's URL of a running `make run`.",
    )
    kong_config: Path | None = Field(
        default=None,
        description="The kong.yml the gateway runs (plans, quota and shedding thresholds, "
        "consumers); unset: `gateway/kong.yml` of the checkout.",
    )
    token_ttl_seconds: int = Field(
        default=60, ge=10, le=300, description="Lifetime of each operator token the CLI mints."
    )
    timeout_seconds: float = Field(default=10.0, gt=0)
    # `trivium trace`: the services' span files (unset: `.run/traces` of the checkout), or a
    # trace store's query API to ask instead (Grafana Tempo, or Jaeger's OTLP query API).
    traces_dir: Path | None = Field(
        None, validation_alias=AliasChoices("TRIVIUM_CLI_TRACES_DIR", "TRIVIUM_TRACES_DIR")
    )
    trace_query_url: str | None = None

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
        return self.operator_key_file or find_in_checkout(LOCAL_OPERATOR_KEY, Path.cwd())

    def kong_config_path(self) -> Path:
        """The gateway's kong.yml."""
        return self.kong_config or find_in_checkout(REPOSITORY_KONG_CONFIG, Path.cwd())

    def gateway_redis_url(self) -> str | None:
        """The gateway's Redis: the setting, else what a running `make run` wrote down."""
        if self.redis_url:
            return self.redis_url
        written = find_in_checkout(LOCAL_GATEWAY_REDIS_URL, Path.cwd())
        return written.read_text().strip() if written.exists() else None

    def traces_path(self) -> Path:
        """The span files to read."""
        return self.traces_dir or find_in_checkout(LOCAL_TRACES, Path.cwd())
