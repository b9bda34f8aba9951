"""A saga store keeps each state with its status, its wake-up and its place in the attention
index, and lets a service add its own listings to the same save."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from enum import StrEnum

import pytest
import redis.asyncio
from pydantic import BaseModel

from trivium.locks import Held, LeaseLocks, LeaseLost
from trivium.saga_store import RedisSagaStore
from trivium.write_batch import WriteBatch

pytestmark = pytest.mark.asyncio

NOW = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


class LedgerStatus(StrEnum):
    OPEN = "open"
    NEEDS_ATTENTION = "needs_attention"


class Ledger(BaseModel):
    id: str
    status: LedgerStatus = LedgerStatus.OPEN


class LedgerStore(RedisSagaStore[Ledger]):
    def __init__(self, client: redis.asyncio.Redis) -> None:
        super().__init__(
            client,
            prefix="{ledger}",
            kind="ledger",
            load=Ledger.model_validate_json,
            retention=timedelta(days=1),
        )

    def list_saved(self, writes: WriteBatch, state: Ledger) -> None:
        writes.zadd(f"{self.prefix}:ledgers", {state.id: 0})


@pytest.fixture
def store(redis_client: redis.asyncio.Redis) -> LedgerStore:
    return LedgerStore(redis_client)


class TestSave:
    async def test_a_saved_state_is_read_back_listed_and_expires(
        self, store: LedgerStore, redis_client: redis.asyncio.Redis
    ) -> None:
        await store.save(Ledger(id="01A"), wake_at=None)
        assert await store.get("01A") == Ledger(id="01A")
        assert await store.get("01B") is None
        assert await redis_client.hget("{ledger}:ledger:01A", "status") == b"open"
        assert 0 < await redis_client.pttl("{ledger}:ledger:01A") <= 86_400_000
        assert await redis_client.zrange("{ledger}:ledgers", 0, -1) == [b"01A"]

    async def test_the_attention_index_follows_the_status(self, store: LedgerStore) -> None:
        for saga_id in ("01A", "01B", "01C"):
            await store.save(Ledger(id=saga_id, status=LedgerStatus.NEEDS_ATTENTION), wake_at=None)
        await store.save(Ledger(id="01B"), wake_at=None)
        first, after = await store.list_needing_attention(limit=1, after=None)
        rest, end = await store.list_needing_attention(limit=5, after=after)
        assert [saga.id for saga in first + rest] == ["01C", "01A"]
        assert end is None


class TestTakeDue:
    async def test_due_sagas_are_taken_and_rearmed(self, store: LedgerStore) -> None:
        await store.save(Ledger(id="01A"), wake_at=NOW)
        await store.save(Ledger(id="01B"), wake_at=NOW + timedelta(minutes=5))
        await store.save(Ledger(id="01C"), wake_at=NOW)
        await store.save(Ledger(id="01C"), wake_at=None)
        recheck = NOW + timedelta(minutes=2)
        assert await store.take_due(now=NOW, limit=10, recheck_at=recheck) == ["01A"]
        assert await store.take_due(now=NOW, limit=10, recheck_at=recheck) == []
        assert await store.take_due(now=recheck, limit=10, recheck_at=NOW) == ["01A"]


class TestSaveWhileHeld:
    async def test_a_holder_saves_while_its_lock_is_its_own(
        self, store: LedgerStore, redis_client: redis.asyncio.Redis
    ) -> None:
        locks = LeaseLocks(redis_client, lease_seconds=5, prefix="{ledger}")
        async with locks.hold("01A") as held:
            await store.save(Ledger(id="01A"), wake_at=NOW, held=held)
        assert await store.get("01A") == Ledger(id="01A")
        assert await redis_client.zrange("{ledger}:ledgers", 0, -1) == [b"01A"]
        assert await redis_client.zscore("{ledger}:wakeups", "01A") == NOW.timestamp() * 1000

    async def test_a_holder_whose_lease_ran_out_overwrites_nothing(
        self, store: LedgerStore, redis_client: redis.asyncio.Redis
    ) -> None:
        locks = LeaseLocks(redis_client, lease_seconds=5, prefix="{ledger}")
        async with locks.hold("01A") as stalled:
            # The stalled holder's lease ran out and the next holder saved a newer state.
            await redis_client.delete(stalled.key)
            async with locks.hold("01A") as next_holder:
                newer = Ledger(id="01A", status=LedgerStatus.NEEDS_ATTENTION)
                await store.save(newer, wake_at=None, held=next_holder)
            with pytest.raises(LeaseLost):
                await store.save(Ledger(id="01A"), wake_at=NOW, held=stalled)
        assert await store.get("01A") == newer
        assert await redis_client.zscore("{ledger}:wakeups", "01A") is None

    async def test_a_lock_that_was_never_taken_saves_nothing(self, store: LedgerStore) -> None:
        with pytest.raises(LeaseLost):
            await store.save(Ledger(id="01B"), wake_at=None, held=Held("{ledger}:lock:01B"))
        assert await store.get("01B") is None
