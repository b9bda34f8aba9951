"""`Cache` on Redis: values with a lifetime under one key prefix. A Redis that cannot answer
makes the cache behave as empty (the request is served from the systems), never fail."""

from __future__ import annotations

import logging
from collections.abc import Sequence

import redis.asyncio
from redis.exceptions import RedisError

log = logging.getLogger(__name__)

DEFAULT_PREFIX = "partner-portal:"


class RedisCache:
    def __init__(self, client: redis.asyncio.Redis, *, prefix: str = DEFAULT_PREFIX) -> None:
        self.prefix = prefix
        self._redis = client

    async def get_many(self, keys: Sequence[str]) -> list[bytes | None]:
        if not keys:
            return []
        try:
            values = await self._redis.mget([self.prefix + k for k in keys])
        except RedisError as error:
            log.warning("cache.read_failed", extra={"error": type(error).__name__})
            return [None] * len(keys)
        return [value.encode() if isinstance(value, str) else value for value in values]

    async def set(self, key: str, value: bytes, *, ttl_seconds: float) -> None:
        try:
            await self._redis.set(self.prefix + key, value, px=max(1, round(ttl_seconds * 1000)))
        except RedisError as error:
            log.warning("cache.write_failed", extra={"error": type(error).__name__})
