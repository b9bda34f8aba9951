"""The org's daily API budget as Salesforce reports it on every response.

The last reading is published to Redis (hash `trivium:salesforce:api-budget`, fields `used`, `max`,
`remaining`, `observed_at` as epoch seconds) for the gateway's budget guard and every replica, and
exported as the `trivium_salesforce_api_budget_remaining` metric. Every response carries a
reading, but a Redis write per Salesforce call would add a round trip to each of them: a reading
is published when the whole percentage of the budget left changes (the gateway's shedding
thresholds are percentages), when the budget is exhausted, or once `publish_interval_seconds`
has passed since the last one (so `observed_at` stays fresh).
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass

from trivium.metrics import SALESFORCE_API_BUDGET
from trivium.redis_client import AsyncRedis

BUDGET_KEY = "trivium:salesforce:api-budget"
_API_USAGE = re.compile(r"api-usage=(\d+)/(\d+)")


@dataclass(frozen=True)
class BudgetReading:
    used: int
    max: int
    observed_at: float

    @property
    def remaining(self) -> int:
        return max(self.max - self.used, 0)

    @property
    def percent_left(self) -> int:
        """Whole percent of the budget left (0 when there is no budget at all)."""
        return self.remaining * 100 // self.max if self.max > 0 else 0


def parse_limit_info(header: str | None) -> BudgetReading | None:
    """`api-usage=18/15000; per-app-api-usage=...` → used 18 of 15000; None if absent."""
    if not header:
        return None
    match = _API_USAGE.search(header)
    if match is None:
        return None
    return BudgetReading(int(match.group(1)), int(match.group(2)), time.time())


class BudgetTracker:
    """Keeps the latest reading in process and publishes it to Redis and the metric."""

    def __init__(self, redis_client: AsyncRedis, *, publish_interval_seconds: float = 1.0) -> None:
        self._redis = redis_client
        self.publish_interval_seconds = publish_interval_seconds
        self.latest: BudgetReading | None = None
        self._published: BudgetReading | None = None

    def _worth_publishing(self, reading: BudgetReading) -> bool:
        last = self._published
        return (
            last is None
            or reading.remaining == 0
            or reading.percent_left != last.percent_left
            or reading.max != last.max
            or reading.observed_at - last.observed_at >= self.publish_interval_seconds
        )

    async def observe(self, header: str | None) -> None:
        """Record the budget reported by one response (published when it matters)."""
        reading = parse_limit_info(header)
        if reading is None:
            return
        self.latest = reading
        SALESFORCE_API_BUDGET.set(reading.remaining)
        if not self._worth_publishing(reading):
            return
        self._published = reading
        await self._redis.hset(
            BUDGET_KEY,
            mapping={
                "used": reading.used,
                "max": reading.max,
                "remaining": reading.remaining,
                "observed_at": f"{reading.observed_at:.3f}",
            },
        )

    async def mark_exhausted(self) -> None:
        """Salesforce refused a call for the limit: publish zero remaining."""
        maximum = self.latest.max if self.latest else 0
        await self.observe(f"api-usage={maximum}/{maximum}")

    async def remaining(self) -> int | None:
        """Remaining calls by the freshest reading (this replica's or another's)."""
        if self.latest is not None:
            return self.latest.remaining
        value = await self._redis.hget(BUDGET_KEY, "remaining")
        return int(value) if value is not None else None
