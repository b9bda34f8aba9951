"""CreationAttemptsPort on Redis: one key per attempted name, set only if absent."""

from __future__ import annotations

import hashlib

from trivium.locks import Along
from trivium.redis_client import AsyncRedis


class RedisCreationAttempts:
    """Keys `{prefix}:attempt:{namespace}:{sha256(name)}` (names carry client data of any
    length), kept for `ttl_seconds` after the first attempt."""

    def __init__(
        self, client: AsyncRedis, *, prefix: str, namespace: str, ttl_seconds: int
    ) -> None:
        self._client = client
        self._key_prefix = f"{prefix}:attempt:{namespace}"
        self._ttl_seconds = ttl_seconds

    def key(self, name: str) -> str:
        """The Redis key of the attempts at `name`."""
        return f"{self._key_prefix}:{hashlib.sha256(name.encode()).hexdigest()}"

    async def record_attempt(self, name: str) -> bool:
        return bool(await self._client.set(self.key(name), "1", nx=True, ex=self._ttl_seconds))

    def recording(self, name: str) -> Along:
        key = self.key(name)
        return lambda pipe: pipe.set(key, "1", nx=True, ex=self._ttl_seconds)
