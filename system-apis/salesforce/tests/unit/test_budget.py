"""When the Salesforce System API publishes the org's API budget to Redis."""

from __future__ import annotations

import pytest
import redis.asyncio

from salesforce_system.adapters.salesforce.budget import BUDGET_KEY, BudgetTracker

pytestmark = pytest.mark.asyncio


async def published_used(client: redis.asyncio.Redis) -> int | None:
    value = await client.hget(BUDGET_KEY, "used")
    return int(value) if value is not None else None


class TestObserve:
    async def test_first_reading_is_published(self, redis_client: redis.asyncio.Redis) -> None:
        tracker = BudgetTracker(redis_client)
        await tracker.observe("api-usage=18/15000")
        assert await published_used(redis_client) == 18
        assert await redis_client.hget(BUDGET_KEY, "remaining") == b"14982"

    @pytest.mark.parametrize(
        ("interval_seconds", "first", "second", "published"),
        [
            pytest.param(3600, 110, 150, 110, id="same-percent-waits-for-the-interval"),
            pytest.param(3600, 100, 101, 101, id="new-whole-percent-at-once"),
            pytest.param(0, 100, 110, 110, id="after-the-interval-refreshed"),
        ],
    )
    async def test_a_later_reading_is_published_when_it_is_news_or_due(
        self,
        redis_client: redis.asyncio.Redis,
        interval_seconds: int,
        first: int,
        second: int,
        published: int,
    ) -> None:
        tracker = BudgetTracker(redis_client, publish_interval_seconds=interval_seconds)
        await tracker.observe(f"api-usage={first}/10000")
        await tracker.observe(f"api-usage={second}/10000")
        assert await published_used(redis_client) == published
        assert tracker.latest is not None
        assert tracker.latest.used == second

    async def test_exhaustion_is_published_at_once(self, redis_client: redis.asyncio.Redis) -> None:
        tracker = BudgetTracker(redis_client, publish_interval_seconds=3600)
        await tracker.observe("api-usage=9999/10000")
        await tracker.mark_exhausted()
        assert await redis_client.hget(BUDGET_KEY, "remaining") == b"0"
