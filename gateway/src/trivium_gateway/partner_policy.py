"""What the partner plugins keep in Redis and decide from it, for the plugins and for operators'
tools alike: partner-quota's sliding-log windows (key layout and a read-only look at their
usage) and salesforce-budget-guard's reading of the Salesforce API budget and its shedding rule.

The plugin files import these (Kong's loader runs a plugin file on its own, so what an operator
tool must read the same way lives here, in the package).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from trivium.redis_client import SyncRedis

WINDOW_SECONDS = {"second": 1, "minute": 60, "hour": 3600}
DEFAULT_QUOTA_KEY_PREFIX = "trivium:quota"
DEFAULT_BUDGET_KEY = "trivium:salesforce:api-budget"


class Window(NamedTuple):
    """One window of a plan: `limit` requests per `seconds` (`name`: second, minute, hour)."""

    name: str
    seconds: int
    limit: int


@dataclass(frozen=True)
class WindowUsage:
    window: Window
    used: int
    reset_ms: int
    wait_ms: int

    @property
    def remaining(self) -> int:
        return max(self.window.limit - self.used, 0)


def windows_of(limits: Mapping[str, int | None]) -> tuple[Window, ...]:
    """The windows a plan limits, shortest first."""
    return tuple(
        Window(name, seconds, int(limit))
        for name, seconds in WINDOW_SECONDS.items()
        if (limit := limits.get(name)) is not None
    )


def window_keys(prefix: str, consumer_id: str, windows: Sequence[Window]) -> list[str]:
    """One key per window; the hash tag keeps a consumer's keys in one Redis Cluster slot."""
    return [f"{prefix}:{{{consumer_id}}}:{window.name}" for window in windows]


def read_usage(
    client: SyncRedis, *, key_prefix: str, consumer_id: str, windows: Sequence[Window]
) -> tuple[WindowUsage, ...]:
    """How much of each window the consumer has used now, counted as the quota script counts
    (entries newer than the window, by Redis's clock), without counting or removing anything."""
    seconds, microseconds = client.time()
    now_ms = int(seconds) * 1000 + int(microseconds) // 1000
    usages = []
    for window, key in zip(windows, window_keys(key_prefix, consumer_id, windows), strict=True):
        length_ms = window.seconds * 1000
        used = int(client.zcount(key, f"({now_ms - length_ms}", "+inf"))
        oldest = client.zrangebyscore(key, f"({now_ms - length_ms}", "+inf", 0, 1, withscores=True)
        reset_ms = int(oldest[0][1]) + length_ms - now_ms if oldest else 0
        usages.append(WindowUsage(window, used, max(reset_ms, 0), 0))
    return tuple(usages)


@dataclass(frozen=True)
class BudgetReading:
    used: int
    max: int
    remaining: int
    observed_at: float

    @property
    def remaining_percent(self) -> float:
        # A maximum of 0 is what the System API publishes when Salesforce refused a call for the
        # limit before any reading: nothing remains.
        return 100.0 * self.remaining / self.max if self.max > 0 else 0.0


@dataclass(frozen=True)
class GuardDecision:
    outcome: str  # passed, shed, unknown_budget
    plan: str

    @property
    def shed(self) -> bool:
        return self.outcome == "shed"


def parse_reading(fields: Mapping[bytes | str, bytes | str]) -> BudgetReading | None:
    """The published hash as a reading; None when absent or malformed."""
    values = {
        (key.decode() if isinstance(key, bytes) else key): (
            value.decode() if isinstance(value, bytes) else value
        )
        for key, value in fields.items()
    }
    try:
        maximum = int(values["max"])
        used = int(values["used"])
        remaining = int(values.get("remaining", maximum - used))
        observed_at = float(values["observed_at"])
    except (KeyError, ValueError):
        return None
    if maximum < 0:
        return None
    return BudgetReading(used, maximum, max(remaining, 0), observed_at)


def decide(
    reading: BudgetReading | None,
    *,
    plan: str,
    shed_below_percent: Mapping[str, float],
    now: float,
    max_age_seconds: float,
) -> GuardDecision:
    """Shed the plan's request when the fresh budget is below the plan's threshold."""
    if reading is None or now - reading.observed_at > max_age_seconds:
        return GuardDecision("unknown_budget", plan)
    threshold = shed_below_percent.get(plan)
    if threshold is not None and reading.remaining_percent < threshold:
        return GuardDecision("shed", plan)
    return GuardDecision("passed", plan)
