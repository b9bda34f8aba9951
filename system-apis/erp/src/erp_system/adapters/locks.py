"""Per-key locks: in Redis across replicas, or in this process for tests."""

from __future__ import annotations

import asyncio
import hashlib
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from trivium.redis_client import AsyncRedis

# Deletes the lock only for its owner, so a holder whose lease lapsed cannot free a newer one.
_RELEASE_IF_OWNER = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
"""
_FIRST_POLL_SECONDS = 0.02
_MAX_POLL_SECONDS = 0.2


class RedisKeyLock:
    """SET NX with a lease; waiters poll with capped backoff until `wait_seconds` run out."""

    def __init__(
        self,
        client: AsyncRedis,
        *,
        namespace: str,
        lease_seconds: float = 60.0,
        wait_seconds: float = 10.0,
    ) -> None:
        self._client = client
        self._namespace = namespace
        self._lease_ms = max(1, round(lease_seconds * 1000))
        self._wait_seconds = wait_seconds
        self._release = client.register_script(_RELEASE_IF_OWNER)

    def _redis_key(self, key: str) -> str:
        return f"trivium:lock:{self._namespace}:{hashlib.sha256(key.encode()).hexdigest()}"

    @asynccontextmanager
    async def hold(self, key: str) -> AsyncIterator[None]:
        redis_key = self._redis_key(key)
        owner = secrets.token_hex(16)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self._wait_seconds
        pause = _FIRST_POLL_SECONDS
        while not await self._client.set(redis_key, owner, nx=True, px=self._lease_ms):
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError(f"lock {key!r} is still held")
            await asyncio.sleep(min(pause, remaining))
            pause = min(pause * 2, _MAX_POLL_SECONDS)
        try:
            yield
        finally:
            await self._release(keys=[redis_key], args=[owner])


class LocalKeyLock:
    """The same contract within one process (unit tests, single-replica tools)."""

    def __init__(self, *, wait_seconds: float = 10.0) -> None:
        self._locks: dict[str, asyncio.Lock] = {}
        self._wait_seconds = wait_seconds

    @asynccontextmanager
    async def hold(self, key: str) -> AsyncIterator[None]:
        lock = self._locks.setdefault(key, asyncio.Lock())
        try:
            await asyncio.wait_for(lock.acquire(), self._wait_seconds)
        except TimeoutError as error:
            raise TimeoutError(f"lock {key!r} is still held") from error
        try:
            yield
        finally:
            lock.release()
