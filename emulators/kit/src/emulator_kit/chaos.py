"""Fault injection: added latency (fixed + jitter), random errors and full outages."""

from __future__ import annotations

import random
import threading
from dataclasses import asdict, dataclass, replace
from typing import Any, Generic, Protocol, TypeVar


class Latency(Protocol):
    @property
    def latency_ms(self) -> float: ...
    @property
    def jitter_ms(self) -> float: ...


SettingsT = TypeVar("SettingsT", bound=Latency)


class ChaosControl(Generic[SettingsT]):
    """The current chaos settings and the dice; safe to use from any thread.

    An emulator whose faults take another shape than `ChaosSettings` (Salesforce's error codes)
    extends this with its own settings and its own way to pick an error."""

    def __init__(self, defaults: SettingsT, *, seed: int | None = None) -> None:
        self._defaults = defaults
        self._settings = defaults
        self._random = random.Random(seed)
        self._lock = threading.Lock()

    @property
    def settings(self) -> SettingsT:
        return self._settings

    def configure(self, **changes: Any) -> SettingsT:
        with self._lock:
            self._settings = replace(self._settings, **changes)  # type: ignore[type-var]
            return self._settings

    def reset(self) -> None:
        with self._lock:
            self._settings = self._defaults

    def delay_seconds(self) -> float:
        """The latency to add to this request."""
        settings = self._settings
        if settings.latency_ms <= 0 and settings.jitter_ms <= 0:
            return 0.0
        with self._lock:
            jitter = self._random.uniform(0, settings.jitter_ms) if settings.jitter_ms else 0.0
        return max(settings.latency_ms + jitter, 0.0) / 1000

    def _roll(self, rate: float) -> bool:
        """Whether an event of probability `rate` happens this time; call with the lock held."""
        return self._random.random() < rate


@dataclass(frozen=True)
class ChaosSettings:
    """What to inject; all off by default."""

    latency_ms: float = 0.0
    jitter_ms: float = 0.0
    error_rate: float = 0.0
    outage: bool = False
    # Methods the error rate applies to (e.g. only writes); empty: every method.
    methods: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


class Chaos(ChaosControl[ChaosSettings]):
    """Latency, a rate of unavailable answers (optionally for some methods only), and outages."""

    def __init__(self, *, seed: int | None = None) -> None:
        super().__init__(ChaosSettings(), seed=seed)
        self.injected_errors = 0

    def should_fail(self, method: str = "") -> bool:
        """Whether this request (sent with `method`) gets an injected 503."""
        rate = self._settings.error_rate
        methods = self._settings.methods
        if rate <= 0 or (methods and method.upper() not in methods):
            return False
        with self._lock:
            failed = self._roll(rate)
            self.injected_errors += failed
            return failed
