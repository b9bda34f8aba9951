"""partner-quota: plan-based partner quotas, exact across every gateway instance.

Each partner (Kong consumer) gets the limits of its plan (consumer tag `plan-<name>`) per second,
minute and/or hour. Usage is a sliding log in Redis (one sorted set per window, one entry per cost
unit, scored by Redis's own clock) checked and updated by one Lua script, so the count is exact
across any number of gateway instances and has no fixed-window edge where twice the limit gets
through. Kong OSS's rate-limiting counts per fixed window, asynchronously, and its per-tier
variant needs Enterprise.

Every answer carries `RateLimit-Limit`, `RateLimit-Remaining`, `RateLimit-Reset` (of the window
closest to exhaustion) and `RateLimit-Policy`; a refused request gets `429`, `Retry-After` (when
this request would first fit) and a problem+json body. A route can weigh its requests with
`cost` (placing an order costs more than a read). When Redis cannot answer the plugin fails open
(default) or closed, and counts either in `trivium_gateway_quota_decisions_total`.

PDK calls per request: 2 (get_consumer, set_headers); 4 when refusing.
"""

# No `from __future__ import annotations`: Kong's loader executes this file before registering
# it in sys.modules, and dataclasses cannot resolve string annotations in such a module.
import math
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import redis

from trivium.redis_client import SyncRedis
from trivium_gateway.partner_policy import (
    DEFAULT_QUOTA_KEY_PREFIX,
    WINDOW_SECONDS,
    Window,
    WindowUsage,
    window_keys,
    windows_of,
)
from trivium_gateway.plugin_support import (
    PROBLEM_CONTENT_TYPE,
    QUOTA_DECISIONS,
    REDIS_ERRORS,
    REDIS_STORE_SCHEMA,
    RedisStoreConfig,
    exit_store_unavailable,
    plan_of,
    problem_json,
    redis_client,
    redis_store_config,
)

version = "1.0.0"
# After authentication (jwt 1450, key-auth 1250) so the consumer is known, and after Kong's own
# rate-limiting (910); before salesforce-budget-guard (850), so that its refusals still carry the
# RateLimit-* headers of the request they counted.
priority = 900

# Its only waits are Redis calls through `plugin_support.redis_client`: the local gateway
# may run it on its event loop (in-process mode) instead of a worker thread.
event_loop_safe = True

# Seconds Redis is left alone after it failed (see SlidingWindowLimiter).
PAUSE_AFTER_FAILURE = 1.0
_LIMIT = {"type": "integer", "between": [1, 100_000_000]}

Schema = (
    *REDIS_STORE_SCHEMA,
    {"cost": {"type": "integer", "required": True, "default": 1, "between": [1, 100]}},
    {"default_plan": {"type": "string", "required": True}},
    {"plans": {"type": "map", "required": True, "len_min": 1, "keys": {"type": "string"},
               "values": {"type": "record", "fields": [
                   {name: _LIMIT} for name in WINDOW_SECONDS]}}},
    {"key_prefix": {"type": "string", "required": True, "default": DEFAULT_QUOTA_KEY_PREFIX}},
)  # fmt: skip

# KEYS: one sorted set per window. ARGV: cost, request id, then limit and length (ms) per window.
# Returns: allowed (0/1), then per window: entries counted, ms until the oldest entry leaves, ms
# until this request would fit (0 when it fits now).
SLIDING_LOG_SCRIPT = """
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
local cost = tonumber(ARGV[1])
local allowed = 1
local used, wait = {}, {}
for i, key in ipairs(KEYS) do
  local limit = tonumber(ARGV[1 + 2 * i])
  local length = tonumber(ARGV[2 + 2 * i])
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now - length)
  used[i] = redis.call('ZCARD', key)
  wait[i] = 0
  if used[i] + cost > limit then
    allowed = 0
    if cost > limit then
      wait[i] = -1
    else
      local index = used[i] + cost - limit - 1
      local entry = redis.call('ZRANGE', key, index, index, 'WITHSCORES')
      wait[i] = tonumber(entry[2]) + length - now
    end
  end
end
if allowed == 1 then
  for i, key in ipairs(KEYS) do
    local members = {}
    for unit = 1, cost do
      members[#members + 1] = now
      members[#members + 1] = ARGV[2] .. ':' .. unit
    end
    redis.call('ZADD', key, unpack(members))
    redis.call('PEXPIRE', key, tonumber(ARGV[2 + 2 * i]))
    used[i] = used[i] + cost
  end
end
local result = {allowed}
for i, key in ipairs(KEYS) do
  local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
  local reset = 0
  if oldest[2] then
    reset = tonumber(oldest[2]) + tonumber(ARGV[2 + 2 * i]) - now
  end
  result[#result + 1] = used[i]
  result[#result + 1] = reset
  result[#result + 1] = wait[i]
end
return result
"""


@dataclass(frozen=True)
class QuotaDecision:
    allowed: bool
    usages: tuple[WindowUsage, ...]

    @property
    def retry_after_seconds(self) -> int | None:
        """Whole seconds until the refused request would fit; None when it never can."""
        waits = [usage.wait_ms for usage in self.usages if usage.wait_ms != 0]
        if not waits or min(waits) < 0:
            return None
        return max(1, math.ceil(max(waits) / 1000))


@dataclass(frozen=True)
class QuotaConfig(RedisStoreConfig):
    plans: dict[str, tuple[Window, ...]]
    default_plan: str
    cost: int


def parse_config(config: Mapping[str, Any]) -> QuotaConfig:
    """The plugin's configuration, checked beyond what the schema can say."""
    plans = {name: windows_of(limits or {}) for name, limits in config["plans"].items()}
    for name, windows in plans.items():
        if not windows:
            raise ValueError(f"plan {name!r} sets no limit (second, minute or hour)")
        too_small = [w.name for w in windows if w.limit < config["cost"]]
        if too_small:
            raise ValueError(
                f"plan {name!r}: cost {config['cost']} exceeds its limit per {', '.join(too_small)}"
            )
    if config["default_plan"] not in plans:
        raise ValueError(f"default_plan {config['default_plan']!r} is not one of the plans")
    return QuotaConfig(
        plans=plans,
        default_plan=config["default_plan"],
        cost=config["cost"],
        **redis_store_config(config),
    )


def parse_result(windows: Sequence[Window], raw: Sequence[Any]) -> QuotaDecision:
    """The script's flat answer as a decision."""
    usages = tuple(
        WindowUsage(window, int(raw[1 + 3 * i]), int(raw[2 + 3 * i]), int(raw[3 + 3 * i]))
        for i, window in enumerate(windows)
    )
    return QuotaDecision(allowed=bool(int(raw[0])), usages=usages)


def binding_usage(decision: QuotaDecision) -> WindowUsage:
    """The window the headers describe: the one refusing longest, else the one closest to
    exhaustion (the longer window on a tie, as Kong's rate-limiting does)."""
    if not decision.allowed:
        refusing = [usage for usage in decision.usages if usage.wait_ms != 0]
        return max(refusing, key=lambda usage: (usage.wait_ms < 0, abs(usage.wait_ms)))
    return min(decision.usages, key=lambda usage: (usage.remaining, -usage.window.seconds))


def quota_headers(decision: QuotaDecision) -> dict[str, str]:
    """The RateLimit-* headers (and Retry-After when refused) of a decision."""
    usage = binding_usage(decision)
    reset_ms = usage.wait_ms if not decision.allowed and usage.wait_ms > 0 else usage.reset_ms
    headers = {
        "RateLimit-Limit": str(usage.window.limit),
        "RateLimit-Remaining": str(usage.remaining),
        "RateLimit-Reset": str(math.ceil(max(reset_ms, 0) / 1000)),
        "RateLimit-Policy": ", ".join(
            f"{item.window.limit};w={item.window.seconds}" for item in decision.usages
        ),
    }
    retry_after = decision.retry_after_seconds
    if not decision.allowed and retry_after is not None:
        headers["Retry-After"] = str(retry_after)
    return headers


def rejection_body(
    decision: QuotaDecision,
    *,
    plan: str,
    cost: int,
    correlation_id: str | None,
    instance: str | None,
) -> str:
    """The problem+json body of a 429."""
    usage = binding_usage(decision)
    retry_after = decision.retry_after_seconds
    allowance = f"The {plan} plan allows {usage.window.limit} requests per {usage.window.name}"
    if retry_after is None:
        detail = f"{allowance}; this request costs {cost} and can never fit."
    else:
        detail = f"{allowance}; retry in {retry_after} s."
    return problem_json(
        slug="too-many-requests",
        title="Too many requests",
        status=429,
        detail=detail,
        instance=instance,
        correlation_id=correlation_id,
        extensions={"plan": plan, "retryAfterSeconds": retry_after},
    )


class SlidingWindowLimiter:
    """Runs the sliding-log script for one consumer's windows.

    After Redis fails, it is left alone for `pause_seconds`: requests meanwhile fail open or closed
    at once instead of each waiting for the Redis timeout.
    """

    def __init__(
        self, client: SyncRedis, *, key_prefix: str, pause_seconds: float = PAUSE_AFTER_FAILURE
    ) -> None:
        self._script = client.register_script(SLIDING_LOG_SCRIPT)
        self._prefix = key_prefix
        self._pause_seconds = pause_seconds
        self._paused_until = 0.0

    def consume(self, *, consumer_id: str, windows: Sequence[Window], cost: int) -> QuotaDecision:
        """Count `cost` units for the consumer if every window has room; say what happened."""
        if time.monotonic() < self._paused_until:
            raise redis.ConnectionError("Redis failed moments ago; not asked again yet")
        args: list[Any] = [cost, uuid.uuid4().hex]
        for window in windows:
            args += [window.limit, window.seconds * 1000]
        try:
            raw = self._script(keys=window_keys(self._prefix, consumer_id, windows), args=args)
        except REDIS_ERRORS:
            self._paused_until = time.monotonic() + self._pause_seconds
            raise
        return parse_result(windows, raw)


class Plugin:
    def __init__(self, config: Mapping[str, Any]) -> None:
        self.config = parse_config(config)
        self.limiter = SlidingWindowLimiter(
            redis_client(self.config.redis_url, timeout_ms=self.config.redis_timeout_ms),
            key_prefix=self.config.key_prefix,
        )

    def access(self, kong: Any) -> None:
        consumer = kong.client.get_consumer()
        if not consumer:
            return
        plan = plan_of(consumer, default=self.config.default_plan)
        if plan not in self.config.plans:
            plan = self.config.default_plan
        try:
            decision = self.limiter.consume(
                consumer_id=consumer["id"], windows=self.config.plans[plan], cost=self.config.cost
            )
        except REDIS_ERRORS as error:
            self._redis_failed(kong, plan, error)
            return
        headers = quota_headers(decision)
        if decision.allowed:
            QUOTA_DECISIONS.labels(plan, "allowed").inc()
            kong.response.set_headers(headers)
            return
        QUOTA_DECISIONS.labels(plan, "limited").inc()
        body = rejection_body(
            decision,
            plan=plan,
            cost=self.config.cost,
            correlation_id=kong.request.get_header("x-correlation-id"),
            instance=kong.request.get_path(),
        )
        kong.response.exit(429, body, {**headers, "Content-Type": PROBLEM_CONTENT_TYPE})

    def _redis_failed(self, kong: Any, plan: str, error: Exception) -> None:
        outcome = "fail_open" if self.config.fail_open else "fail_closed"
        QUOTA_DECISIONS.labels(plan, outcome).inc()
        kong.log.warn(f"partner-quota: Redis unavailable ({type(error).__name__}), {outcome}")
        if self.config.fail_open:
            return
        exit_store_unavailable(
            kong,
            slug="quota-unavailable",
            title="Quotas cannot be checked right now",
            detail="The quota store is unavailable; retry shortly.",
        )
