"""Writes collected first, then applied together: in one transaction, or in one script only while
a fence is current (`trivium.locks.FencedWriter`: a leader's fence number, or a lock holder's
token), so that a writer who lost its lead or its lock writes nothing.

Every key of one batch must share a hash slot on Redis Cluster (one hash tag per service).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from trivium.redis_client import AsyncRedis


class WriteBatch:
    """Redis writes as `[command, index of its key in keys from 1, args...]`, the form
    `FencedWriter` takes; each method returns the batch, so that writes chain."""

    def __init__(self) -> None:
        self.keys: list[str] = []
        self.commands: list[list[Any]] = []

    def _add(self, command: str, key: str, *args: Any) -> WriteBatch:
        self.keys.append(key)
        self.commands.append([command, len(self.keys), *args])
        return self

    def set(self, key: str, value: str, *, ttl_seconds: float | None = None) -> WriteBatch:
        expiry = () if ttl_seconds is None else ("PX", max(1, round(ttl_seconds * 1000)))
        return self._add("SET", key, value, *expiry)

    def hset(self, key: str, mapping: Mapping[str, str]) -> WriteBatch:
        if not mapping:
            return self
        return self._add("HSET", key, *(part for item in mapping.items() for part in item))

    def delete(self, key: str) -> WriteBatch:
        return self._add("DEL", key)

    def hdel(self, key: str, field: str) -> WriteBatch:
        return self._add("HDEL", key, field)

    def incr(self, key: str, field: str, amount: int = 1) -> WriteBatch:
        return self._add("HINCRBY", key, field, amount)

    def xadd(self, stream: str, fields: Mapping[str, str], *, max_length: int) -> WriteBatch:
        pairs = (part for item in fields.items() for part in item)
        return self._add("XADD", stream, "MAXLEN", "~", max_length, "*", *pairs)

    def pexpire(self, key: str, milliseconds: int) -> WriteBatch:
        return self._add("PEXPIRE", key, milliseconds)

    def zadd(self, key: str, mapping: Mapping[str, float]) -> WriteBatch:
        pairs = (part for member, score in mapping.items() for part in (score, member))
        return self._add("ZADD", key, *pairs)

    def zrem(self, key: str, *members: str) -> WriteBatch:
        return self._add("ZREM", key, *members)

    def zremrangebylex(self, key: str, minimum: str, maximum: str) -> WriteBatch:
        return self._add("ZREMRANGEBYLEX", key, minimum, maximum)

    async def apply(self, client: AsyncRedis) -> None:
        """All the writes in one transaction (no fence)."""
        async with client.pipeline(transaction=True) as pipe:
            for command, index, *args in self.commands:
                pipe.execute_command(command, self.keys[index - 1], *args)
            await pipe.execute()
