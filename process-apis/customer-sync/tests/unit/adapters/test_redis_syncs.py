"""Product sync statuses in Redis."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import redis.asyncio

from customer_sync_process.adapters.redis_syncs import RedisSyncs
from customer_sync_process.domain.models import SyncRead, SyncState

pytestmark = pytest.mark.asyncio


def running(sync_id: str) -> SyncRead:
    return SyncRead(
        id=sync_id, status=SyncState.RUNNING, trigger="request", started_at=datetime.now(UTC)
    )


class TestGet:
    async def test_running_while_its_lock_is_held(self, redis_db: redis.asyncio.Redis) -> None:
        syncs = RedisSyncs(redis_db, retention_days=1)
        await syncs.claim("sync-1")
        await syncs.save(running("sync-1"))

        sync = await syncs.get("sync-1")

        assert sync is not None
        assert sync.status is SyncState.RUNNING

    async def test_failed_when_its_replica_died(self, redis_db: redis.asyncio.Redis) -> None:
        syncs = RedisSyncs(redis_db, retention_days=1)
        await syncs.save(running("sync-2"))  # its lock expired with the replica

        sync = await syncs.get("sync-2")

        assert sync is not None
        assert sync.status is SyncState.FAILED
        assert sync.error is not None
