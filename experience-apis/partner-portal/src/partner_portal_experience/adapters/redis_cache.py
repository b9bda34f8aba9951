"""`Cache` on Redis: values with a lifetime under one key prefix. A Redis that cannot answer
makes the cache behave as empty (the request is served from the systems), never fail."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from redis.exceptions import RedisClusterException, RedisError

from trivium.redis_client import AsyncRedis

log = logging.getLogger(__name__)

DEFAULT_PREFIX = "partner-portal:"
# A cluster client reports an unreachable cluster with RedisClusterException, not a RedisError.
CACHE_ERRORS = (RedisError, RedisClusterException)


class RedisCache:
    def __init__(self, client: AsyncRedis, *, prefix: str = DEFAULT_PREFIX) -> None:
        self.prefix = prefix
        self._redis = client

    async def get_many(self, keys: Sequence[str]) -> list[bytes | None]:
        if not keys:
            return []
        try:
            # GETs in a pipeline rather than one MGET: a cluster client splits a pipeline by
            # slot, while MGET must name keys of one slot, and these are one per ERP order.
            async with self._redis.pipeline(transaction=False) as pipe:
                for key in keys:
                    pipe.get(self.prefix + key)
                values = await pipe.execute()
        except CACHE_ERRORS as error:
            log.warning("cache.read_failed", extra={"error": type(error).__name__})
            return [None] * len(keys)
        return [value.encode() if isinstance(value, str) else value for value in values]

    async def set(self, key: str, value: bytes, *, ttl_seconds: float) -> None:
        try:
            await self._redis.set(self.prefix + key, value, px=max(1, round(ttl_seconds * 1000)))
        except CACHE_ERRORS as error:
            log.warning("cache.write_failed", extra={"error": type(error).__name__})
