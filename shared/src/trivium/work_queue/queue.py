"""`WorkQueue`: enqueue, the consumer loop, retry promotion, stats, and its dead letters."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import secrets
import socket
import time
from collections.abc import Mapping
from typing import Any

from redis.exceptions import RedisError, ResponseError

from trivium.correlation import current_correlation_id, new_correlation_id
from trivium.metrics import DEAD_LETTER_DEPTH, QUEUE_DEPTH
from trivium.redis_client import AsyncRedis, same_slot_key
from trivium.tracing import inject_trace_context
from trivium.work_queue import scripts
from trivium.work_queue.dead_letters import DeadLetters
from trivium.work_queue.delivery import Deliveries
from trivium.work_queue.errors import QueueFull
from trivium.work_queue.messages import (
    DeadLetter,
    DeadLetterPage,
    Delivery,
    Handler,
    QueueStats,
    decode_text,
    flatten_fields,
    now_iso,
    publish_span,
)

# The package's one logger name, so log routing does not depend on how the package is split.
log = logging.getLogger("trivium.work_queue")

_PROMOTE_LIMIT = 100
_STALE_CONSUMER_MS = 3_600_000
_ERROR_PAUSE_SECONDS = 1.0


def new_consumer_name(prefix: str = "worker") -> str:
    """A consumer name unique to this process: prefix, host, pid and a random suffix."""
    return f"{prefix}-{socket.gethostname()}-{os.getpid()}-{secrets.token_hex(3)}"


class WorkQueue:
    """One durable queue: a Redis stream, its consumer group, retry schedule and dead letters."""

    def __init__(
        self,
        client: AsyncRedis,
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
        # In the stream's hash slot, so that the scripts moving messages between them run on
        # Redis Cluster too.
        self.retry_key = same_slot_key(stream, "retry")
        self.dead_stream = same_slot_key(stream, "dead")
        self.max_attempts = max_attempts
        self.base_backoff_seconds = base_backoff_seconds
        self.max_backoff_seconds = max_backoff_seconds
        self.visibility_timeout_seconds = visibility_timeout_seconds
        self.block_ms = block_ms
        self.batch_size = batch_size
        self.max_length = max_length
        self._redis = client
        self._span_attributes = {
            "messaging.system": "redis",
            "messaging.destination.name": stream,
            "messaging.consumer.group.name": group,
        }
        self._group_ready = False
        self._dead_letters = DeadLetters(
            client,
            stream=stream,
            dead_stream=self.dead_stream,
            span_attributes=self._span_attributes,
        )
        self._deliveries = Deliveries(client, self)
        self._enqueue_script = client.register_script(scripts.ENQUEUE)
        self._promote_script = client.register_script(scripts.PROMOTE)
        self._prune_script = client.register_script(scripts.PRUNE)

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
        """Add a unit of work (JSON-serializable) and return its entry id; QueueFull when capped.

        The entry carries the trace context of its publish span (`traceparent`, `tracestate`),
        so that the work continues the trace that queued it."""
        await self.ensure_group()
        correlation_id = correlation_id or current_correlation_id() or new_correlation_id()
        with publish_span(self._span_attributes, correlation_id=correlation_id) as span:
            fields = {
                "payload": json.dumps(dict(payload), separators=(",", ":")),
                "attempt": "1",
                "enqueued_at": now_iso(),
                "correlation_id": correlation_id,
            }
            inject_trace_context(fields)
            entry_id = await self._enqueue_script(
                keys=[self.stream], args=[self.max_length or 0, *flatten_fields(fields)]
            )
            if entry_id is None:
                raise QueueFull(
                    f"queue {self.stream} already holds {self.max_length} unfinished messages",
                    headers={"Retry-After": "5"},
                )
            span.set_attribute("messaging.message.id", decode_text(entry_id))
        return decode_text(entry_id)

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
                deliveries: list[Delivery] = []
                if time.monotonic() >= next_sweep:
                    next_sweep = time.monotonic() + self.block_ms / 1000
                    await self.stats()
                    await self.promote_due_retries()
                    cursor, deliveries = await self._deliveries.reclaim(consumer_name, cursor)
                if not deliveries:
                    deliveries = await self._deliveries.read(consumer_name)
                await self._deliveries.handle_all(deliveries, handler, consumer_name, stop_event)
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
        pending = next(
            (int(g["pending"]) for g in groups if decode_text(g["name"]) == self.group), 0
        )
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
        return await self._dead_letters.list_page(limit=limit, cursor=cursor)

    async def get_dead_letter(self, dead_letter_id: str) -> DeadLetter | None:
        """One dead letter by its id; None when there is none (replayed or discarded)."""
        return await self._dead_letters.get(dead_letter_id)

    async def replay_dead_letter(self, dead_letter_id: str) -> str:
        """Enqueue a dead letter again with its attempts reset; returns the new entry id."""
        return await self._dead_letters.replay(dead_letter_id)

    async def replay_all_dead_letters(self) -> int:
        """Replay every dead letter present now (not those added meanwhile); returns the count."""
        return await self._dead_letters.replay_all()

    async def discard_dead_letter(self, dead_letter_id: str) -> None:
        """Delete a dead letter that must not be replayed."""
        await self._dead_letters.discard(dead_letter_id)


async def _wait(event: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(event.wait(), seconds)
