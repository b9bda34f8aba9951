"""A consumer's deliveries: read new ones, reclaim abandoned ones, run the handler, settle each.

Settling is one SETTLE script per delivery (ack, release, schedule a retry, or dead-letter), so a
delivery that another consumer reclaimed and settled meanwhile is left alone.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import random
from dataclasses import dataclass
from typing import Any, Protocol

from opentelemetry.trace import SpanKind

from trivium.correlation import correlation_id_var, new_correlation_id
from trivium.locks import Renewal
from trivium.metrics import QUEUE_MESSAGES
from trivium.redis_client import AsyncRedis
from trivium.retry_after import retry_delay
from trivium.tracing import (
    CORRELATION_ATTRIBUTE,
    TRACE_HEADERS,
    extract_trace_context,
    tracer,
)
from trivium.work_queue import scripts
from trivium.work_queue.errors import PermanentFailure, RetryLater, is_transient
from trivium.work_queue.messages import (
    Delivery,
    Handler,
    Message,
    decode_fields,
    decode_message,
    decode_text,
    flatten_fields,
    now_iso,
    read_entries,
)

# The package's one logger name, so log routing does not depend on how the package is split.
log = logging.getLogger("trivium.work_queue")

_MAX_ERROR_CHARS = 2000
# How often a consumer tries again to settle a delivery while Redis is away.
_SETTLE_RETRY_SECONDS = 0.25


def compute_backoff(
    attempt: int, *, base_seconds: float, max_seconds: float, rng: random.Random | None = None
) -> float:
    """Seconds before retrying failed `attempt` (1-based): exponential, capped, equal jitter."""
    ceiling = min(max_seconds, base_seconds * 2.0 ** min(attempt - 1, 62))
    return ceiling / 2 + (rng or random).uniform(0, ceiling / 2)


class QueueSettings(Protocol):
    """The names and settings of a queue that its deliveries need; read live from the queue."""

    stream: str
    group: str
    retry_key: str
    dead_stream: str
    max_attempts: int
    base_backoff_seconds: float
    max_backoff_seconds: float
    visibility_timeout_seconds: float
    block_ms: int
    batch_size: int


class Deliveries:
    """The consumer side of one queue, used by `WorkQueue.run_consumer`."""

    def __init__(self, client: AsyncRedis, queue: QueueSettings) -> None:
        self._redis = client
        self._queue = queue
        self._settle_script = client.register_script(scripts.SETTLE)
        self._reclaim_script = client.register_script(scripts.RECLAIM)
        self._extend_script = client.register_script(scripts.EXTEND)

    async def read(self, consumer: str) -> list[Delivery]:
        """New deliveries for `consumer`, waiting up to the queue's `block_ms` for some."""
        queue = self._queue
        reply: Any = await self._redis.xreadgroup(
            queue.group, consumer, {queue.stream: ">"}, count=queue.batch_size, block=queue.block_ms
        )
        return [
            Delivery(decode_text(entry_id), decode_fields(raw), 1)
            for entry_id, raw in read_entries(reply)
            if raw is not None
        ]

    async def reclaim(self, consumer: str, cursor: str) -> tuple[str, list[Delivery]]:
        """Claim for `consumer` deliveries idle past the visibility timeout; returns next cursor."""
        queue = self._queue
        min_idle_ms = int(queue.visibility_timeout_seconds * 1000)
        reply: list[Any] = await self._reclaim_script(
            keys=[queue.stream], args=[queue.group, consumer, min_idle_ms, cursor, queue.batch_size]
        )
        next_cursor, claimed = reply
        deliveries = [Delivery(decode_text(i), decode_fields(raw), int(n)) for i, n, raw in claimed]
        if deliveries:
            log.info("queue.reclaimed", extra={"stream": queue.stream, "count": len(deliveries)})
        return decode_text(next_cursor), deliveries

    async def handle_all(
        self,
        deliveries: list[Delivery],
        handler: Handler,
        consumer: str,
        stop_event: asyncio.Event,
    ) -> None:
        """Handle and settle each delivery in turn; once stopped, release the rest unhandled."""
        for index, delivery in enumerate(deliveries):
            if stop_event.is_set():
                # Hand the rest of the batch back instead of leaving it to the visibility timeout.
                for rest in deliveries[index:]:
                    fields = {**rest.fields, "attempt": str(rest.attempt)}
                    await self._settle(
                        _Holding(rest, consumer, stop_event),
                        "release",
                        self._queue.stream,
                        "0",
                        *flatten_fields(fields),
                    )
                return
            await self._handle(_Holding(delivery, consumer, stop_event), handler)

    async def _handle(self, held: _Holding, handler: Handler) -> None:
        delivery = held.delivery
        try:
            message = decode_message(delivery)
        except (KeyError, ValueError) as error:
            await self._dead_letter(held, delivery.times_delivered, "MalformedMessage", error)
            return
        token = correlation_id_var.set(message.correlation_id or new_correlation_id())
        try:
            if message.attempt > self._queue.max_attempts:
                reason = f"delivered {message.attempt - 1} times without acknowledgement"
                await self._dead_letter(held, message.attempt - 1, "DeliveryLimitExceeded", reason)
                return
            # Kept up until the delivery is settled, which may wait for Redis to come back.
            async with self._kept_claimed(delivery.id, held.consumer):
                try:
                    await self._run_handler(handler, message, delivery)
                except PermanentFailure as error:
                    await self._dead_letter(held, message.attempt, type(error).__name__, error)
                except Exception as error:  # any handler failure is retried, never fatal
                    if is_transient(error):
                        await self._retry_transient(held, message, error)
                    else:
                        await self._retry_or_dead_letter(held, message, error)
                else:
                    if await self._settle(held, "ack", self._queue.stream, "0"):
                        QUEUE_MESSAGES.labels(stream=self._queue.stream, outcome="acked").inc()
                        log.info(
                            "queue.message.acked", extra=_log_fields(self._queue.stream, message)
                        )
        finally:
            correlation_id_var.reset(token)

    async def _run_handler(self, handler: Handler, message: Message, delivery: Delivery) -> None:
        """The handler in a consumer span, a child of the span that queued the message."""
        stream = self._queue.stream
        with tracer().start_as_current_span(
            f"{stream} process",
            context=extract_trace_context(delivery.fields),
            kind=SpanKind.CONSUMER,
            attributes={
                "messaging.system": "redis",
                "messaging.destination.name": stream,
                "messaging.message.id": message.id,
                "trivium.attempt": message.attempt,
                CORRELATION_ATTRIBUTE: message.correlation_id or "",
            },
        ):
            await handler(message)

    async def _retry_or_dead_letter(
        self, held: _Holding, message: Message, error: Exception
    ) -> None:
        queue = self._queue
        if message.attempt >= queue.max_attempts:
            await self._dead_letter(held, message.attempt, type(error).__name__, error)
            return
        await self._schedule_retry(held, message, error, attempt=message.attempt + 1)

    async def _retry_transient(self, held: _Holding, message: Message, error: Exception) -> None:
        # Redis or the network was away: try again later as the same attempt, however often.
        failures = int(held.delivery.fields.get("transient_failures", "0")) + 1
        await self._schedule_retry(
            held, message, error, attempt=message.attempt, transient_failures=failures
        )

    async def _schedule_retry(
        self,
        held: _Holding,
        message: Message,
        error: Exception,
        *,
        attempt: int,
        transient_failures: int = 0,
    ) -> None:
        queue = self._queue
        delay = compute_backoff(
            transient_failures or message.attempt,
            base_seconds=queue.base_backoff_seconds,
            max_seconds=queue.max_backoff_seconds,
        )
        if isinstance(error, RetryLater) and not transient_failures:
            delay = retry_delay(delay, asked=error.after_seconds, cap=queue.max_backoff_seconds)
        retry = {
            **held.delivery.fields,
            "attempt": str(attempt),
            "transient_failures": str(transient_failures),
            "origin": message.original_id,
            "retry_of": message.id,
            "last_error": f"{type(error).__name__}: {error}"[:_MAX_ERROR_CHARS],
        }
        member = json.dumps(flatten_fields(retry))
        if await self._settle(held, "retry", queue.retry_key, str(round(delay * 1000)), member):
            QUEUE_MESSAGES.labels(stream=queue.stream, outcome="retried").inc()
            log.warning(
                "queue.message.retry_scheduled",
                extra={
                    **_log_fields(queue.stream, message),
                    "error_type": type(error).__name__,
                    "transient": bool(transient_failures),
                    "delay_seconds": round(delay, 3),
                },
            )

    async def _dead_letter(
        self, held: _Holding, attempts: int, error_type: str, error: object
    ) -> None:
        delivery = held.delivery
        dead = {
            "payload": delivery.fields.get("payload", ""),
            "attempts": str(attempts),
            "error_type": error_type,
            "error_message": str(error)[:_MAX_ERROR_CHARS],
            "original_id": delivery.fields.get("origin", delivery.id),
            "failed_id": delivery.id,
            "enqueued_at": delivery.fields.get("enqueued_at", ""),
            "dead_lettered_at": now_iso(),
            "correlation_id": delivery.fields.get("correlation_id", ""),
            # Kept for its replay, which continues the trace the message was queued in.
            **{name: delivery.fields[name] for name in TRACE_HEADERS if name in delivery.fields},
        }
        queue = self._queue
        if await self._settle(held, "dead", queue.dead_stream, "0", *flatten_fields(dead)):
            QUEUE_MESSAGES.labels(stream=queue.stream, outcome="dead_lettered").inc()
            log.error(
                "queue.message.dead_lettered",
                extra={
                    "stream": queue.stream,
                    "message_id": delivery.id,
                    "attempts": attempts,
                    "error_type": error_type,
                },
            )

    async def _settle(self, held: _Holding, mode: str, target: str, *args: str) -> bool:
        """Settle the delivery; while Redis is away, keep it (and its claim) and try again, so
        that it is not left to a reclaim that would count it as one more delivery."""
        queue = self._queue
        while True:
            try:
                settled = await self._settle_script(
                    keys=[queue.stream, target],
                    args=[queue.group, held.consumer, held.delivery.id, mode, *args],
                )
            except Exception as error:
                if not is_transient(error) or held.stop_event.is_set():
                    raise
                log.warning(
                    "queue.settle.waiting_for_redis",
                    extra={
                        "stream": queue.stream,
                        "message_id": held.delivery.id,
                        "error": f"{type(error).__name__}: {error}",
                    },
                )
                await _wait(held.stop_event, _SETTLE_RETRY_SECONDS)
            else:
                return settled is not None

    def _kept_claimed(self, entry_id: str, consumer: str) -> Renewal:
        # A live consumer with a slow handler keeps its entry; only a dead one loses it.
        queue = self._queue

        async def extend() -> bool:
            await self._extend_script(keys=[queue.stream], args=[queue.group, consumer, entry_id])
            # Renewed until settled even when another consumer reclaimed it: settling tells.
            return True

        return Renewal(
            extend,
            every_seconds=queue.visibility_timeout_seconds / 3,
            lease=f"{queue.stream} {entry_id}",
        )


@dataclass(frozen=True, slots=True)
class _Holding:
    """A delivery in the hands of one consumer, which stops settling it once stopped."""

    delivery: Delivery
    consumer: str
    stop_event: asyncio.Event


async def _wait(event: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(event.wait(), seconds)


def _log_fields(stream: str, message: Message) -> dict[str, object]:
    return {"stream": stream, "message_id": message.id, "attempt": message.attempt}
