"""auth-failure-limit: slow down credential guessing, per client address, on every gateway node.

Kong's key-auth and jwt answer a wrong API key or token with 401 as often as a client asks.
This plugin counts those 401s per client address (Kong's forwarded IP) in a sliding window in
Redis, so every gateway node sees the same count; once an address has `max_failures` failures
within `window_seconds`, its requests get 429, `Retry-After` (when the oldest counted failure
leaves the window) and a problem+json body before any credential is looked at. Successful
requests cost nothing but the check; only refusals by the gateway itself count (`kong.response`
source `exit`), never a 401 the upstream answered. A node asks Redis only about addresses it has
seen fail within the window (its "suspects"), so requests of everyone else cost no Redis call at
all; an address that failed only on other nodes so far is let through to its credential check
once more here, which counts the failure and makes it a suspect of this node too (with n nodes, at
most n - 1 guesses past the limit). When Redis cannot answer the plugin fails open
(default) or closed, and counts either in `trivium_gateway_auth_failure_decisions_total`.

PDK calls per request: 2 (get_forwarded_ip, get_status) when nothing failed; 4 when a failure is
counted (get_source, get_forwarded_ip); 5 when refusing.
"""

# No `from __future__ import annotations`: Kong's loader executes this file before registering
# it in sys.modules, and dataclasses cannot resolve string annotations in such a module.
import math
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import redis

from trivium.redis_client import SyncRedis
from trivium_gateway.plugin_support import (
    AUTH_FAILURE_DECISIONS,
    PROBLEM_CONTENT_TYPE,
    REDIS_ERRORS,
    REDIS_STORE_SCHEMA,
    RedisStoreConfig,
    exit_store_unavailable,
    problem_json,
    redis_client,
    redis_store_config,
)

version = "1.0.0"
# Before every authentication plugin (jwt 1450, key-auth 1250), so that a throttled address is
# refused before its credential is checked; after cors (2000), so browsers still get preflights.
priority = 1500

# Its only waits are Redis calls through `plugin_support.redis_client`: the local gateway
# may run it on its event loop (in-process mode) instead of a worker thread.
event_loop_safe = True

# Seconds Redis is left alone after it failed (see FailureLog).
PAUSE_AFTER_FAILURE = 1.0
# Addresses a node remembers as having failed recently (see FailureLog).
MAX_SUSPECTS = 100_000
UNAUTHORIZED = 401

Schema = (
    *REDIS_STORE_SCHEMA,
    {"max_failures": {"type": "integer", "required": True, "default": 10,
                      "between": [1, 100_000]}},
    {"window_seconds": {"type": "integer", "required": True, "default": 300,
                        "between": [1, 86_400]}},
    {"key_prefix": {"type": "string", "required": True, "default": "trivium:auth-failures"}},
)  # fmt: skip

# Both scripts: KEYS[1] the address's sorted set of failures (scored by time, ms); ARGV[1] now
# (ms; empty: Redis's own clock), ARGV[2] window length (ms), ARGV[3] max failures.
_NOW = """
local now = tonumber(ARGV[1])
if not now then
  local clock = redis.call('TIME')
  now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - tonumber(ARGV[2]))
"""
# Returns: failures in the window, ms until the oldest of them leaves it (0 when none).
CHECK_SCRIPT = (
    _NOW
    + """
local failures = redis.call('ZCARD', KEYS[1])
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
local wait = 0
if oldest[2] then
  wait = tonumber(oldest[2]) + tonumber(ARGV[2]) - now
end
return {failures, wait}
"""
)
# ARGV[4]: a member unique to this failure. Keeps only the newest max failures: older ones can
# no longer change a decision. Returns the failures in the window.
RECORD_SCRIPT = (
    _NOW
    + """
redis.call('ZADD', KEYS[1], now, ARGV[4])
redis.call('ZREMRANGEBYRANK', KEYS[1], 0, -1 - tonumber(ARGV[3]))
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[2]))
return redis.call('ZCARD', KEYS[1])
"""
)


@dataclass(frozen=True)
class LimitConfig(RedisStoreConfig):
    max_failures: int
    window_seconds: int


@dataclass(frozen=True)
class Standing:
    """An address's failed authentications in the current window."""

    failures: int
    wait_ms: int


def parse_config(config: Mapping[str, Any]) -> LimitConfig:
    """The plugin's configuration."""
    return LimitConfig(
        max_failures=config["max_failures"],
        window_seconds=config["window_seconds"],
        **redis_store_config(config),
    )


def failures_key(prefix: str, address: str) -> str:
    """The address's sorted set of failures."""
    return f"{prefix}:{address}"


def is_blocked(standing: Standing, *, max_failures: int) -> bool:
    """Whether the address has used up its failures for now."""
    return standing.failures >= max_failures


def retry_after_seconds(standing: Standing) -> int:
    """Whole seconds until the oldest counted failure leaves the window (at least 1)."""
    return max(1, math.ceil(standing.wait_ms / 1000))


def is_counted_failure(status: int, source: str) -> bool:
    """A failed authentication: the gateway itself refused with 401 (not the upstream)."""
    return status == UNAUTHORIZED and source == "exit"


def rejection_body(
    standing: Standing, *, config: LimitConfig, correlation_id: str | None, instance: str | None
) -> str:
    """The problem+json body of a 429."""
    retry_after = retry_after_seconds(standing)
    return problem_json(
        slug="too-many-failed-authentications",
        title="Too many failed authentications",
        status=429,
        detail=(
            f"{config.max_failures} failed authentications from this address within "
            f"{config.window_seconds} s; retry in {retry_after} s."
        ),
        instance=instance,
        correlation_id=correlation_id,
        extensions={"retryAfterSeconds": retry_after},
    )


class FailureLog:
    """The sliding window of failed authentications per address, in Redis.

    Redis's clock is the time unless `clock` (epoch ms) is given, so every gateway node counts
    alike. After Redis fails, it is left alone for `pause_seconds`: requests meanwhile fail open
    or closed at once instead of each waiting for the Redis timeout.
    """

    def __init__(
        self,
        client: SyncRedis,
        *,
        config: LimitConfig,
        clock: Callable[[], int] | None = None,
        pause_seconds: float = PAUSE_AFTER_FAILURE,
    ) -> None:
        self._check = client.register_script(CHECK_SCRIPT)
        self._record = client.register_script(RECORD_SCRIPT)
        self._config = config
        self._clock = clock
        self._pause_seconds = pause_seconds
        self._paused_until = 0.0
        # Address -> until when (monotonic) it may have failures in the window.
        self._suspects: dict[str, float] = {}

    def standing(self, address: str) -> Standing:
        """The address's failures in the current window (none, without asking Redis, for an
        address this node has not seen fail within the window)."""
        until = self._suspects.get(address)
        if until is None:
            return Standing(failures=0, wait_ms=0)
        if time.monotonic() >= until:
            del self._suspects[address]
            return Standing(failures=0, wait_ms=0)
        raw = self._run(self._check, address)
        return Standing(failures=int(raw[0]), wait_ms=int(raw[1]))

    def record(self, address: str) -> int:
        """Count one failure of the address; the failures now in the window."""
        self._suspect(address)
        return int(self._run(self._record, address, uuid.uuid4().hex))

    def _suspect(self, address: str) -> None:
        now = time.monotonic()
        if len(self._suspects) >= MAX_SUSPECTS:
            self._suspects = {a: until for a, until in self._suspects.items() if until > now}
            if len(self._suspects) >= MAX_SUSPECTS:
                self._suspects.clear()  # a flood of addresses: they are counted in Redis still
        self._suspects[address] = now + self._config.window_seconds

    def _run(self, script: Any, address: str, *extra: str) -> Any:
        if time.monotonic() < self._paused_until:
            raise redis.ConnectionError("Redis failed moments ago; not asked again yet")
        config = self._config
        now = str(self._clock()) if self._clock else ""
        args = [now, config.window_seconds * 1000, config.max_failures, *extra]
        try:
            return script(keys=[failures_key(config.key_prefix, address)], args=args)
        except REDIS_ERRORS:
            self._paused_until = time.monotonic() + self._pause_seconds
            raise


class Plugin:
    def __init__(self, config: Mapping[str, Any]) -> None:
        self.config = parse_config(config)
        self.failures = FailureLog(
            redis_client(self.config.redis_url, timeout_ms=self.config.redis_timeout_ms),
            config=self.config,
        )

    def access(self, kong: Any) -> None:
        address = kong.client.get_forwarded_ip()
        try:
            standing = self.failures.standing(address)
        except REDIS_ERRORS as error:
            self._redis_failed(kong, error)
            return
        if not is_blocked(standing, max_failures=self.config.max_failures):
            AUTH_FAILURE_DECISIONS.labels("passed").inc()
            return
        AUTH_FAILURE_DECISIONS.labels("blocked").inc()
        body = rejection_body(
            standing,
            config=self.config,
            correlation_id=kong.request.get_header("x-correlation-id"),
            instance=kong.request.get_path(),
        )
        headers = {
            "Content-Type": PROBLEM_CONTENT_TYPE,
            "Retry-After": str(retry_after_seconds(standing)),
        }
        kong.response.exit(429, body, headers)

    def log(self, kong: Any) -> None:
        status = kong.response.get_status()
        # The source costs a PDK round trip: asked of 401s only.
        if status != UNAUTHORIZED or not is_counted_failure(status, kong.response.get_source()):
            return
        try:
            self.failures.record(kong.client.get_forwarded_ip())
        except REDIS_ERRORS as error:
            kong.log.warn(f"auth-failure-limit: failure not counted ({type(error).__name__})")
            return
        AUTH_FAILURE_DECISIONS.labels("failure_recorded").inc()

    def _redis_failed(self, kong: Any, error: Exception) -> None:
        outcome = "fail_open" if self.config.fail_open else "fail_closed"
        AUTH_FAILURE_DECISIONS.labels(outcome).inc()
        kong.log.warn(f"auth-failure-limit: Redis unavailable ({type(error).__name__}), {outcome}")
        if self.config.fail_open:
            return
        exit_store_unavailable(
            kong,
            slug="auth-failure-limit-unavailable",
            title="Authentication limits cannot be checked right now",
            detail="The store of failed authentications is unavailable; retry shortly.",
        )
