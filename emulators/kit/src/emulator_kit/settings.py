"""What every emulator's settings hold: generated credentials, the admin token, demo data, the
chaos dice, and a refusal to run in production."""

from __future__ import annotations

from typing import ClassVar, Self

from pydantic import Field, SecretStr, model_validator

from trivium.keys import random_secret
from trivium.settings import ServiceSettings


def generated_secret() -> SecretStr:
    """A secret of this process alone: unset, nobody can use the credential."""
    return SecretStr(random_secret())


class EmulatorSettings(ServiceSettings):
    """The settings every emulator has; each emulator adds its backend's own."""

    # How the refusal to run in production names the emulator.
    emulator_title: ClassVar[str] = "emulator"

    # No secret has a default: unset, each is random (`make run` generates and shares them).
    admin_token: SecretStr = Field(
        default_factory=generated_secret,
        description="Required in `X-Admin-Token` (or as a bearer token) on /__admin.",
    )
    seed_demo_data: bool = Field(
        default=True, description="Load the demo data set when the database is empty."
    )
    chaos_seed: int | None = Field(default=None, description="Seed of the chaos dice (tests).")
    database_path: str = Field(
        default_factory=lambda settings: f".run/{settings['service_name']}.sqlite3",
        description="SQLite file of the emulated system's data (by default "
        "`.run/<service name>.sqlite3`); `:memory:` keeps it in the process.",
    )

    @model_validator(mode="after")
    def _never_in_production(self) -> Self:
        if self.environment == "production":
            raise ValueError(
                f"The {self.emulator_title} is a stand-in for development and tests: it never "
                "runs in production (TRIVIUM_ENV=production)."
            )
        return self


class LifecycleEmulatorSettings(EmulatorSettings):
    """An emulator whose demo orders move on by themselves: shipped, then billed. Each names its
    own first step (delivery, fulfillment)."""

    lifecycle_speed: float = Field(
        default=1.0,
        ge=0,
        description="Time factor of the order lifecycle; 0 stops it, 60 makes a minute a second.",
    )
    lifecycle_billing_after_seconds: float = Field(
        default=180.0, ge=0, description="Shipped order → billed (an invoice), at speed 1."
    )
    lifecycle_tick_seconds: float = Field(
        default=1.0, gt=0, description="How often the lifecycle looks for due orders."
    )
