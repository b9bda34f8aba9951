"""When the Salesforce System API publishes the org's API budget to Redis."""

from __future__ import annotations

import pytest
import redis.asyncio

from salesforce_system.adapters.salesforce.budget import BUDGET_KEY, BudgetTracker


async def published_used(client: redis.asyncio.Redis) -> int | None:
    value = await client.hget(BUDGET_KEY, "used")
    return int(value) if value is not None else None


class TestObserve:
    @pytest.mark.asyncio
    async def test_first_reading_is_published(self, redis_client: redis.asyncio.Redis) -> None:
        tracker = BudgetTracker(redis_client)
        await tracker.observe("api-usage=18/15000")
        assert await published_used(redis_client) == 18
        assert await redis_client.hget(BUDGET_KEY, "remaining") == b"14982"

    @pytest.mark.asyncio
    async def test_readings_within_the_same_percent_wait_for_the_interval(
        self, redis_client: redis.asyncio.Redis
    ) -> None:
        tracker = BudgetTracker(redis_client, publish_interval_seconds=3600)
        await tracker.observe("api-usage=110/10000")
        await tracker.observe("api-usage=150/10000")
        assert await published_used(redis_client) == 110
        assert tracker.latest is not None
        assert tracker.latest.used == 150

    @pytest.mark.asyncio
    async def test_a_new_whole_percent_is_published_at_once(
        self, redis_client: redis.asyncio.Redis
    ) -> None:
        tracker = BudgetTracker(redis_client, publish_interval_seconds=3600)
        await tracker.observe("api-usage=100/10000")
        await tracker.observe("api-usage=101/10000")
        assert await published_used(redis_client) == 101

    @pytest.mark.asyncio
    async def test_exhaustion_is_published_at_once(self, redis_client: redis.asyncio.Redis) -> None:
        tracker = BudgetTracker(redis_client, publish_interval_seconds=3600)
        await tracker.observe("api-usage=9999/10000")
        await tracker.mark_exhausted()
        assert await redis_client.hget(BUDGET_KEY, "remaining") == b"0"

    @pytest.mark.asyncio
    async def test_after_the_interval_the_reading_is_refreshed(
        self, redis_client: redis.asyncio.Redis
    ) -> None:
        tracker = BudgetTracker(redis_client, publish_interval_seconds=0)
        await tracker.observe("api-usage=100/10000")
        await tracker.observe("api-usage=110/10000")
        assert await published_used(redis_client) == 110
