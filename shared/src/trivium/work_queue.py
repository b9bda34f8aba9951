"""Durable work queue on Redis Streams: at-least-once, crash recovery, retries, dead letters.

One queue named `<stream>` has one consumer group and three keys:
- `<stream>`        work not yet acknowledged. An entry is deleted when it is acked, so the
                    stream's length is exactly the outstanding work (undelivered + pending) and
                    trimming is never needed; `max_length` is admission control (`QueueFull`),
                    never MAXLEN, because every entry left in the stream is unfinished work;
- `<stream>:retry`  failed messages waiting for their retry (sorted set, score = due time in ms);
- `<stream>:dead`   messages that failed for good, with their last error, until replayed.

Every move between these keys is one Lua script, so a crash between two commands can neither lose
nor double a message, and two consumers never move the same one. In Redis Cluster give the queue a
hash-tagged name (e.g. "{orders}") so that its three keys share a slot.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import random
import secrets
import socket
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import redis.asyncio
from redis.exceptions import RedisError, ResponseError

from trivium.correlation import correlation_id_var, current_correlation_id, new_correlation_id
from trivium.metrics import DEAD_LETTER_DEPTH, QUEUE_DEPTH, QUEUE_MESSAGES
from trivium.problems import NotFound, ServiceUnavailable

log = logging.getLogger(__name__)

Handler = Callable[["Message"], Awaitable[object]]
_MAX_ERROR_CHARS = 2000
_PROMOTE_LIMIT = 100
_STALE_CONSUMER_MS = 3_600_000
_ERROR_PAUSE_SECONDS = 1.0

_ENQUEUE = """
local cap = tonumber(ARGV[1])
if cap > 0 and redis.call('XLEN', KEYS[1]) >= cap then return false end
return redis.call('XADD', KEYS[1], '*', unpack(ARGV, 2))
"""
# A zero XACK means another consumer (which reclaimed the entry) settled it first: do nothing.
_SETTLE = """
if redis.call('XACK', KEYS[1], ARGV[1], ARGV[2]) == 0 then return false end
redis.call('XDEL', KEYS[1], ARGV[2])
if ARGV[3] == 'ack' then return ARGV[2] end
if ARGV[3] == 'retry' then
  local now = redis.call('TIME')
  local due = now[1] * 1000 + math.floor(now[2] / 1000) + tonumber(ARGV[4])
  redis.call('ZADD', KEYS[2], due, ARGV[5])
  return ARGV[2]
end
return redis.call('XADD', KEYS[2], '*', unpack(ARGV, 5))
"""
# Server time, so that the clocks of the consumers' hosts do not matter.
_PROMOTE = """
local now = redis.call('TIME')
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf',
  now[1] * 1000 + math.floor(now[2] / 1000), 'LIMIT', 0, ARGV[1])
for _, member in ipairs(due) do
  redis.call('ZREM', KEYS[1], member)
  redis.call('XADD', KEYS[2], '*', unpack(cjson.decode(member)))
end
return #due
"""
_RECLAIM = """
local claimed = redis.call('XAUTOCLAIM', KEYS[1], ARGV[1], ARGV[2], ARGV[3], ARGV[4],
  'COUNT', ARGV[5])
local deliveries = {}
for _, entry in ipairs(claimed[2]) do
  if entry[2] then
    local pending = redis.call('XPENDING', KEYS[1], ARGV[1], entry[1], entry[1], 1)
    table.insert(deliveries, {entry[1], pending[1][4], entry[2]})
  end
end
return {claimed[1], deliveries}
"""
# Resets the idle time of an entry still owned by this consumer; JUSTID keeps its delivery count.
_EXTEND = """
local pending = redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[3], ARGV[3], 1)
if #pending == 0 or pending[1][2] ~= ARGV[2] then return 0 end
redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[2], 0, ARGV[3], 'JUSTID')
return 1
"""
_REPLAY = """
if redis.call('XDEL', KEYS[1], ARGV[1]) == 0 then return false end
return redis.call('XADD', KEYS[2], '*', unpack(ARGV, 2))
"""
# Consumers of crashed processes keep their names in the group; drop the idle, empty ones.
_PRUNE = """
local removed = 0
for _, consumer in ipairs(redis.call('XINFO', 'CONSUMERS', KEYS[1], ARGV[1])) do
  local info = {}
  for i = 1, #consumer, 2 do info[consumer[i]] = consumer[i + 1] end
  if info['pending'] == 0 and info['idle'] > tonumber(ARGV[2]) then
    redis.call('XGROUP', 'DELCONSUMER', KEYS[1], ARGV[1], info['name'])
    removed = removed + 1
  end
end
return removed
"""


class PermanentFailure(Exception):
    """Raised by a handler when retrying cannot help: the message is dead-lettered at once."""


class QueueFull(ServiceUnavailable):
    slug = "queue-full"
    title = "Too much work is waiting; try again later"


class DeadLetterNotFound(NotFound):
    slug = "dead-letter-not-found"
    title = "No such dead letter"


@dataclass(frozen=True, slots=True)
class Message:
    """One delivery of a unit of work to a handler."""

    id: str
    payload: dict[str, Any]
    attempt: int
    enqueued_at: datetime
    correlation_id: str | None
    original_id: str


@dataclass(frozen=True, slots=True)
class DeadLetter:
    """A message that failed for good, with what is known about its last failure."""

    id: str
    payload: dict[str, Any] | str
    attempts: int
    error_type: str
    error_message: str
    original_id: str
    failed_id: str
    enqueued_at: str
    dead_lettered_at: str
    correlation_id: str | None


@dataclass(frozen=True, slots=True)
class DeadLetterPage:
    """A page of dead letters, oldest first; `next_cursor` is None on the last page."""

    items: list[DeadLetter]
    next_cursor: str | None


@dataclass(frozen=True, slots=True)
class QueueStats:
    """Counts for status endpoints: unacked (`depth` = `lag` + `pending`), retries, dead letters."""

    depth: int
    pending: int
    lag: int
    scheduled_retries: int
    dead_letters: int


@dataclass(frozen=True, slots=True)
class _Delivery:
    id: str
    fields: dict[str, str]
    times_delivered: int

    @property
    def attempt(self) -> int:
        # Deliveries to consumers that crashed count as attempts too.
        return int(self.fields.get("attempt", "1")) + self.times_delivered - 1


def compute_backoff(
    attempt: int, *, base_seconds: float, max_seconds: float, rng: random.Random | None = None
) -> float:
    """Seconds before retrying failed `attempt` (1-based): exponential, capped, equal jitter."""
    ceiling = min(max_seconds, base_seconds * 2.0 ** min(attempt - 1, 62))
    return ceiling / 2 + (rng or random).uniform(0, ceiling / 2)


def new_consumer_name(prefix: str = "worker") -> str:
    """A consumer name unique to this process: prefix, host, pid and a random suffix."""
    return f"{prefix}-{socket.gethostname()}-{os.getpid()}-{secrets.token_hex(3)}"


class WorkQueue:
    """One durable queue: a Redis stream, its consumer group, retry schedule and dead letters."""

    def __init__(
        self,
        client: redis.asyncio.Redis,
        stream: str,
        *,
        group: str = "workers",
        max_attempts: int = 5,
        base_backoff_seconds: float = 1.0,
        max_backoff_seconds: float = 300.0,
        visibility_timeout_seconds: float = 60.0,
        block_ms: int = 1000,
        batch_size: int = 10,
        max_length: int | None = None,
    ) -> None:
        if max_attempts < 1 or batch_size < 1 or block_ms < 1 or visibility_timeout_seconds <= 0:
            raise ValueError("max_attempts, batch_size, block_ms and visibility must be positive")
        if not 0 <= base_backoff_seconds <= max_backoff_seconds:
            raise ValueError(
                "backoff must satisfy 0 <= base_backoff_seconds <= max_backoff_seconds"
            )
        self.stream = stream
        self.group = group
        self.retry_key = f"{stream}:retry"
        self.dead_stream = f"{stream}:dead"
        self.max_attempts = max_attempts
        self.base_backoff_seconds = base_backoff_seconds
        self.max_backoff_seconds = max_backoff_seconds
        self.visibility_timeout_seconds = visibility_timeout_seconds
        self.block_ms = block_ms
        self.batch_size = batch_size
        self.max_length = max_length
        self._redis = client
        self._group_ready = False
        self._enqueue_script = client.register_script(_ENQUEUE)
        self._settle_script = client.register_script(_SETTLE)
        self._promote_script = client.register_script(_PROMOTE)
        self._reclaim_script = client.register_script(_RECLAIM)
        self._extend_script = client.register_script(_EXTEND)
        self._replay_script = client.register_script(_REPLAY)
        self._prune_script = client.register_script(_PRUNE)

    async def ensure_group(self) -> None:
        """Create the stream and its consumer group unless they exist (safe to repeat)."""
        if self._group_ready:
            return
        try:
            await self._redis.xgroup_create(self.stream, self.group, id="0", mkstream=True)
        except ResponseError as error:
            if "BUSYGROUP" not in str(error):
                raise
        self._group_ready = True

    async def enqueue(
        self, payload: Mapping[str, Any], *, correlation_id: str | None = None
    ) -> str:
        """Add a unit of work (JSON-serializable) and return its entry id; QueueFull when capped."""
        await self.ensure_group()
        fields = {
            "payload": json.dumps(dict(payload), separators=(",", ":")),
            "attempt": "1",
            "enqueued_at": _now_iso(),
            "correlation_id": correlation_id or current_correlation_id() or new_correlation_id(),
        }
        entry_id = await self._enqueue_script(
            keys=[self.stream], args=[self.max_length or 0, *_flatten(fields)]
        )
        if entry_id is None:
            raise QueueFull(
                f"queue {self.stream} already holds {self.max_length} unfinished messages",
                headers={"Retry-After": "5"},
            )
        return _text(entry_id)

    async def run_consumer(
        self, handler: Handler, *, consumer_name: str, stop_event: asyncio.Event
    ) -> None:
        """Handle messages until `stop_event` is set, finishing the message in hand first."""
        log.info("queue.consumer.started", extra={"stream": self.stream, "consumer": consumer_name})
        cursor, next_sweep, pruned = "0-0", 0.0, False
        while not stop_event.is_set():
            try:
                await self.ensure_group()
                if not pruned:
                    await self._prune_script(
                        keys=[self.stream], args=[self.group, _STALE_CONSUMER_MS]
                    )
                    pruned = True
                deliveries: list[_Delivery] = []
                if time.monotonic() >= next_sweep:
                    next_sweep = time.monotonic() + self.block_ms / 1000
                    await self.stats()
                    await self.promote_due_retries()
                    cursor, deliveries = await self._reclaim(consumer_name, cursor)
                if not deliveries:
                    deliveries = await self._read(consumer_name)
                await self._handle_all(deliveries, handler, consumer_name, stop_event)
            except (RedisError, OSError) as error:
                self._group_ready = False  # the stream may be gone (NOGROUP): recreate it
                log.warning(
                    "queue.consumer.redis_error",
                    extra={"stream": self.stream, "error": f"{type(error).__name__}: {error}"},
                )
                await _wait(stop_event, _ERROR_PAUSE_SECONDS)
            except Exception:  # a worker outlives its bugs: log loudly, pause, go on
                log.exception("queue.consumer.failed", extra={"stream": self.stream})
                await _wait(stop_event, _ERROR_PAUSE_SECONDS)
        log.info("queue.consumer.stopped", extra={"stream": self.stream, "consumer": consumer_name})

    async def promote_due_retries(self) -> int:
        """Move retries that are due back into the stream; returns how many moved."""
        return int(
            await self._promote_script(keys=[self.retry_key, self.stream], args=[_PROMOTE_LIMIT])
        )

    async def stats(self) -> QueueStats:
        """Current counts of the queue; also sets the depth and dead-letter gauges."""
        await self.ensure_group()
        async with self._redis.pipeline(transaction=False) as pipe:
            pipe.xlen(self.stream)
            pipe.xinfo_groups(self.stream)
            pipe.zcard(self.retry_key)
            pipe.xlen(self.dead_stream)
            depth, groups, scheduled, dead = await pipe.execute()
        pending = next((int(g["pending"]) for g in groups if _text(g["name"]) == self.group), 0)
        QUEUE_DEPTH.labels(stream=self.stream).set(depth)
        DEAD_LETTER_DEPTH.labels(stream=self.stream).set(dead)
        return QueueStats(
            depth=int(depth),
            pending=pending,
            lag=max(int(depth) - pending, 0),
            scheduled_retries=int(scheduled),
            dead_letters=int(dead),
        )

    async def list_dead_letters(
        self, *, limit: int = 50, cursor: str | None = None
    ) -> DeadLetterPage:
        """Dead letters oldest first, `limit` per page, after the entry named by `cursor`."""
        if limit < 1:
            raise ValueError("limit must be at least 1")
        start = f"({cursor}" if cursor else "-"
        entries = await self._redis.xrange(self.dead_stream, start, "+", count=limit + 1) or []
        items = [
            _dead_letter_from(_text(entry_id), _fields(raw)) for entry_id, raw in entries[:limit]
        ]
        more = len(entries) > limit
        return DeadLetterPage(items=items, next_cursor=items[-1].id if more and items else None)

    async def replay_dead_letter(self, dead_letter_id: str) -> str:
        """Enqueue a dead letter again with its attempts reset; returns the new entry id."""
        entries = await self._redis.xrange(self.dead_stream, dead_letter_id, dead_letter_id)
        new_id = await self._replay(dead_letter_id, _fields(entries[0][1])) if entries else None
        if new_id is None:
            raise DeadLetterNotFound(f"no dead letter {dead_letter_id} in {self.dead_stream}")
        return new_id

    async def replay_all_dead_letters(self) -> int:
        """Replay every dead letter present now (not those added meanwhile); returns the count."""
        newest = await self._redis.xrevrange(self.dead_stream, "+", "-", count=1)
        if not newest:
            return 0
        end, start, replayed = _text(newest[0][0]), "-", 0
        while entries := await self._redis.xrange(self.dead_stream, start, end, count=100):
            for entry_id, raw in entries:
                if await self._replay(_text(entry_id), _fields(raw)) is not None:
                    replayed += 1
            start = f"({_text(entries[-1][0])}"
        return replayed

    async def discard_dead_letter(self, dead_letter_id: str) -> None:
        """Delete a dead letter that must not be replayed."""
        if not await self._redis.xdel(self.dead_stream, dead_letter_id):
            raise DeadLetterNotFound(f"no dead letter {dead_letter_id} in {self.dead_stream}")

    async def _replay(self, dead_letter_id: str, dead: dict[str, str]) -> str | None:
        fields = {
            "payload": dead.get("payload", "{}"),
            "attempt": "1",
            "enqueued_at": _now_iso(),
            "origin": dead.get("original_id", dead_letter_id),
            "correlation_id": dead.get("correlation_id") or new_correlation_id(),
        }
        new_id = await self._replay_script(
            keys=[self.dead_stream, self.stream], args=[dead_letter_id, *_flatten(fields)]
        )
        if new_id is None:
            return None
        QUEUE_MESSAGES.labels(stream=self.stream, outcome="replayed").inc()
        log.info("queue.dead_letter.replayed", extra={"stream": self.stream, "entry": new_id})
        return _text(new_id)

    async def _read(self, consumer: str) -> list[_Delivery]:
        reply: Any = await self._redis.xreadgroup(
            self.group, consumer, {self.stream: ">"}, count=self.batch_size, block=self.block_ms
        )
        return [
            _Delivery(_text(entry_id), _fields(raw), 1)
            for entry_id, raw in _read_entries(reply)
            if raw is not None
        ]

    async def _reclaim(self, consumer: str, cursor: str) -> tuple[str, list[_Delivery]]:
        min_idle_ms = int(self.visibility_timeout_seconds * 1000)
        reply: list[Any] = await self._reclaim_script(
            keys=[self.stream], args=[self.group, consumer, min_idle_ms, cursor, self.batch_size]
        )
        next_cursor, claimed = reply
        deliveries = [_Delivery(_text(i), _fields(raw), int(n)) for i, n, raw in claimed]
        if deliveries:
            log.info("queue.reclaimed", extra={"stream": self.stream, "count": len(deliveries)})
        return _text(next_cursor), deliveries

    async def _handle_all(
        self,
        deliveries: list[_Delivery],
        handler: Handler,
        consumer: str,
        stop_event: asyncio.Event,
    ) -> None:
        for index, delivery in enumerate(deliveries):
            if stop_event.is_set():
                # Hand the rest of the batch back instead of leaving it to the visibility timeout.
                for rest in deliveries[index:]:
                    fields = {**rest.fields, "attempt": str(rest.attempt)}
                    await self._settle(rest, "release", self.stream, "0", *_flatten(fields))
                return
            await self._handle(delivery, handler, consumer)

    async def _handle(self, delivery: _Delivery, handler: Handler, consumer: str) -> None:
        try:
            message = _message(delivery)
        except (KeyError, ValueError) as error:
            await self._dead_letter(delivery, delivery.times_delivered, "MalformedMessage", error)
            return
        token = correlation_id_var.set(message.correlation_id or new_correlation_id())
        try:
            if message.attempt > self.max_attempts:
                reason = f"delivered {message.attempt - 1} times without acknowledgement"
                await self._dead_letter(
                    delivery, message.attempt - 1, "DeliveryLimitExceeded", reason
                )
                return
            heartbeat = asyncio.create_task(self._keep_claimed(delivery.id, consumer))
            try:
                await handler(message)
            except PermanentFailure as error:
                await self._dead_letter(delivery, message.attempt, type(error).__name__, error)
            except Exception as error:  # any handler failure is retried, never fatal to the loop
                await self._retry_or_dead_letter(delivery, message, error)
            else:
                if await self._settle(delivery, "ack", self.stream, "0"):
                    QUEUE_MESSAGES.labels(stream=self.stream, outcome="acked").inc()
                    log.info("queue.message.acked", extra=_log_fields(self.stream, message))
            finally:
                heartbeat.cancel()
                await asyncio.wait({heartbeat})
        finally:
            correlation_id_var.reset(token)

    async def _retry_or_dead_letter(
        self, delivery: _Delivery, message: Message, error: Exception
    ) -> None:
        if message.attempt >= self.max_attempts:
            await self._dead_letter(delivery, message.attempt, type(error).__name__, error)
            return
        delay = compute_backoff(
            message.attempt,
            base_seconds=self.base_backoff_seconds,
            max_seconds=self.max_backoff_seconds,
        )
        retry = {
            **delivery.fields,
            "attempt": str(message.attempt + 1),
            "origin": message.original_id,
            "retry_of": delivery.id,
            "last_error": f"{type(error).__name__}: {error}"[:_MAX_ERROR_CHARS],
        }
        member = json.dumps(_flatten(retry))
        if await self._settle(delivery, "retry", self.retry_key, str(round(delay * 1000)), member):
            QUEUE_MESSAGES.labels(stream=self.stream, outcome="retried").inc()
            log.warning(
                "queue.message.retry_scheduled",
                extra={
                    **_log_fields(self.stream, message),
                    "error_type": type(error).__name__,
                    "delay_seconds": round(delay, 3),
                },
            )

    async def _dead_letter(
        self, delivery: _Delivery, attempts: int, error_type: str, error: object
    ) -> None:
        dead = {
            "payload": delivery.fields.get("payload", ""),
            "attempts": str(attempts),
            "error_type": error_type,
            "error_message": str(error)[:_MAX_ERROR_CHARS],
            "original_id": delivery.fields.get("origin", delivery.id),
            "failed_id": delivery.id,
            "enqueued_at": delivery.fields.get("enqueued_at", ""),
            "dead_lettered_at": _now_iso(),
            "correlation_id": delivery.fields.get("correlation_id", ""),
        }
        if await self._settle(delivery, "dead", self.dead_stream, "0", *_flatten(dead)):
            QUEUE_MESSAGES.labels(stream=self.stream, outcome="dead_lettered").inc()
            log.error(
                "queue.message.dead_lettered",
                extra={
                    "stream": self.stream,
                    "message_id": delivery.id,
                    "attempts": attempts,
                    "error_type": error_type,
                },
            )

    async def _settle(self, delivery: _Delivery, mode: str, target: str, *args: str) -> bool:
        settled = await self._settle_script(
            keys=[self.stream, target], args=[self.group, delivery.id, mode, *args]
        )
        return settled is not None

    async def _keep_claimed(self, entry_id: str, consumer: str) -> None:
        # A live consumer with a slow handler keeps its entry; only a dead one loses it.
        interval = self.visibility_timeout_seconds / 3
        while True:
            await asyncio.sleep(interval)
            try:
                await self._extend_script(keys=[self.stream], args=[self.group, consumer, entry_id])
            except (RedisError, OSError) as error:
                log.warning("queue.heartbeat.failed", extra={"error_type": type(error).__name__})


def _message(delivery: _Delivery) -> Message:
    payload = json.loads(delivery.fields["payload"])
    if not isinstance(payload, dict):
        raise ValueError("payload is not a JSON object")
    return Message(
        id=delivery.id,
        payload=payload,
        attempt=delivery.attempt,
        enqueued_at=datetime.fromisoformat(delivery.fields["enqueued_at"]),
        correlation_id=delivery.fields.get("correlation_id") or None,
        original_id=delivery.fields.get("origin", delivery.id),
    )


def _dead_letter_from(entry_id: str, fields: dict[str, str]) -> DeadLetter:
    raw = fields.get("payload", "")
    try:
        payload: dict[str, Any] | str = json.loads(raw)
    except ValueError:
        payload = raw
    texts = ("error_type", "error_message", "original_id", "failed_id", "enqueued_at")
    return DeadLetter(
        id=entry_id,
        payload=payload,
        attempts=int(fields.get("attempts", "0")),
        dead_lettered_at=fields.get("dead_lettered_at", ""),
        correlation_id=fields.get("correlation_id") or None,
        **{name: fields.get(name, "") for name in texts},
    )


def _read_entries(reply: Any) -> list[tuple[Any, Any]]:
    """The (id, fields) entries of an XREAD reply, whichever shape the protocol gave it."""
    if not reply:
        return []
    per_stream = reply.values() if isinstance(reply, dict) else [e for _, e in reply]
    # RESP3 replies wrap each stream's entry list in one more list.
    flat = [item for entries in per_stream for item in entries]
    return [entry for item in flat for entry in (item if isinstance(item, list) else [item])]


def _log_fields(stream: str, message: Message) -> dict[str, object]:
    return {"stream": stream, "message_id": message.id, "attempt": message.attempt}


def _fields(raw: Any) -> dict[str, str]:
    """Entry fields as text, from a dict (parsed reply) or a flat list (Lua reply)."""
    if isinstance(raw, dict):
        return {_text(key): _text(value) for key, value in raw.items()}
    return {_text(raw[i]): _text(raw[i + 1]) for i in range(0, len(raw), 2)}


def _flatten(fields: Mapping[str, str]) -> list[str]:
    return [item for pair in fields.items() for item in pair]


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def _now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


async def _wait(event: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(event.wait(), seconds)
