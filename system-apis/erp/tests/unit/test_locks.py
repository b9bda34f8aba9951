"""The per-key lock on a real Redis: exclusion, waiting, and leases that lapse."""

from __future__ import annotations

import asyncio

import pytest
import redis.asyncio

from erp_system.adapters.locks import RedisKeyLock


class TestHold:
    @pytest.mark.asyncio
    async def test_second_holder_waits_for_the_first(
        self, redis_client: redis.asyncio.Redis
    ) -> None:
        # The wait only ends a test that hangs.
        lock = RedisKeyLock(redis_client, namespace="unit", wait_seconds=30)
        events: list[str] = []

        async def hold(name: str) -> None:
            async with lock.hold("order:SF-1"):
                events.append(f"{name} in")
                await asyncio.sleep(0.05)
                events.append(f"{name} out")

        await asyncio.gather(hold("a"), hold("b"))
        assert events in (["a in", "a out", "b in", "b out"], ["b in", "b out", "a in", "a out"])

    @pytest.mark.asyncio
    async def test_gives_up_after_the_wait(self, redis_client: redis.asyncio.Redis) -> None:
        lock = RedisKeyLock(redis_client, namespace="unit", wait_seconds=0.1)
        async with lock.hold("order:SF-2"):
            with pytest.raises(TimeoutError):
                async with lock.hold("order:SF-2"):
                    pytest.fail("the lock was taken twice")

    @pytest.mark.asyncio
    async def test_lapsed_holder_does_not_free_the_next_one(
        self, redis_client: redis.asyncio.Redis
    ) -> None:
        lock = RedisKeyLock(redis_client, namespace="unit", lease_seconds=60, wait_seconds=30)
        first_holds = asyncio.Event()
        taken_over = asyncio.Event()
        first_left = asyncio.Event()

        async def slow_first() -> None:
            async with lock.hold("order:SF-3"):
                first_holds.set()
                await taken_over.wait()  # its lease lapsed and another holder took the key
            first_left.set()

        async def second() -> int:
            await first_holds.wait()
            [key] = await redis_client.keys("trivium:lock:unit:*")
            await redis_client.pexpire(key, 1)  # the first holder's lease runs out
            async with lock.hold("order:SF-3"):
                taken_over.set()
                await first_left.wait()
                return len(await redis_client.keys("trivium:lock:unit:*"))

        _, keys_while_second_holds = await asyncio.gather(slow_first(), second())
        assert keys_while_second_holds == 1

    @pytest.mark.asyncio
    async def test_different_keys_do_not_wait(self, redis_client: redis.asyncio.Redis) -> None:
        lock = RedisKeyLock(redis_client, namespace="unit", wait_seconds=0.1)
        async with lock.hold("order:SF-4"), lock.hold("order:SF-5"):
            assert len(await redis_client.keys("trivium:lock:unit:*")) == 2
