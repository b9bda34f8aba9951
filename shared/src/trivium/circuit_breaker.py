"""A circuit breaker per backend: fail fast while a backend is down, probe it after a cool-down.

Pure logic with an injectable clock; `trivium.http_client` drives it once per call attempt.
Not thread-safe: one breaker belongs to one event loop, like the client that uses it.

A caller that catches `CircuitOpenError` (an `httpx.TransportError`, so code that handles transport
errors already handles it) answers 503 with `Retry-After`; `trivium.http_client.upstream_problem`
builds that problem.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import IntEnum

import httpx

from trivium.metrics import BREAKER_STATE

log = logging.getLogger("trivium.circuit_breaker")


class BreakerState(IntEnum):
    """The exported gauge value of each state."""

    CLOSED = 0
    HALF_OPEN = 1
    OPEN = 2


class CircuitOpenError(httpx.TransportError):
    """The backend's breaker is open: the call was not sent."""

    def __init__(self, backend: str, retry_after: float) -> None:
        super().__init__(f"circuit open for {backend}; next trial in {retry_after:.1f} s")
        self.backend = backend
        self.retry_after = retry_after

    @property
    def seconds_until_half_open(self) -> float:
        """Seconds until the breaker lets a trial call through (0 while a trial is running)."""
        return self.retry_after

    def retry_after_header(self) -> str:
        """A `Retry-After` value (whole seconds, at least 1) for the answer to our own caller."""
        return str(max(math.ceil(self.retry_after), 1))


@dataclass(frozen=True, slots=True)
class Permit:
    """A call the breaker let through; hand it back with the call's outcome."""

    generation: int
    trial: bool


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
        if failure_threshold < 1:
            raise ValueError("failure_threshold must be at least 1")
        if reset_seconds <= 0:
            raise ValueError("reset_seconds must be positive")
        self.backend = backend
        self.failure_threshold = failure_threshold
        self.reset_seconds = reset_seconds
        self._clock = clock
        self._state = BreakerState.CLOSED
        self._failures = 0
        self._opened_at = 0.0
        # Bumped each time the breaker opens, so that outcomes of calls admitted before are ignored.
        self._generation = 0
        self._trial_in_flight = False
        BREAKER_STATE.labels(backend).set(BreakerState.CLOSED)

    @property
    def state(self) -> BreakerState:
        """The current state, moving from open to half-open once the cool-down has passed."""
        if self._state is BreakerState.OPEN and self.seconds_until_half_open() == 0.0:
            self._move_to(BreakerState.HALF_OPEN)
        return self._state

    @property
    def consecutive_failures(self) -> int:
        """Failures counted since the last success (while closed)."""
        return self._failures

    def seconds_until_half_open(self) -> float:
        """Seconds left of the cool-down (0 when not open or once it has passed)."""
        if self._state is not BreakerState.OPEN:
            return 0.0
        return max(self.reset_seconds - (self._clock() - self._opened_at), 0.0)

    def allows_call(self) -> bool:
        """Whether `before_call` would let a call through now (without claiming a trial)."""
        state = self.state
        return state is BreakerState.CLOSED or (
            state is BreakerState.HALF_OPEN and not self._trial_in_flight
        )

    def before_call(self) -> Permit:
        """Let a call through, or raise CircuitOpenError without sending it."""
        state = self.state
        if state is BreakerState.CLOSED:
            return Permit(self._generation, trial=False)
        if state is BreakerState.HALF_OPEN and not self._trial_in_flight:
            self._trial_in_flight = True
            log.info("circuit_breaker.trial", extra={"backend": self.backend})
            return Permit(self._generation, trial=True)
        raise CircuitOpenError(self.backend, self.seconds_until_half_open())

    def record_success(self, permit: Permit) -> None:
        """The call got an answer from a healthy backend."""
        if permit.generation != self._generation:
            return
        self._failures = 0
        if permit.trial:
            self._trial_in_flight = False
            self._move_to(BreakerState.CLOSED)

    def record_failure(self, permit: Permit) -> None:
        """The call failed in a way that says the backend is unwell."""
        if permit.generation != self._generation:
            return
        if permit.trial:
            self._trial_in_flight = False
            self._open()
            return
        self._failures += 1
        if self._state is BreakerState.CLOSED and self._failures >= self.failure_threshold:
            self._open()

    def release(self, permit: Permit) -> None:
        """The call ended without an outcome (cancelled, or a fault of ours): forget it."""
        if permit.trial and permit.generation == self._generation:
            self._trial_in_flight = False

    def _open(self) -> None:
        self._generation += 1
        self._opened_at = self._clock()
        self._move_to(BreakerState.OPEN)

    def _move_to(self, state: BreakerState) -> None:
        previous = self._state
        self._state = state
        if state is BreakerState.CLOSED:
            self._failures = 0
        BREAKER_STATE.labels(self.backend).set(state)
        if state is previous:
            return
        log.log(
            logging.INFO if state is BreakerState.CLOSED else logging.WARNING,
            "circuit_breaker.state_changed",
            extra={
                "backend": self.backend,
                "from_state": previous.name.lower(),
                "to_state": state.name.lower(),
                "failures": self._failures,
            },
        )
