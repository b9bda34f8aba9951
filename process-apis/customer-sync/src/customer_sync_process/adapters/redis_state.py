"""The flow's state in Redis: the leader lease with its fencing token, and everything only the
leader writes (change event position, watermarks, last-seen values, links, the audit stream).

Every write of the leader is fenced: a Lua script applies it only while the fencing token is the
one the leader got, so a replica that lost the lead (paused, partitioned, slow) cannot move the
position back or write audit entries after another one took over.
"""

from __future__ import annotations

import json
from typing import Any

from trivium.locks import FencedLease, FencedWriter, LeaseLost
from trivium.redis_client import AsyncRedis
from trivium.write_batch import WriteBatch

DEFAULT_PREFIX = "{customer-sync}"


def leader_lease(
    client: AsyncRedis, *, holder: str, ttl_seconds: float, prefix: str = DEFAULT_PREFIX
) -> FencedLease:
    """One leader among the replicas: the lease `{prefix}:lease`, fenced by `{prefix}:fence`."""
    return FencedLease(
        client,
        key=f"{prefix}:lease",
        fence_key=f"{prefix}:fence",
        holder=holder,
        lease_seconds=ttl_seconds,
    )


class RedisSyncState:
    """What the leader remembers between events, polls and restarts."""

    def __init__(
        self, client: AsyncRedis, *, fence_key: str, audit_max_length: int,
        prefix: str = DEFAULT_PREFIX,
    ) -> None:  # fmt: skip
        self.prefix = prefix
        self.fence_key = fence_key
        self.audit_stream = f"{prefix}:audit"
        self.audit_max_length = audit_max_length
        self.stats_key = f"{prefix}:stats"
        self._redis = client
        self._fenced = FencedWriter(client, fence_key=fence_key)

    def key(self, *parts: str) -> str:
        return ":".join((self.prefix, *parts))

    async def write(self, fence: int, writes: WriteBatch) -> None:
        """Apply the writes under the fence; LeaseLost when another replica leads now."""
        if not writes.commands:
            return
        if not await self._fenced.write(fence, keys=writes.keys, commands=writes.commands):
            raise LeaseLost(f"fence {fence} is no longer current")

    async def get_json(self, *parts: str) -> Any:
        raw = await self._redis.get(self.key(*parts))
        return None if raw is None else json.loads(raw)

    async def get_text(self, *parts: str) -> str | None:
        raw = await self._redis.get(self.key(*parts))
        return raw.decode() if isinstance(raw, bytes) else raw

    async def exists(self, *parts: str) -> bool:
        return bool(await self._redis.exists(self.key(*parts)))

    async def get_hash(self, *parts: str) -> dict[str, str]:
        raw = await self._redis.hgetall(self.key(*parts))
        return {
            (k.decode() if isinstance(k, bytes) else k): (v.decode() if isinstance(v, bytes) else v)
            for k, v in raw.items()
        }

    async def get_field(self, parts: tuple[str, ...], field: str) -> str | None:
        raw = await self._redis.hget(self.key(*parts), field)
        return raw.decode() if isinstance(raw, bytes) else raw

    async def hash_length(self, *parts: str) -> int:
        return int(await self._redis.hlen(self.key(*parts)))

    async def set_fields(self, parts: tuple[str, ...], mapping: dict[str, str]) -> None:
        """Unfenced: for what any replica may record (an operator's request)."""
        if mapping:
            await self._redis.hset(self.key(*parts), mapping=dict(mapping.items()))

    async def remove_field(self, parts: tuple[str, ...], field: str) -> bool:
        """Unfenced: for what any replica may remove (an operator's discard)."""
        return bool(await self._redis.hdel(self.key(*parts), field))

    async def stats(self) -> dict[str, int]:
        return {name: int(value) for name, value in (await self.get_hash("stats")).items()}

    async def audit_entries(self, *, count: int) -> list[dict[str, Any]]:
        """The latest audit entries, newest first."""
        rows: Any = await self._redis.xrevrange(self.audit_stream, count=count)
        entries = []
        for entry_id, fields in rows or []:
            decoded = {_text(k): _text(v) for k, v in (fields or {}).items()}
            values: dict[str, Any] = dict(decoded)
            for name in ("fields", "before", "after"):
                values[name] = json.loads(decoded.get(name, "null"))
            entries.append({**values, "id": _text(entry_id)})
        return entries


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)
