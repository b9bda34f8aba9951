"""Fault injection: added latency (fixed + jitter), random 503s and full outages."""

from __future__ import annotations

import random
import threading
from dataclasses import asdict, dataclass, replace
from typing import Any


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


class Chaos:
    """The current chaos settings and the dice; safe to use from any thread."""

    def __init__(self, *, seed: int | None = None) -> None:
        self._settings = ChaosSettings()
        self._random = random.Random(seed)
        self._lock = threading.Lock()
        self.injected_errors = 0

    @property
    def settings(self) -> ChaosSettings:
        return self._settings

    def configure(self, **changes: Any) -> ChaosSettings:
        with self._lock:
            self._settings = replace(self._settings, **changes)
            return self._settings

    def reset(self) -> None:
        with self._lock:
            self._settings = ChaosSettings()

    def delay_seconds(self) -> float:
        """The latency to add to this request."""
        settings = self._settings
        if settings.latency_ms <= 0 and settings.jitter_ms <= 0:
            return 0.0
        with self._lock:
            jitter = self._random.uniform(0, settings.jitter_ms) if settings.jitter_ms else 0.0
        return max(settings.latency_ms + jitter, 0.0) / 1000

    def should_fail(self, method: str = "") -> bool:
        """Whether this request (sent with `method`) gets an injected 503."""
        rate = self._settings.error_rate
        methods = self._settings.methods
        if rate <= 0 or (methods and method.upper() not in methods):
            return False
        with self._lock:
            failed = self._random.random() < rate
            self.injected_errors += failed
            return failed
