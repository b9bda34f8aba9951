"""Lease locks, owned keys and fenced leases on a real Redis."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest
import redis.asyncio
from redis.asyncio.lock import Lock

from trivium.locks import FencedLease, FencedWriter, LeaseLocks, OwnedKeys
from trivium_testing.lost_cancellation import cancellation_losing_client
from trivium_testing.waiting import until

# Only a hang ends a block this late; the block itself takes a few milliseconds.
HANG_SECONDS = 30


def locks(
    client: redis.asyncio.Redis, *, lease_seconds: float = 5, wait_seconds: float = 0
) -> LeaseLocks:
    return LeaseLocks(client, lease_seconds=lease_seconds, prefix="{t}", wait_seconds=wait_seconds)


def leader(client: redis.asyncio.Redis, holder: str, *, lease_seconds: float = 30) -> FencedLease:
    return FencedLease(
        client, key="{t}:lease", fence_key="{t}:fence", holder=holder, lease_seconds=lease_seconds
    )


class TestLeaseLocks:
    def test_a_lease_must_be_positive(self, redis_client: redis.asyncio.Redis) -> None:
        with pytest.raises(ValueError, match="lease_seconds"):
            locks(redis_client, lease_seconds=0)

    def test_a_wait_must_not_be_negative(self, redis_client: redis.asyncio.Redis) -> None:
        with pytest.raises(ValueError, match="wait_seconds"):
            locks(redis_client, wait_seconds=-1)

    def test_the_key_carries_the_prefix(self, redis_client: redis.asyncio.Redis) -> None:
        assert locks(redis_client).key("A") == "{t}:lock:A"

    def test_hashed_names_enter_the_key_as_their_digest(
        self, redis_client: redis.asyncio.Redis
    ) -> None:
        lock = LeaseLocks(redis_client, lease_seconds=5, prefix="{t}", hashed=True)
        digest = "559aead08264d5795d3909718cdd05abd49572e84fe55590eef31a88a08fdffd"
        assert lock.key("A") == f"{{t}}:lock:{digest}"

    def test_a_namespace_follows_the_lock_part(self, redis_client: redis.asyncio.Redis) -> None:
        lock = LeaseLocks(redis_client, lease_seconds=5, prefix="trivium", namespace="erp-system")
        assert lock.key("A") == "trivium:lock:erp-system:A"


@pytest.mark.asyncio
class TestHold:
    async def test_one_holder_at_a_time_and_free_after_the_block(
        self, redis_client: redis.asyncio.Redis
    ) -> None:
        lock = locks(redis_client)
        async with lock.hold("A") as first:
            async with lock.hold("A") as second:
                assert (bool(first), bool(second)) == (True, False)
            async with lock.hold("B") as other:
                assert other
        async with lock.hold("A") as again:
            assert again
        assert await redis_client.exists(lock.key("A")) == 0

    async def test_a_field_is_read_as_the_lock_is_taken(
        self, redis_client: redis.asyncio.Redis
    ) -> None:
        lock = locks(redis_client)
        await redis_client.hset("{t}:state:A", "data", "saved")
        reading = ("{t}:state:A", "data")
        async with (
            lock.hold("A", reading=reading) as first,
            lock.hold("A", reading=reading) as second,
        ):
            assert (first.read, second.read, bool(second)) == (b"saved", None, False)
        async with lock.hold("B", reading=("{t}:state:B", "data")) as nothing_there:
            assert (bool(nothing_there), nothing_there.read) == (True, None)

    async def test_commands_along_run_in_every_try_and_the_taking_one_is_kept(
        self, redis_client: redis.asyncio.Redis
    ) -> None:
        lock = locks(redis_client)

        def count(pipe: Any) -> None:
            pipe.incr("{t}:tries:A")

        async with lock.hold("A", along=count) as first, lock.hold("A", along=count) as second:
            assert (first.read, bool(second)) == ([1], False)
            assert await redis_client.get("{t}:tries:A") == b"2"
        with pytest.raises(ValueError, match="either reading or along"):
            async with lock.hold("A", reading=("{t}:state:A", "data"), along=count):
                pass

    async def test_a_lock_ends_with_its_lease_if_its_holder_vanishes(
        self, redis_client: redis.asyncio.Redis
    ) -> None:
        lock = locks(redis_client, lease_seconds=3)
        async with lock.hold("A") as held:
            assert held
            assert 0 < await redis_client.pttl(lock.key("A")) <= 3_000

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

    async def test_the_block_ends_and_frees_the_lock_when_the_renewals_cancellation_is_lost(
        self, redis_url: str
    ) -> None:
        client = cancellation_losing_client(redis_url)
        try:
            # A lease no pause of this test outlasts: only the end of the block ends its renewal.
            lock = locks(client, lease_seconds=3)
            async with asyncio.timeout(HANG_SECONDS):
                async with lock.hold("A") as held:
                    assert held
                    await client.lose_next_cancellation(Lock.LUA_REACQUIRE_SCRIPT).wait()
            assert client.lost.is_set()
            assert await client.exists(lock.key("A")) == 0
            async with lock.hold("A") as again:
                assert again
        finally:
            await client.aclose()

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
                    return any(r.message == "lease.lost" for r in caplog.records)

                await until(renewal_refused)
        assert await redis_client.get(lock.key("A")) == b"the next holder"
        assert await redis_client.pttl(lock.key("A")) > 50_000


@pytest.mark.asyncio
class TestHoldWaiting:
    async def test_a_second_holder_waits_for_the_first(
        self, redis_client: redis.asyncio.Redis
    ) -> None:
        # The wait only ends a test that hangs.
        lock = locks(redis_client, wait_seconds=30)
        second_client = CommandCountingRedis(connection_pool=redis_client.connection_pool)
        events: list[str] = []

        async def second() -> None:
            async with locks(second_client, wait_seconds=30).hold("A") as held:
                events.append(f"second holds: {bool(held)}")

        async with lock.hold("A") as first:
            assert first
            waiting = asyncio.create_task(second())
            await until(lambda: "SET" in second_client.sent, what="the second holder tried")
            events.append("first leaves")
        await waiting

        assert events == ["first leaves", "second holds: True"]

    async def test_gives_up_when_the_wait_runs_out(self, redis_client: redis.asyncio.Redis) -> None:
        lock = locks(redis_client, wait_seconds=0.1)
        async with lock.hold("A") as first, lock.hold("A") as second:
            assert (bool(first), bool(second)) == (True, False)
        assert await redis_client.exists(lock.key("A")) == 0

    async def test_a_lock_whose_holder_vanished_is_taken_once_its_lease_ends(
        self, redis_client: redis.asyncio.Redis
    ) -> None:
        lock = locks(redis_client, wait_seconds=30)
        await redis_client.set(lock.key("A"), "a holder that died", px=200)
        async with lock.hold("A") as held:
            assert held
            assert await redis_client.get(lock.key("A")) != b"a holder that died"


@pytest.mark.asyncio
class TestOwnedKeys:
    async def test_only_the_owner_renews_and_releases(
        self, redis_client: redis.asyncio.Redis
    ) -> None:
        keys = OwnedKeys(redis_client, lease_seconds=30)
        assert await keys.take("{t}:k", "sync-1")
        assert not await keys.take("{t}:k", "sync-2")
        assert await keys.owner("{t}:k") == "sync-1"

        assert not await keys.renew("{t}:k", "sync-2")
        assert not await keys.release("{t}:k", "sync-2")
        await redis_client.pexpire("{t}:k", 600_000)
        assert await keys.renew("{t}:k", "sync-1")
        assert 0 < await redis_client.pttl("{t}:k") <= 30_000

        assert await keys.release("{t}:k", "sync-1")
        assert await keys.owner("{t}:k") is None
        assert not await keys.renew("{t}:k", "sync-1")

    async def test_an_owner_may_be_any_bytes(self, redis_client: redis.asyncio.Redis) -> None:
        keys = OwnedKeys(redis_client, lease_seconds=30)
        record = b'{"state":"running"}\n\x00\xff'
        assert await keys.take("{t}:k", record)
        assert not await keys.release("{t}:k", record + b"x")
        assert await keys.release("{t}:k", record)


@pytest.mark.asyncio
class TestFencedLease:
    async def test_one_holder_at_a_time_keeping_its_fence_while_it_renews(
        self, redis_client: redis.asyncio.Redis
    ) -> None:
        first, second = leader(redis_client, "a"), leader(redis_client, "b")

        assert await first.acquire() == 1
        assert await second.acquire() == 0
        await redis_client.pexpire(first.key, 600_000)
        assert await first.acquire() == 1
        assert 0 < await redis_client.pttl(first.key) <= 30_000
        assert await second.holder_now() == "a"

    async def test_every_new_holder_gets_a_higher_fence(
        self, redis_client: redis.asyncio.Redis
    ) -> None:
        first, second = leader(redis_client, "a"), leader(redis_client, "b")
        assert await first.acquire() == 1

        await redis_client.pexpire(first.key, 0)  # the holder died; its lease ran out
        assert await second.acquire() == 2
        assert await first.acquire() == 0

        assert not await first.release()
        assert await second.release()
        assert await first.acquire() == 3
        assert await first.holder_now() == "a"


@pytest.mark.asyncio
class TestFencedWriter:
    async def test_the_current_holder_writes_a_batch_at_once(
        self, redis_client: redis.asyncio.Redis
    ) -> None:
        lease = leader(redis_client, "a")
        writer = FencedWriter(redis_client, fence_key=lease.fence_key)
        fence = await lease.acquire()

        written = await writer.write(
            fence,
            keys=["{t}:x", "{t}:h"],
            commands=[["SET", 1, "1"], ["HSET", 2, "f", "v"], ["HINCRBY", 2, "n", 2]],
        )

        assert written
        assert await redis_client.get("{t}:x") == b"1"
        assert await redis_client.hgetall("{t}:h") == {b"f": b"v", b"n": b"2"}

    async def test_a_stale_fence_writes_nothing(self, redis_client: redis.asyncio.Redis) -> None:
        first, second = leader(redis_client, "a"), leader(redis_client, "b")
        writer = FencedWriter(redis_client, fence_key=first.fence_key)
        stale = await first.acquire()
        await first.release()
        await second.acquire()

        written = await writer.write(stale, keys=["{t}:x"], commands=[["SET", 1, "1"]])

        assert not written
        assert await redis_client.exists("{t}:x") == 0


class CommandCountingRedis(redis.asyncio.Redis):
    """A real client that keeps the names of the commands it sent (a lock's every attempt is a
    SET): the server's statistics also count what other tests' services send meanwhile."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.sent: list[str] = []

    async def execute_command(self, *args: Any, **options: Any) -> Any:
        self.sent.append(str(args[0]).upper())
        return await super().execute_command(*args, **options)
