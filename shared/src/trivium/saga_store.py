"""What every Process API's saga store keeps in Redis alike: one hash per saga, the wake-up set and
the attention index. Each service adds its own claims and listings on top.

Keys (under the service's prefix, one hash tag, so that scripts may touch them together in Redis
Cluster):
- `{prefix}:<kind>:<id>`  hash: `data` (the state as JSON), `status`;
- `{prefix}:wakeups`      sorted set: saga id -> when a worker must look at it (ms);
- `{prefix}:attention`    sorted set of the ids of sagas that need attention (all scores 0; ids
                          are ULIDs, so lexicographic order is creation order).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, Generic, Protocol, TypeVar

from trivium.locks import FencedWriter, Held, LeaseLost
from trivium.paging import lex_index_page
from trivium.redis_client import AsyncRedis
from trivium.write_batch import WriteBatch

# The status a saga's state has while it waits for an operator.
NEEDS_ATTENTION = "needs_attention"

# Taking a due saga re-arms it: a worker that dies with it cannot lose it.
_TAKE_DUE = """
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, ARGV[2])
for _, id in ipairs(due) do redis.call('ZADD', KEYS[1], ARGV[3], id) end
return due
"""


def epoch_ms(moment: datetime) -> int:
    """A moment as Redis scores and expiries take it: milliseconds since the epoch."""
    return round(moment.timestamp() * 1000)


def text(value: Any) -> str:
    """A value Redis answered, as text."""
    return value.decode() if isinstance(value, bytes) else str(value)


class SagaState(Protocol):
    @property
    def id(self) -> str: ...

    @property
    def status(self) -> StrEnum: ...

    def model_dump_json(self) -> str: ...


StateT = TypeVar("StateT", bound=SagaState)


class RedisSagaStore(Generic[StateT]):
    """Saga states of one `kind` in Redis (`load` reads one from its JSON); they expire after
    `retention`."""

    def __init__(
        self,
        client: AsyncRedis,
        *,
        prefix: str,
        kind: str,
        load: Callable[[Any], StateT],
        retention: timedelta,
    ) -> None:
        self.prefix = prefix
        self.state_key_prefix = f"{prefix}:{kind}:"
        self.retention_ms = int(retention.total_seconds() * 1000)
        self._redis = client
        self._load = load
        self._take_due = client.register_script(_TAKE_DUE)

    def state_key(self, saga_id: str) -> str:
        return f"{self.state_key_prefix}{saga_id}"

    @property
    def wakeups_key(self) -> str:
        return f"{self.prefix}:wakeups"

    @property
    def attention_key(self) -> str:
        return f"{self.prefix}:attention"

    async def get(self, saga_id: str) -> StateT | None:
        data = await self._redis.hget(self.state_key(saga_id), "data")
        return self._load(data) if data is not None else None

    async def save(
        self,
        state: StateT,
        *,
        wake_at: datetime | None,
        held: Held | None = None,
        writes: WriteBatch | None = None,
    ) -> None:
        """Save the state, its place in the attention index and the service's own listings;
        wake the saga at `wake_at`, or never again when None. With `held` (the saga's lock, which
        must share the store's hash tag), only while that lock is still the holder's: LeaseLost
        otherwise, and nothing written, so a holder that stalled past its lease cannot overwrite
        what the next holder saved. `writes` (keys under the store's hash tag) are made with the
        save, or not at all."""
        key = self.state_key(state.id)
        writes = writes if writes is not None else WriteBatch()
        writes.hset(key, {"data": state.model_dump_json(), "status": state.status.value})
        writes.pexpire(key, self.retention_ms)
        self.list_saved(writes, state)
        if state.status.value == NEEDS_ATTENTION:
            writes.zadd(self.attention_key, {state.id: 0})
        else:
            writes.zrem(self.attention_key, state.id)
        if wake_at is None:
            writes.zrem(self.wakeups_key, state.id)
        else:
            writes.zadd(self.wakeups_key, {state.id: epoch_ms(wake_at)})
        if held is None:
            await writes.apply(self._redis)
            return
        # The lock's key is the fence and the holder's token its value: written only while held.
        fenced = FencedWriter(self._redis, fence_key=held.key)
        if not held or not await fenced.write(
            str(held.token), keys=writes.keys, commands=writes.commands
        ):
            raise LeaseLost(f"The lock {held.key} is no longer held; {state.id} was not saved.")

    def list_saved(self, writes: WriteBatch, state: StateT) -> None:
        """Add the service's own listings of a saved state to the save's writes."""

    async def take_due(self, *, now: datetime, limit: int, recheck_at: datetime) -> list[str]:
        due = await self._take_due(
            keys=[self.wakeups_key], args=[epoch_ms(now), limit, epoch_ms(recheck_at)]
        )
        return [text(saga_id) for saga_id in due]

    async def list_needing_attention(
        self, *, limit: int, after: str | None
    ) -> tuple[list[StateT], str | None]:
        ids, last = await lex_index_page(self._redis, self.attention_key, limit=limit, after=after)
        found = [
            self._load(data)
            for data, status in await self.rows(ids)
            if data is not None and text(status) == NEEDS_ATTENTION
        ]
        return found, last

    async def rows(self, saga_ids: list[str]) -> list[list[Any]]:
        """The `data` and `status` of each saga, in one round trip."""
        async with self._redis.pipeline(transaction=False) as pipe:
            for saga_id in saga_ids:
                pipe.hmget(self.state_key(saga_id), ["data", "status"])
            rows: list[list[Any]] = await pipe.execute()
        return rows
