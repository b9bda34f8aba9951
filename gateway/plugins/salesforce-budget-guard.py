"""salesforce-budget-guard: shed partner traffic by plan when the Salesforce API budget runs low.

The Salesforce System API publishes every reading of the org's daily API budget (from Salesforce's
`Sforce-Limit-Info` header) to the Redis hash `trivium:salesforce:api-budget` (`used`, `max`,
`remaining`, `observed_at` in epoch seconds). Partner calls spend that budget too, and the org
needs it for its internal flows (order write-back, customer sync). While less than a plan's
`shed_below_percent` of the budget remains, that plan's requests are answered `503` with
`Retry-After` and a problem+json body, so bronze is shed first and gold only in the last stretch.

A reading older than `max_age_seconds`, a missing one, or an unreachable Redis means the budget is
unknown: traffic passes (`fail_open`, the default) or is shed, and either way it is counted in
`trivium_gateway_budget_guard_decisions_total`. Readings are cached per process for
`cache_ttl_seconds`, so a busy gateway reads Redis a few times a second, not per request.
The body never discloses the org's budget figures to partners.

PDK calls per request: 1 (get_consumer); 4 when shedding.
"""

# No `from __future__ import annotations`: Kong's loader executes this file before registering
# it in sys.modules, and dataclasses cannot resolve string annotations in such a module.
import threading
import time
from collections.abc import Mapping
from typing import Any

import redis

from trivium.redis_client import SyncRedis
from trivium_gateway.partner_policy import (
    DEFAULT_BUDGET_KEY,
    BudgetReading,
    decide,
    parse_reading,
)
from trivium_gateway.plugin_support import (
    BUDGET_GUARD_DECISIONS,
    PROBLEM_CONTENT_TYPE,
    REDIS_ERRORS,
    REDIS_STORE_SCHEMA,
    plan_of,
    problem_json,
    redis_client,
)

version = "1.0.0"
# After authentication and partner-quota (900): a shed request has still been counted against the
# partner's quota and carries its RateLimit-* headers; before signed-identity (800), which need
# not sign for a request that will not be proxied.
priority = 850

# Its only waits are Redis calls through `plugin_support.redis_client`: the local gateway
# may run it on its event loop (in-process mode) instead of a worker thread.
event_loop_safe = True

Schema = (
    *REDIS_STORE_SCHEMA,
    {"budget_key": {"type": "string", "required": True,
                    "default": DEFAULT_BUDGET_KEY}},
    {"default_plan": {"type": "string", "required": True}},
    {"shed_below_percent": {"type": "map", "required": True, "len_min": 1,
                            "keys": {"type": "string"},
                            "values": {"type": "number", "between": [0, 100]}}},
    {"max_age_seconds": {"type": "integer", "required": True, "default": 900,
                         "between": [1, 86_400]}},
    {"retry_after_seconds": {"type": "integer", "required": True, "default": 600,
                             "between": [1, 86_400]}},
    {"cache_ttl_seconds": {"type": "number", "required": True, "default": 1,
                           "between": [0, 60]}},
)  # fmt: skip


def shed_body(*, plan: str, correlation_id: str | None, instance: str | None) -> str:
    """The problem+json body of a shed request (no budget figures: they are the org's)."""
    return problem_json(
        slug="partner-traffic-shed",
        title="Partner traffic is paused to protect the CRM's API budget",
        status=503,
        detail=f"Requests on the {plan} plan are paused while the CRM's daily API budget is low; "
        "retry later.",
        instance=instance,
        correlation_id=correlation_id,
        extensions={"plan": plan},
    )


class BudgetReader:
    """Reads the published budget, keeping each reading for `ttl` seconds in this process.

    A failed read is remembered as long, so that while Redis is unreachable requests do not each
    wait for its timeout.
    """

    def __init__(self, client: SyncRedis, *, key: str, ttl: float) -> None:
        self._client = client
        self._key = key
        self._ttl = ttl
        self._lock = threading.Lock()
        self._cached: tuple[float, BudgetReading | None, str | None] | None = None

    def read(self, now: float) -> BudgetReading | None:
        """The latest reading (None when none is published); raises RedisError."""
        with self._lock:
            cached = self._cached
        if cached is not None and now - cached[0] < self._ttl:
            if cached[2] is not None:
                raise redis.ConnectionError(cached[2])
            return cached[1]
        try:
            reading = parse_reading(self._client.hgetall(self._key))
        except REDIS_ERRORS as error:
            with self._lock:
                self._cached = (now, None, f"{type(error).__name__}: {error}")
            raise
        with self._lock:
            self._cached = (now, reading, None)
        return reading


def check_config(config: Mapping[str, Any]) -> None:
    """What the schema cannot say: the default plan has a threshold."""
    if config["default_plan"] not in config["shed_below_percent"]:
        raise ValueError(
            f"default_plan {config['default_plan']!r} has no shed_below_percent threshold"
        )


class Plugin:
    def __init__(self, config: Mapping[str, Any]) -> None:
        check_config(config)
        self.default_plan: str = config["default_plan"]
        self.thresholds = {
            plan: float(value) for plan, value in config["shed_below_percent"].items()
        }
        self.max_age_seconds = float(config["max_age_seconds"])
        self.fail_open: bool = config["fail_open"]
        self.retry_after = str(config["retry_after_seconds"])
        self.reader = BudgetReader(
            redis_client(config["redis_url"], timeout_ms=config["redis_timeout_ms"]),
            key=config["budget_key"],
            ttl=float(config["cache_ttl_seconds"]),
        )

    def access(self, kong: Any) -> None:
        consumer = kong.client.get_consumer()
        if not consumer:
            return
        plan = plan_of(consumer) or self.default_plan
        if plan not in self.thresholds:
            plan = self.default_plan
        now = time.time()
        try:
            reading = self.reader.read(now)
        except REDIS_ERRORS as error:
            kong.log.warn(f"salesforce-budget-guard: Redis unavailable ({type(error).__name__})")
            self._unknown(kong, plan, "fail_open" if self.fail_open else "fail_closed")
            return
        decision = decide(
            reading,
            plan=plan,
            shed_below_percent=self.thresholds,
            now=now,
            max_age_seconds=self.max_age_seconds,
        )
        if decision.outcome == "unknown_budget":
            self._unknown(kong, plan, "unknown_budget")
            return
        BUDGET_GUARD_DECISIONS.labels(plan, decision.outcome).inc()
        if decision.shed:
            self._shed(kong, plan)

    def _unknown(self, kong: Any, plan: str, outcome: str) -> None:
        BUDGET_GUARD_DECISIONS.labels(plan, outcome).inc()
        if not self.fail_open:
            self._shed(kong, plan)

    def _shed(self, kong: Any, plan: str) -> None:
        body = shed_body(
            plan=plan,
            correlation_id=kong.request.get_header("x-correlation-id"),
            instance=kong.request.get_path(),
        )
        kong.response.exit(
            503, body, {"Content-Type": PROBLEM_CONTENT_TYPE, "Retry-After": self.retry_after}
        )
