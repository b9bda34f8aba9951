"""The Redis cache: values with a time to live under a prefix; a Redis that cannot answer is an
empty cache, never a failure."""

from __future__ import annotations

import logging

import pytest
import redis.asyncio

from trivium.cache import RedisCache

pytestmark = pytest.mark.asyncio


class TestRedisCache:
    async def test_values_come_back_by_key_and_missing_ones_as_none(
        self, redis_client: redis.asyncio.Redis
    ) -> None:
        cache = RedisCache(redis_client)
        assert await cache.set_many({"a": b"1", "b": b"2"}, ttl_seconds=60) is True
        assert await cache.get_many(["b", "missing", "a"]) == [b"2", None, b"1"]

    async def test_keys_are_stored_under_the_prefix_with_their_lifetime(
        self, redis_client: redis.asyncio.Redis
    ) -> None:
        cache = RedisCache(redis_client, prefix="portal:")
        await cache.set("partner:P-1", b"{}", ttl_seconds=30)
        assert await redis_client.keys("*") == [b"portal:partner:P-1"]
        assert 29_000 < await redis_client.pttl("portal:partner:P-1") <= 30_000
        assert await cache.get_many(["partner:P-1"]) == [b"{}"]

    async def test_a_lifetime_of_zero_stores_nothing(
        self, redis_client: redis.asyncio.Redis
    ) -> None:
        assert await RedisCache(redis_client).set_many({"a": b"1"}, ttl_seconds=0) is False
        assert await redis_client.keys("*") == []

    async def test_no_keys_ask_nothing(self, redis_client: redis.asyncio.Redis) -> None:
        assert await RedisCache(redis_client).get_many([]) == []

    async def test_a_redis_that_cannot_answer_is_an_empty_cache(
        self, caplog: pytest.LogCaptureFixture
    ) -> None:
        # Port 1 on loopback: nothing listens, the connection is refused at once.
        unreachable = redis.asyncio.Redis.from_url("redis://127.0.0.1:1/0")
        cache = RedisCache(unreachable)
        with caplog.at_level(logging.WARNING, logger="trivium.cache"):
            assert await cache.set_many({"a": b"1"}, ttl_seconds=60) is False
            assert await cache.get_many(["a", "b"]) == [None, None]
        await unreachable.aclose()
        assert [r.message for r in caplog.records] == ["cache.write_failed", "cache.read_failed"]
