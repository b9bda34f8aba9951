"""Fault injection: added latency, injected errors and full outages, switched on at runtime."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from emulator_kit.chaos import ChaosControl
from salesforce_emulator.domain.errors import SalesforceError, api_error

# Injectable errors: code -> (HTTP status, Salesforce's message).
INJECTABLE_ERRORS: dict[str, tuple[int, str]] = {
    "SERVER_UNAVAILABLE": (503, "Server temporarily unavailable. Please try again later."),
    "UNABLE_TO_LOCK_ROW": (
        400,
        "unable to obtain exclusive access to this record or 1 records: 001000000000000AAA",
    ),
    "REQUEST_LIMIT_EXCEEDED": (403, "ConcurrentPerOrgLongTxn Limit exceeded."),
    "UNKNOWN_EXCEPTION": (
        500,
        "An unexpected error occurred. Please include this ErrorId if you contact support: "
        "1234567890-12345 (-1234567890)",
    ),
    "INVALID_SESSION_ID": (401, "Session expired or invalid"),
}


@dataclass(frozen=True)
class ChaosSettings:
    """What to inject; all off by default."""

    latency_ms: float = 0.0
    jitter_ms: float = 0.0
    error_rate: float = 0.0
    error_codes: tuple[str, ...] = ("SERVER_UNAVAILABLE",)
    outage: bool = False

    def to_json(self) -> dict[str, Any]:
        body = asdict(self)
        body["error_codes"] = list(self.error_codes)
        return body


def injected_error(code: str) -> SalesforceError:
    status, message = INJECTABLE_ERRORS[code]
    return api_error(status, code, message, fields=None)


def outage_error() -> SalesforceError:
    return injected_error("SERVER_UNAVAILABLE")


class Chaos(ChaosControl[ChaosSettings]):
    """Latency, errors at a rate with Salesforce's codes, and outages."""

    def __init__(self, *, seed: int | None = None) -> None:
        super().__init__(ChaosSettings(), seed=seed)

    def configure(self, **changes: Any) -> ChaosSettings:
        """Apply changes (unknown error codes raise ValueError)."""
        codes = changes.get("error_codes")
        if codes is not None:
            unknown = sorted(set(codes) - set(INJECTABLE_ERRORS))
            if unknown or not codes:
                raise ValueError(f"unknown error codes {unknown}; use {sorted(INJECTABLE_ERRORS)}")
            changes["error_codes"] = tuple(codes)
        return super().configure(**changes)

    def pick_error(self) -> SalesforceError | None:
        """An injected error for this request, or None."""
        settings = self._settings
        if settings.outage:
            return outage_error()
        if settings.error_rate <= 0:
            return None
        with self._lock:
            if not self._roll(settings.error_rate):
                return None
            code = self._random.choice(settings.error_codes)
        return injected_error(code)
