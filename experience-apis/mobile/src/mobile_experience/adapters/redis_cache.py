"""`Cache` on Redis: values with a time to live; a Redis that fails only costs cache hits."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence

from redis.exceptions import RedisClusterException, RedisError

from trivium.redis_client import AsyncRedis

log = logging.getLogger(__name__)

# A cluster client reports an unreachable cluster with RedisClusterException, not a RedisError.
CACHE_ERRORS = (RedisError, RedisClusterException)


class RedisCache:
    def __init__(self, client: AsyncRedis) -> None:
        self._redis = client

    async def get_many(self, keys: Sequence[str]) -> list[bytes | None]:
        if not keys:
            return []
        try:
            # GETs in a pipeline rather than one MGET: a cluster client splits a pipeline by
            # slot, while MGET must name keys of one slot, and these name several accounts.
            async with self._redis.pipeline(transaction=False) as pipe:
                for key in keys:
                    pipe.get(key)
                values = await pipe.execute()
        except CACHE_ERRORS as error:
            log.warning("cache.read_failed", extra={"error": type(error).__name__})
            return [None] * len(keys)
        # The client is made without decode_responses: values come back as bytes.
        return [value.encode() if isinstance(value, str) else value for value in values]

    async def set_many(self, values: Mapping[str, bytes], *, ttl_seconds: float) -> None:
        if not values or ttl_seconds <= 0:
            return
        milliseconds = max(1, round(ttl_seconds * 1000))
        try:
            async with self._redis.pipeline(transaction=False) as pipe:
                for key, value in values.items():
                    pipe.set(key, value, px=milliseconds)
                await pipe.execute()
        except CACHE_ERRORS as error:
            log.warning("cache.write_failed", extra={"error": type(error).__name__})
