"""Lease locks on a real Redis."""

from __future__ import annotations

import asyncio

import pytest
import redis.asyncio

from trivium.locks import LeaseLocks


def locks(client: redis.asyncio.Redis, *, lease_seconds: float = 5) -> LeaseLocks:
    return LeaseLocks(client, lease_seconds=lease_seconds, prefix="{t}")


class TestLeaseLocks:
    def test_a_lease_must_be_positive(self, redis_client: redis.asyncio.Redis) -> None:
        with pytest.raises(ValueError, match="lease_seconds"):
            locks(redis_client, lease_seconds=0)

    def test_the_key_carries_the_prefix(self, redis_client: redis.asyncio.Redis) -> None:
        assert locks(redis_client).key("A") == "{t}:lock:A"


class TestHold:
    @pytest.mark.asyncio
    async def test_one_holder_at_a_time_and_free_after_the_block(
        self, redis_client: redis.asyncio.Redis
    ) -> None:
        lock = locks(redis_client)
        async with lock.hold("A") as first:
            async with lock.hold("A") as second:
                assert (first, second) == (True, False)
            async with lock.hold("B") as other:
                assert other
        async with lock.hold("A") as again:
            assert again
        assert await redis_client.exists(lock.key("A")) == 0

    @pytest.mark.asyncio
    async def test_the_lease_is_renewed_while_held_and_ends_if_the_holder_vanishes(
        self, redis_client: redis.asyncio.Redis
    ) -> None:
        lock = locks(redis_client, lease_seconds=0.3)
        async with lock.hold("A") as held:
            assert held
            await asyncio.sleep(0.5)
            async with lock.hold("A") as contender:
                assert not contender
        await redis_client.set(lock.key("A"), "a dead holder", px=200)
        await asyncio.sleep(0.3)
        async with lock.hold("A") as after_expiry:
            assert after_expiry

    @pytest.mark.asyncio
    async def test_a_holder_whose_lease_lapsed_neither_renews_nor_frees_the_next_holders_lock(
        self, redis_client: redis.asyncio.Redis
    ) -> None:
        lock = locks(redis_client, lease_seconds=0.3)
        async with lock.hold("A") as held:
            assert held
            # The lease lapses (a long pause of the holder) and another process takes the lock.
            await redis_client.set(lock.key("A"), "the next holder", px=60_000)
            await asyncio.sleep(0.15)
        assert await redis_client.get(lock.key("A")) == b"the next holder"
        assert await redis_client.pttl(lock.key("A")) > 50_000
