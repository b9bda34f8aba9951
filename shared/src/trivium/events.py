"""Events a service announces on a Redis stream for whoever listens: delivered at least once, so
consumers deduplicate on the event's type and its subject's id."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime

from redis.typing import EncodableT, FieldT

from trivium.redis_client import AsyncRedis


class RedisEventStream:
    """A Redis stream of events, trimmed to about `max_length` entries. Each entry: `type`, the
    event's own fields and `occurredAt` (UTC, to the millisecond)."""

    def __init__(self, client: AsyncRedis, *, stream: str, max_length: int) -> None:
        self.stream = stream
        self.max_length = max_length
        self._redis = client

    async def append(self, event_type: str, fields: Mapping[str, str]) -> None:
        """Add one event at the end of the stream."""
        occurred_at = datetime.now(UTC).isoformat(timespec="milliseconds")
        entry: dict[FieldT, EncodableT] = {"type": event_type}
        entry.update((name, value) for name, value in fields.items())
        entry["occurredAt"] = occurred_at
        await self._redis.xadd(self.stream, entry, maxlen=self.max_length, approximate=True)
