"""A cache on Redis: values with a time to live, under one key prefix. A Redis that cannot answer
makes the cache behave as empty (the request is served from the systems), never fail."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence

from redis.exceptions import RedisClusterException, RedisError

from trivium.redis_client import AsyncRedis

log = logging.getLogger(__name__)

# A cluster client reports an unreachable cluster with RedisClusterException, not a RedisError.
CACHE_ERRORS = (RedisError, RedisClusterException)


class RedisCache:
    def __init__(self, client: AsyncRedis, *, prefix: str = "") -> None:
        self._redis = client
        self.prefix = prefix

    async def get_many(self, keys: Sequence[str]) -> list[bytes | None]:
        """The value of each key, None where there is none (or Redis cannot answer)."""
        if not keys:
            return []
        try:
            # GETs in a pipeline rather than one MGET: a cluster client splits a pipeline by
            # slot, while MGET must name keys of one slot, and cached keys are of many records.
            async with self._redis.pipeline(transaction=False) as pipe:
                for key in keys:
                    pipe.get(self.prefix + key)
                values = await pipe.execute()
        except CACHE_ERRORS as error:
            log.warning("cache.read_failed", extra={"error": type(error).__name__})
            return [None] * len(keys)
        # The client is made without decode_responses: values come back as bytes.
        return [value.encode() if isinstance(value, str) else value for value in values]

    async def set_many(self, values: Mapping[str, bytes], *, ttl_seconds: float) -> bool:
        """Store every value for `ttl_seconds` (none for a lifetime of zero); a failure is logged,
        not raised. True when Redis took them."""
        if not values or ttl_seconds <= 0:
            return False
        milliseconds = max(1, round(ttl_seconds * 1000))
        try:
            async with self._redis.pipeline(transaction=False) as pipe:
                for key, value in values.items():
                    pipe.set(self.prefix + key, value, px=milliseconds)
                await pipe.execute()
        except CACHE_ERRORS as error:
            log.warning("cache.write_failed", extra={"error": type(error).__name__})
            return False
        return True

    async def set(self, key: str, value: bytes, *, ttl_seconds: float) -> None:
        """`set_many` of one value."""
        await self.set_many({key: value}, ttl_seconds=ttl_seconds)
