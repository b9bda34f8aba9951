"""The breaker's state machine on a hand-driven clock: no sleeping, no network."""

from __future__ import annotations

import logging
import uuid

import httpx
import pytest
from prometheus_client import REGISTRY

from trivium.circuit_breaker import BreakerState, CircuitBreaker, CircuitOpenError


class Clock:
    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


def make_breaker(clock: Clock, *, threshold: int = 3, reset: float = 10.0) -> CircuitBreaker:
    return CircuitBreaker(
        backend=f"unit-{uuid.uuid4().hex[:8]}",
        failure_threshold=threshold,
        reset_seconds=reset,
        clock=clock,
    )


def fail(breaker: CircuitBreaker, times: int = 1) -> None:
    for _ in range(times):
        breaker.record_failure(breaker.before_call())


def gauge(breaker: CircuitBreaker) -> float | None:
    return REGISTRY.get_sample_value("trivium_circuit_breaker_state", {"backend": breaker.backend})


@pytest.fixture
def clock() -> Clock:
    return Clock()


class TestCreate:
    def test_starts_closed_and_exports_it(self, clock: Clock) -> None:
        breaker = make_breaker(clock)
        assert breaker.state is BreakerState.CLOSED
        assert gauge(breaker) == 0

    @pytest.mark.parametrize(("threshold", "reset"), [(0, 1.0), (1, 0.0)])
    def test_rejects_settings_that_cannot_work(
        self, clock: Clock, threshold: int, reset: float
    ) -> None:
        with pytest.raises(ValueError, match="must be"):
            make_breaker(clock, threshold=threshold, reset=reset)


class TestRecordFailure:
    def test_opens_after_the_threshold_of_consecutive_failures(self, clock: Clock) -> None:
        breaker = make_breaker(clock, threshold=3)
        fail(breaker, 2)
        assert breaker.state is BreakerState.CLOSED
        assert breaker.consecutive_failures == 2
        fail(breaker)
        assert breaker.state is BreakerState.OPEN
        assert gauge(breaker) == 2

    def test_a_success_resets_the_count(self, clock: Clock) -> None:
        breaker = make_breaker(clock, threshold=3)
        fail(breaker, 2)
        breaker.record_success(breaker.before_call())
        fail(breaker, 2)
        assert breaker.state is BreakerState.CLOSED

    def test_outcomes_of_calls_admitted_before_it_opened_are_ignored(self, clock: Clock) -> None:
        breaker = make_breaker(clock, threshold=1)
        earlier = breaker.before_call()
        fail(breaker)
        breaker.record_success(earlier)
        assert breaker.state is BreakerState.OPEN
        clock.now += 10
        trial = breaker.before_call()
        breaker.record_failure(earlier)
        breaker.record_success(trial)
        assert breaker.state is BreakerState.CLOSED

    def test_state_changes_are_logged(self, clock: Clock, caplog: pytest.LogCaptureFixture) -> None:
        breaker = make_breaker(clock, threshold=1)
        with caplog.at_level(logging.INFO, logger="trivium.circuit_breaker"):
            fail(breaker)
            clock.now += 10
            breaker.record_success(breaker.before_call())
        changes = [
            (r.from_state, r.to_state)  # type: ignore[attr-defined]
            for r in caplog.records
            if r.getMessage() == "circuit_breaker.state_changed"
        ]
        assert changes == [("closed", "open"), ("open", "half_open"), ("half_open", "closed")]


class TestBeforeCall:
    def test_fails_fast_while_open_with_the_time_left(self, clock: Clock) -> None:
        breaker = make_breaker(clock, threshold=1, reset=10)
        fail(breaker)
        clock.now += 4
        with pytest.raises(CircuitOpenError) as raised:
            breaker.before_call()
        assert raised.value.backend == breaker.backend
        assert raised.value.seconds_until_half_open == pytest.approx(6)
        assert raised.value.retry_after_header() == "6"
        assert isinstance(raised.value, httpx.TransportError)

    def test_half_opens_after_the_cool_down_and_lets_one_trial_through(self, clock: Clock) -> None:
        breaker = make_breaker(clock, threshold=1, reset=10)
        fail(breaker)
        clock.now += 10
        assert breaker.state is BreakerState.HALF_OPEN
        assert gauge(breaker) == 1
        assert breaker.before_call().trial
        assert not breaker.allows_call()
        with pytest.raises(CircuitOpenError) as raised:
            breaker.before_call()
        assert raised.value.retry_after_header() == "1"

    def test_successful_trial_closes_it(self, clock: Clock) -> None:
        breaker = make_breaker(clock, threshold=2, reset=10)
        fail(breaker, 2)
        clock.now += 10
        breaker.record_success(breaker.before_call())
        assert breaker.state is BreakerState.CLOSED
        assert breaker.consecutive_failures == 0
        assert gauge(breaker) == 0
        fail(breaker)
        assert breaker.state is BreakerState.CLOSED

    def test_failed_trial_opens_it_for_a_new_cool_down(self, clock: Clock) -> None:
        breaker = make_breaker(clock, threshold=5, reset=10)
        fail(breaker, 5)
        clock.now += 10
        breaker.record_failure(breaker.before_call())
        assert breaker.state is BreakerState.OPEN
        assert breaker.seconds_until_half_open() == pytest.approx(10)
        clock.now += 9.9
        assert not breaker.allows_call()
        clock.now += 0.1
        assert breaker.allows_call()

    def test_released_trial_lets_the_next_call_be_the_trial(self, clock: Clock) -> None:
        breaker = make_breaker(clock, threshold=1, reset=10)
        fail(breaker)
        clock.now += 10
        breaker.release(breaker.before_call())
        assert breaker.state is BreakerState.HALF_OPEN
        assert breaker.before_call().trial

    def test_allows_call_does_not_claim_the_trial(self, clock: Clock) -> None:
        breaker = make_breaker(clock, threshold=1, reset=10)
        fail(breaker)
        clock.now += 10
        assert breaker.allows_call()
        assert breaker.allows_call()
        assert breaker.before_call().trial
