"""The settings base of every service: shared variables have global names, the rest a prefix."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


def shared_env(name: str) -> AliasChoices:
    """Read a field from one global variable name, ignoring the service's prefix."""
    return AliasChoices(name.lower(), name)


class ServiceSettings(BaseSettings):
    """Variables every Trivium service reads; subclasses add their own under an env prefix."""

    model_config = SettingsConfigDict(
        extra="ignore", populate_by_name=True, frozen=True, env_ignore_empty=True
    )

    service_name: str = "trivium-service"
    redis_url: str = Field(
        default="redis://127.0.0.1:6379/0", validation_alias=shared_env("REDIS_URL")
    )
    log_format: Literal["json", "text"] = Field(
        default="json", validation_alias=shared_env("TRIVIUM_LOG_FORMAT")
    )
    log_level: str = Field(default="INFO", validation_alias=shared_env("TRIVIUM_LOG_LEVEL"))
    environment: Literal["development", "production"] = Field(
        default="development",
        validation_alias=shared_env("TRIVIUM_ENV"),
        description="production: refuse to start without own keys or with a published secret.",
    )
    service_key_file: Path | None = Field(
        default=None,
        validation_alias=shared_env("TRIVIUM_SERVICE_KEY_FILE"),
        description="PEM (PKCS#8) Ed25519 private key this service signs its calls with; unset "
        "outside production: a key of this process alone, that no other service trusts.",
    )
    trusted_keys: Path | None = Field(
        default=None,
        validation_alias=shared_env("TRIVIUM_TRUSTED_KEYS"),
        description="The callers' public keys: a directory of `<issuer>.pem` files or a JWKS "
        "document; unset outside production: no caller is trusted.",
    )
    service_token_ttl_seconds: int = Field(
        default=120, ge=10, validation_alias=shared_env("TRIVIUM_SERVICE_TOKEN_TTL_SECONDS")
    )
    service_token_max_age_seconds: int = Field(
        default=300,
        ge=10,
        validation_alias=shared_env("TRIVIUM_SERVICE_TOKEN_MAX_AGE_SECONDS"),
        description="A token issued longer ago than this is refused, whatever its `exp` says.",
    )
    http_timeout_seconds: float = Field(
        default=10.0, gt=0, validation_alias=shared_env("TRIVIUM_HTTP_TIMEOUT_SECONDS")
    )
    http_max_retries: int = Field(
        default=3, ge=0, validation_alias=shared_env("TRIVIUM_HTTP_MAX_RETRIES")
    )
    http_max_retry_after_seconds: float = Field(
        default=2.0,
        ge=0,
        validation_alias=shared_env("TRIVIUM_HTTP_MAX_RETRY_AFTER_SECONDS"),
        description="An upstream's Retry-After longer than this is not waited out within a "
        "call: the answer is passed up (503 with Retry-After) so that no tier above stalls.",
    )
    http_transport: Literal["aiohttp", "httpcore"] = Field(
        default="aiohttp",
        description="Transport of the outbound clients (`httpcore` lets pytest-httpx intercept).",
    )
    breaker_failure_threshold: int = Field(
        default=5, ge=1, validation_alias=shared_env("TRIVIUM_BREAKER_FAILURE_THRESHOLD")
    )
    breaker_reset_seconds: float = Field(
        default=15.0, gt=0, validation_alias=shared_env("TRIVIUM_BREAKER_RESET_SECONDS")
    )
    idempotency_ttl_seconds: int = Field(
        default=86_400, ge=1, validation_alias=shared_env("TRIVIUM_IDEMPOTENCY_TTL_SECONDS")
    )
    # A request renews its claim on its key while it runs; when its replica dies, repeats of the
    # key are refused (409, Retry-After) until the claim lapses.
    idempotency_lease_seconds: float = Field(
        default=60.0, gt=0, validation_alias=shared_env("TRIVIUM_IDEMPOTENCY_LEASE_SECONDS")
    )
    # Tracing (trivium.tracing): the span files' folder (`<service>.jsonl`; `make run`:
    # .run/traces), and the OTLP/HTTP collector, `<endpoint>/v1/traces` or the full traces URL;
    # the exporter reads the other OTEL_EXPORTER_OTLP_* variables (headers, timeout) itself.
    traces_dir: Path | None = Field(default=None, validation_alias=shared_env("TRIVIUM_TRACES_DIR"))
    # How long finished spans wait to be written, in ms: the standard batch delay, which the
    # OTLP exporter's batch processor reads as well (the test harness: 100 ms).
    traces_write_delay_ms: float = Field(
        default=5000, ge=0, validation_alias=shared_env("OTEL_BSP_SCHEDULE_DELAY")
    )
    otlp_endpoint: str | None = Field(
        None, validation_alias=shared_env("OTEL_EXPORTER_OTLP_ENDPOINT")
    )
    otlp_traces_endpoint: str | None = Field(
        None, validation_alias=shared_env("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
    )

    @property
    def otlp_traces_url(self) -> str | None:
        """Where spans go over OTLP, if anywhere (the standard variables' precedence)."""
        if self.otlp_traces_endpoint:
            return self.otlp_traces_endpoint
        if self.otlp_endpoint:
            return self.otlp_endpoint.rstrip("/") + "/v1/traces"
        return None

    max_body_bytes: int = Field(
        default=1024 * 1024,
        ge=1,
        validation_alias=shared_env("TRIVIUM_MAX_BODY_BYTES"),
        description="Larger request bodies are refused with 413 before they are read (routes "
        "that take bulk data state their own limit).",
    )

    worker_metrics_host: str = Field(
        default="127.0.0.1",
        description="Address a workers-only process serves `/metrics` on (0.0.0.0 in a "
        "container, for Prometheus to reach it).",
    )
    worker_metrics_port: int = Field(
        default=0,
        ge=0,
        le=65_535,
        description="Port a workers-only process serves `/metrics` on; 0: none (an API process "
        "serves its own on its API port).",
    )

    @model_validator(mode="after")
    def _tokens_live_within_their_max_age(self) -> ServiceSettings:
        if self.service_token_ttl_seconds > self.service_token_max_age_seconds:
            raise ValueError(
                "TRIVIUM_SERVICE_TOKEN_TTL_SECONDS must not exceed "
                "TRIVIUM_SERVICE_TOKEN_MAX_AGE_SECONDS (callees refuse older tokens)"
            )
        return self


class SystemApiCallerSettings(ServiceSettings):
    """The settings base of a service that calls both System APIs: where they are."""

    salesforce_system_url: str = "http://127.0.0.1:8301"
    erp_system_url: str = "http://127.0.0.1:8302"


class SagaProcessSettings(SystemApiCallerSettings):
    """The settings base of a process API whose saga runs off a work queue (`trivium.work_queue`)
    and publishes its events to a stream."""

    queue_visibility_timeout_seconds: float = Field(
        default=60.0,
        gt=0,
        description="A message held this long by a consumer that stopped is delivered again.",
    )
    events_max_length: int = Field(
        default=100_000, ge=100, description="Approximate length the event stream is kept at."
    )
    # Each process sets its own: how many sagas its workers run at once, how often they look for
    # sagas whose wake-up is due, and how long a repeat waits for the first request with its
    # idempotency key to finish.
    workers: int
    wake_up_poll_seconds: float
    idempotency_wait_seconds: float
