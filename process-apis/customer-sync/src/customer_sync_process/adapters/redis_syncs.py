"""Product syncs in Redis: each sync's status (any replica answers `GET /syncs/{id}`), the lock
that lets one run at a time, and the last sync's size (the next one's expected total)."""

from __future__ import annotations

from customer_sync_process.adapters.redis_state import DEFAULT_PREFIX
from customer_sync_process.domain.models import SyncRead, SyncState
from trivium.locks import OwnedKeys
from trivium.redis_client import AsyncRedis


class RedisSyncs:
    def __init__(
        self, client: AsyncRedis, *, retention_days: int, lock_seconds: float = 120.0,
        prefix: str = DEFAULT_PREFIX,
    ) -> None:  # fmt: skip
        self.prefix = prefix
        self.retention_seconds = retention_days * 86_400
        self.lock_key = f"{prefix}:sync:products:running"
        # The lock's owner is the running sync's id: `get` tells a live sync from a dead one by it.
        self._lock = OwnedKeys(client, lease_seconds=lock_seconds)
        self._redis = client

    def _key(self, sync_id: str) -> str:
        return f"{self.prefix}:sync:{sync_id}"

    async def claim(self, sync_id: str) -> str | None:
        """Take the run lock for `sync_id`; the id of the sync holding it when taken already."""
        if await self._lock.take(self.lock_key, sync_id):
            return None
        return await self._lock.owner(self.lock_key) or ""

    async def renew(self, sync_id: str) -> None:
        await self._lock.renew(self.lock_key, sync_id)

    async def release(self, sync_id: str) -> None:
        await self._lock.release(self.lock_key, sync_id)

    async def save(self, sync: SyncRead) -> None:
        await self._redis.set(self._key(sync.id), sync.model_dump_json(), ex=self.retention_seconds)

    async def get(self, sync_id: str) -> SyncRead | None:
        """The sync; one still marked running whose lock is gone died with its replica."""
        raw = await self._redis.get(self._key(sync_id))
        if raw is None:
            return None
        sync = SyncRead.model_validate_json(raw)
        if sync.status is SyncState.RUNNING and await self._lock.owner(self.lock_key) != sync.id:
            return sync.model_copy(
                update={
                    "status": SyncState.FAILED,
                    "error": "The replica running this sync stopped before it finished.",
                }
            )
        return sync

    async def last_total(self) -> int | None:
        raw = await self._redis.get(f"{self.prefix}:sync:products:last-total")
        return int(raw) if raw is not None else None

    async def remember_total(self, total: int) -> None:
        await self._redis.set(f"{self.prefix}:sync:products:last-total", total)
