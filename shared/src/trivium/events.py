"""Events a service announces on a Redis stream for whoever listens: delivered at least once, so
consumers deduplicate on the event's type and its subject's id."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime

from redis.typing import EncodableT, FieldT

from trivium.redis_client import AsyncRedis
from trivium.write_batch import WriteBatch


class RedisEventStream:
    """A Redis stream of events, trimmed to about `max_length` entries. Each entry: `type`, the
    event's own fields and `occurredAt` (UTC, to the millisecond)."""

    def __init__(self, client: AsyncRedis, *, stream: str, max_length: int) -> None:
        self.stream = stream
        self.max_length = max_length
        self._redis = client

    def entry(self, event_type: str, fields: Mapping[str, str]) -> dict[str, str]:
        """The stream entry of one event, stamped now."""
        occurred_at = datetime.now(UTC).isoformat(timespec="milliseconds")
        entry = {"type": event_type}
        entry.update(fields)
        entry["occurredAt"] = occurred_at
        return entry

    async def append(self, event_type: str, fields: Mapping[str, str]) -> None:
        """Add one event at the end of the stream."""
        entry: dict[FieldT, EncodableT] = {}
        entry.update(self.entry(event_type, fields))
        await self._redis.xadd(self.stream, entry, maxlen=self.max_length, approximate=True)

    def append_in(self, writes: WriteBatch, event_type: str, fields: Mapping[str, str]) -> None:
        """Add one event with `writes`, so that it is written with them or not at all (the
        stream must share their hash slot on Redis Cluster)."""
        writes.xadd(self.stream, self.entry(event_type, fields), max_length=self.max_length)
