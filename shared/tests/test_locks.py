"""Lease locks on a real Redis."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

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
    async def test_a_lock_ends_with_its_lease_if_its_holder_vanishes(
        self, redis_client: redis.asyncio.Redis
    ) -> None:
        lock = locks(redis_client, lease_seconds=3)
        async with lock.hold("A") as held:
            assert held
            assert 0 < await redis_client.pttl(lock.key("A")) <= 3_000

    @pytest.mark.asyncio
    async def test_the_lease_is_renewed_while_held(self, redis_client: redis.asyncio.Redis) -> None:
        lock = locks(redis_client, lease_seconds=3)
        key = lock.key("A")
        async with lock.hold("A") as held:
            assert held
            # Stretched far beyond the lease: the holder's next renewal sets it to one lease.
            await redis_client.pexpire(key, 600_000)

            async def renewed() -> bool:
                return 0 < await redis_client.pttl(key) <= 3_000

            await until(renewed)
            async with lock.hold("A") as contender:
                assert not contender

    @pytest.mark.asyncio
    async def test_a_holder_whose_lease_lapsed_neither_renews_nor_frees_the_next_holders_lock(
        self, redis_client: redis.asyncio.Redis, caplog: pytest.LogCaptureFixture
    ) -> None:
        lock = locks(redis_client, lease_seconds=0.3)
        with caplog.at_level(logging.WARNING, logger="trivium.locks"):
            async with lock.hold("A") as held:
                assert held
                # The lease lapses (a long pause of the holder) and another process takes it.
                await redis_client.set(lock.key("A"), "the next holder", px=60_000)

                async def renewal_refused() -> bool:
                    return any(r.message == "lease_lock.lost" for r in caplog.records)

                await until(renewal_refused)
        assert await redis_client.get(lock.key("A")) == b"the next holder"
        assert await redis_client.pttl(lock.key("A")) > 50_000


async def until(check: Callable[[], Awaitable[bool]], *, within_seconds: float = 30) -> None:
    """Wait until `await check()` is true (the deadline only stops a test that hangs)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within_seconds
    while not await check():
        assert loop.time() < deadline, "condition not met"
        await asyncio.sleep(0.01)
