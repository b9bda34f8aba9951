"""A circuit breaker per backend: fail fast while a backend is down, probe it after a cool-down."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from enum import IntEnum

import httpx

from trivium.metrics import BREAKER_STATE

log = logging.getLogger("trivium.circuit_breaker")


class BreakerState(IntEnum):
    CLOSED = 0
    HALF_OPEN = 1
    OPEN = 2


class CircuitOpenError(httpx.TransportError):
    """The backend's breaker is open: the call was not sent."""

    def __init__(self, backend: str, retry_after: float) -> None:
        super().__init__(f"circuit open for {backend}; retry in {retry_after:.1f} s")
        self.backend = backend
        self.retry_after = retry_after


class CircuitBreaker:
    """Opens after `failure_threshold` consecutive failures; after `reset_seconds` lets one trial
    call through (half-open): its success closes the breaker, its failure opens it again."""

    def __init__(
        self,
        *,
        backend: str,
        failure_threshold: int = 5,
        reset_seconds: float = 15.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.backend = backend
        self.failure_threshold = failure_threshold
        self.reset_seconds = reset_seconds
        self._clock = clock
        self._state = BreakerState.CLOSED
        self._failures = 0
        self._opened_at = 0.0
        self._trial_in_flight = False
        BREAKER_STATE.labels(backend).set(BreakerState.CLOSED)

    @property
    def state(self) -> BreakerState:
        """The current state, moving from open to half-open once the cool-down has passed."""
        if self._state is BreakerState.OPEN and self._cooled_down():
            self._move_to(BreakerState.HALF_OPEN)
        return self._state

    def before_call(self) -> None:
        """Let a call through, or raise CircuitOpenError without sending it."""
        state = self.state
        if state is BreakerState.CLOSED:
            return
        if state is BreakerState.HALF_OPEN and not self._trial_in_flight:
            self._trial_in_flight = True
            return
        raise CircuitOpenError(self.backend, self._seconds_until_half_open())

    def record_success(self) -> None:
        """A call got an answer from a healthy backend."""
        self._failures = 0
        self._trial_in_flight = False
        if self._state is not BreakerState.CLOSED:
            self._move_to(BreakerState.CLOSED)

    def record_failure(self) -> None:
        """A call failed in a way that says the backend is unwell."""
        self._failures += 1
        was_trial = self._trial_in_flight
        self._trial_in_flight = False
        if was_trial or self._failures >= self.failure_threshold:
            self._opened_at = self._clock()
            self._move_to(BreakerState.OPEN)

    def abandon_call(self) -> None:
        """A call ended without an outcome (cancelled): let the next one be the trial."""
        self._trial_in_flight = False

    def _cooled_down(self) -> bool:
        return self._clock() - self._opened_at >= self.reset_seconds

    def _seconds_until_half_open(self) -> float:
        return max(self.reset_seconds - (self._clock() - self._opened_at), 0.0)

    def _move_to(self, state: BreakerState) -> None:
        if state is not self._state:
            log.warning(
                "circuit_breaker.state_changed",
                extra={"backend": self.backend, "from": self._state.name, "to": state.name},
            )
        self._state = state
        BREAKER_STATE.labels(self.backend).set(state)
