"""auth-failure-limit's pure functions, and its sliding window on a real Redis with a clock
of the test's own."""

from __future__ import annotations

import json

import pytest
import redis

from trivium.redis_discovery import free_port
from trivium_gateway.plugin_support import REDIS_STORE_SCHEMA
from trivium_gateway.schema import validate_record

WINDOW_MS = 60_000


def config(**changes):
    base = {
        **validate_record(REDIS_STORE_SCHEMA, {}),
        "max_failures": 3,
        "window_seconds": 60,
        "key_prefix": "trivium:auth-failures",
    }
    return {**base, **changes}


class Clock:
    """Epoch milliseconds that move only when the test says so."""

    def __init__(self, now_ms: int = 1_800_000_000_000) -> None:
        self.now_ms = now_ms

    def __call__(self) -> int:
        return self.now_ms


class CommandCountingRedis(redis.Redis):
    """A real client that keeps the names of the commands it sent: the server's own command
    statistics also count whatever else runs on the shared test server meanwhile."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.sent = []

    def execute_command(self, *args, **options):
        self.sent.append(str(args[0]).upper())
        return super().execute_command(*args, **options)


@pytest.fixture
def sync_redis(redis_url):
    client = redis.Redis.from_url(redis_url)
    yield client
    client.close()


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def failure_log(auth_failure_limit, sync_redis, clock):
    parsed = auth_failure_limit.parse_config(config())
    return auth_failure_limit.FailureLog(sync_redis, config=parsed, clock=clock)


class TestIsCountedFailure:
    def test_the_gateway_refused_the_credential(self, auth_failure_limit):
        assert auth_failure_limit.is_counted_failure(401, "exit")

    def test_the_upstream_said_401(self, auth_failure_limit):
        assert not auth_failure_limit.is_counted_failure(401, "service")

    @pytest.mark.parametrize("status", [200, 403, 429, 413])
    def test_other_answers(self, auth_failure_limit, status):
        assert not auth_failure_limit.is_counted_failure(status, "exit")


class TestIsBlocked:
    def test_below_the_maximum(self, auth_failure_limit):
        standing = auth_failure_limit.Standing(failures=2, wait_ms=1000)

        assert not auth_failure_limit.is_blocked(standing, max_failures=3)

    def test_at_the_maximum(self, auth_failure_limit):
        standing = auth_failure_limit.Standing(failures=3, wait_ms=1000)

        assert auth_failure_limit.is_blocked(standing, max_failures=3)


class TestRetryAfter:
    def test_rounds_up(self, auth_failure_limit):
        standing = auth_failure_limit.Standing(failures=3, wait_ms=1001)

        assert auth_failure_limit.retry_after_seconds(standing) == 2

    def test_at_least_a_second(self, auth_failure_limit):
        standing = auth_failure_limit.Standing(failures=3, wait_ms=0)

        assert auth_failure_limit.retry_after_seconds(standing) == 1


class TestRejectionBody:
    def test_problem_document(self, auth_failure_limit):
        parsed = auth_failure_limit.parse_config(config())
        standing = auth_failure_limit.Standing(failures=3, wait_ms=42_500)

        body = json.loads(
            auth_failure_limit.rejection_body(
                standing, config=parsed, correlation_id="c-1", instance="/partner/v1/account"
            )
        )

        assert body == {
            "type": "https://trivium.dev/problems/too-many-failed-authentications",
            "title": "Too many failed authentications",
            "status": 429,
            "detail": "3 failed authentications from this address within 60 s; retry in 43 s.",
            "instance": "/partner/v1/account",
            "correlationId": "c-1",
            "retryAfterSeconds": 43,
        }


class TestFailureLog:
    def test_failures_are_counted_per_address(self, failure_log):
        failure_log.record("203.0.113.7")
        failure_log.record("203.0.113.7")
        failure_log.record("198.51.100.1")

        assert failure_log.standing("203.0.113.7").failures == 2
        assert failure_log.standing("198.51.100.1").failures == 1
        assert failure_log.standing("192.0.2.9").failures == 0

    def test_wait_until_the_oldest_failure_leaves_the_window(self, failure_log, clock):
        failure_log.record("203.0.113.7")
        clock.now_ms += 10_000
        failure_log.record("203.0.113.7")

        standing = failure_log.standing("203.0.113.7")

        assert standing.wait_ms == WINDOW_MS - 10_000

    def test_failures_leave_the_window(self, failure_log, clock):
        for _ in range(3):
            failure_log.record("203.0.113.7")
        clock.now_ms += WINDOW_MS

        assert failure_log.standing("203.0.113.7").failures == 0

    def test_the_window_slides(self, failure_log, clock):
        failure_log.record("203.0.113.7")
        clock.now_ms += 40_000
        failure_log.record("203.0.113.7")
        clock.now_ms += 30_000

        assert failure_log.standing("203.0.113.7").failures == 1

    def test_keeps_no_more_than_it_needs(self, failure_log, sync_redis):
        for _ in range(10):
            failure_log.record("203.0.113.7")

        assert failure_log.standing("203.0.113.7").failures == 3
        assert sync_redis.zcard("trivium:auth-failures:203.0.113.7") == 3

    def test_the_key_expires_with_the_window(self, failure_log, sync_redis):
        failure_log.record("203.0.113.7")

        assert 0 < sync_redis.pttl("trivium:auth-failures:203.0.113.7") <= WINDOW_MS

    def test_redis_away(self, auth_failure_limit):
        client = redis.Redis(port=free_port(), socket_connect_timeout=0.2)
        log = auth_failure_limit.FailureLog(
            client, config=auth_failure_limit.parse_config(config())
        )

        with pytest.raises(redis.ConnectionError):
            log.record("203.0.113.7")
        # Not asked again at once: the next request does not wait for a timeout.
        with pytest.raises(redis.ConnectionError, match="moments ago"):
            log.standing("203.0.113.7")
        client.close()

    def test_addresses_this_node_has_not_seen_fail_cost_no_redis_call(
        self, auth_failure_limit, sync_redis, clock
    ):
        parsed = auth_failure_limit.parse_config(config())
        elsewhere = auth_failure_limit.FailureLog(sync_redis, config=parsed, clock=clock)
        here_client = CommandCountingRedis(connection_pool=sync_redis.connection_pool)
        here = auth_failure_limit.FailureLog(here_client, config=parsed, clock=clock)
        for _ in range(3):
            elsewhere.record("203.0.113.7")

        assert here.standing("203.0.113.7").failures == 0
        assert here_client.sent == []
        # Its next failure here counts, and from then on this node asks Redis too.
        assert here.record("203.0.113.7") == 3
        assert here_client.sent  # the count above sees this client's commands
        assert here.standing("203.0.113.7").failures == 3
