"""The leader lease and its fencing token, on a real Redis."""

from __future__ import annotations

import pytest
import redis.asyncio

from customer_sync_process.adapters.redis_state import RedisSyncState, leader_lease
from trivium.locks import FencedLease, LeaseLost
from trivium.write_batch import WriteBatch

pytestmark = pytest.mark.asyncio


def lease(client: redis.asyncio.Redis, holder: str, ttl: float = 30) -> FencedLease:
    return leader_lease(client, holder=holder, ttl_seconds=ttl)


class TestAcquire:
    async def test_one_holder_at_a_time(self, redis_db: redis.asyncio.Redis) -> None:
        first, second = lease(redis_db, "a"), lease(redis_db, "b")

        assert await first.acquire() == 1
        assert await second.acquire() == 0
        assert await first.acquire() == 1  # renewing keeps the token

    async def test_taken_over_with_a_higher_token_when_the_holder_dies(
        self, redis_db: redis.asyncio.Redis
    ) -> None:
        first, second = lease(redis_db, "a"), lease(redis_db, "b")
        await first.acquire()
        assert 0 < await redis_db.pttl(first.key) <= 30_000

        # The holder died: it stops renewing and the lease runs out (now: a TTL of 0).
        await redis_db.pexpire(first.key, 0)

        assert await second.acquire() == 2
        assert await second.holder_now() == "b"


class TestFencedWrite:
    async def test_stale_token_is_refused(self, redis_db: redis.asyncio.Redis) -> None:
        first, second = lease(redis_db, "a"), lease(redis_db, "b")
        state = RedisSyncState(redis_db, fence_key=first.fence_key, audit_max_length=1_000)
        stale = await first.acquire()
        await first.release()
        await second.acquire()

        with pytest.raises(LeaseLost):
            await state.write(stale, WriteBatch().set(state.key("cdc-test"), "1"))

        assert not await state.exists("cdc-test")

    async def test_batch_is_applied_together(self, redis_db: redis.asyncio.Redis) -> None:
        holder = lease(redis_db, "a")
        state = RedisSyncState(redis_db, fence_key=holder.fence_key, audit_max_length=1_000)
        fence = await holder.acquire()
        writes = (
            WriteBatch()
            .set(state.key("x"), "1")
            .hset(state.key("h"), {"a": "1"})
            .incr(state.key("stats"), "echoes", 2)
            .xadd(state.audit_stream, {"fields": "[]", "before": "{}", "after": "{}"},
                  max_length=1_000)
        )  # fmt: skip

        await state.write(fence, writes)

        assert await state.get_text("x") == "1"
        assert await state.get_hash("h") == {"a": "1"}
        assert await state.stats() == {"echoes": 2}
        assert len(await state.audit_entries(count=5)) == 1
