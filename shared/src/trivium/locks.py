"""Lease locks in Redis: one holder per name, an owner token, renewal while the holder works.

A holder that dies loses the lock when the lease runs out, so that the lease, not the work, bounds
how long a dead process blocks the others. Renewal and release act only for the owner's token, so
a holder whose lease lapsed can never extend or free a newer holder's lock.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from collections.abc import AsyncIterator

from redis.exceptions import RedisError

from trivium.redis_client import AsyncRedis

log = logging.getLogger(__name__)

_RENEW = """
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
return redis.call('PEXPIRE', KEYS[1], ARGV[2])
"""
_RELEASE = """
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
return redis.call('DEL', KEYS[1])
"""


class LeaseLocks:
    """Locks named `{prefix}:lock:{name}` with a lease of `lease_seconds`, renewed every third
    of it while held; `hold` does not wait for a lock that is taken."""

    def __init__(self, client: AsyncRedis, *, lease_seconds: float, prefix: str) -> None:
        if lease_seconds <= 0:
            raise ValueError("lease_seconds must be positive")
        self.lease_ms = max(1, round(lease_seconds * 1000))
        self.prefix = prefix
        self._redis = client
        self._renew = client.register_script(_RENEW)
        self._release = client.register_script(_RELEASE)

    def key(self, name: str) -> str:
        """The Redis key of the lock `name`."""
        return f"{self.prefix}:lock:{name}"

    @contextlib.asynccontextmanager
    async def hold(self, name: str) -> AsyncIterator[bool]:
        """Hold the lock for the block; yields False (and holds nothing) when it is taken."""
        key = self.key(name)
        token = secrets.token_hex(16)
        if not await self._redis.set(key, token, nx=True, px=self.lease_ms):
            yield False
            return
        keeper = asyncio.create_task(self._keep(key, token))
        try:
            yield True
        finally:
            keeper.cancel()
            await asyncio.gather(keeper, return_exceptions=True)
            try:
                await self._release(keys=[key], args=[token])
            except RedisError as error:
                # The lease ends the lock anyway; only a later holder waits a little longer.
                log.warning(
                    "lease_lock.release_failed", extra={"lock": key, "error": type(error).__name__}
                )

    async def _keep(self, key: str, token: str) -> None:
        while True:
            await asyncio.sleep(self.lease_ms / 3000)
            try:
                if not await self._renew(keys=[key], args=[token, self.lease_ms]):
                    log.warning("lease_lock.lost", extra={"lock": key})
                    return
            except RedisError as error:
                log.warning(
                    "lease_lock.renew_failed", extra={"lock": key, "error": type(error).__name__}
                )
