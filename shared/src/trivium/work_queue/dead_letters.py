"""A queue's dead letters (`<stream>:dead`): listing, replay into the queue, and discard."""

from __future__ import annotations

import logging
from collections.abc import Mapping

from opentelemetry import trace
from opentelemetry.trace import Link

from trivium.correlation import new_correlation_id
from trivium.metrics import QUEUE_MESSAGES
from trivium.redis_client import AsyncRedis
from trivium.tracing import extract_trace_context, inject_trace_context, mark_failed
from trivium.work_queue.errors import DeadLetterNotFound
from trivium.work_queue.messages import (
    DeadLetter,
    DeadLetterPage,
    decode_dead_letter,
    decode_fields,
    decode_text,
    flatten_fields,
    now_iso,
    publish_span,
)
from trivium.work_queue.scripts import REPLAY

# The package's one logger name, so log routing does not depend on how the package is split.
log = logging.getLogger("trivium.work_queue")


class DeadLetters:
    """The dead-letter stream of one queue; `WorkQueue` exposes these operations."""

    def __init__(
        self,
        client: AsyncRedis,
        *,
        stream: str,
        dead_stream: str,
        span_attributes: Mapping[str, str],
    ) -> None:
        self.stream = stream
        self.dead_stream = dead_stream
        self._redis = client
        self._span_attributes = span_attributes
        self._replay_script = client.register_script(REPLAY)

    async def list_page(self, *, limit: int = 50, cursor: str | None = None) -> DeadLetterPage:
        """Dead letters oldest first, `limit` per page, after the entry named by `cursor`."""
        if limit < 1:
            raise ValueError("limit must be at least 1")
        start = f"({cursor}" if cursor else "-"
        entries = await self._redis.xrange(self.dead_stream, start, "+", count=limit + 1) or []
        items = [
            decode_dead_letter(decode_text(entry_id), decode_fields(raw))
            for entry_id, raw in entries[:limit]
        ]
        more = len(entries) > limit
        return DeadLetterPage(items=items, next_cursor=items[-1].id if more and items else None)

    async def get(self, dead_letter_id: str) -> DeadLetter | None:
        """One dead letter by its id; None when there is none (replayed or discarded)."""
        entries = await self._redis.xrange(self.dead_stream, dead_letter_id, dead_letter_id)
        if not entries:
            return None
        entry_id, raw = entries[0]
        return decode_dead_letter(decode_text(entry_id), decode_fields(raw))

    async def replay(self, dead_letter_id: str) -> str:
        """Enqueue a dead letter again with its attempts reset; returns the new entry id."""
        entries = await self._redis.xrange(self.dead_stream, dead_letter_id, dead_letter_id)
        new_id = (
            await self._replay(dead_letter_id, decode_fields(entries[0][1])) if entries else None
        )
        if new_id is None:
            raise DeadLetterNotFound(f"no dead letter {dead_letter_id} in {self.dead_stream}")
        return new_id

    async def replay_all(self) -> int:
        """Replay every dead letter present now (not those added meanwhile); returns the count."""
        newest = await self._redis.xrevrange(self.dead_stream, "+", "-", count=1)
        if not newest:
            return 0
        end, start, replayed = decode_text(newest[0][0]), "-", 0
        while entries := await self._redis.xrange(self.dead_stream, start, end, count=100):
            for entry_id, raw in entries:
                if await self._replay(decode_text(entry_id), decode_fields(raw)) is not None:
                    replayed += 1
            start = f"({decode_text(entries[-1][0])}"
        return replayed

    async def discard(self, dead_letter_id: str) -> None:
        """Delete a dead letter that must not be replayed."""
        if not await self._redis.xdel(self.dead_stream, dead_letter_id):
            raise DeadLetterNotFound(f"no dead letter {dead_letter_id} in {self.dead_stream}")

    async def _replay(self, dead_letter_id: str, dead: dict[str, str]) -> str | None:
        correlation_id = dead.get("correlation_id") or new_correlation_id()
        # Published in the trace the work was queued in (the replaying request's when the dead
        # letter carries none), linked to the request that replays it.
        queued_in = extract_trace_context(dead) if "traceparent" in dead else None
        replaying = trace.get_current_span().get_span_context()
        with publish_span(
            self._span_attributes,
            correlation_id=correlation_id,
            context=queued_in,
            links=[Link(replaying)] if queued_in is not None and replaying.is_valid else [],
        ) as span:
            fields = {
                "payload": dead.get("payload", "{}"),
                "attempt": "1",
                "enqueued_at": now_iso(),
                "origin": dead.get("original_id", dead_letter_id),
                "correlation_id": correlation_id,
            }
            inject_trace_context(fields)
            new_id = await self._replay_script(
                keys=[self.dead_stream, self.stream],
                args=[dead_letter_id, *flatten_fields(fields)],
            )
            if new_id is None:
                mark_failed(span, f"dead letter {dead_letter_id} is gone")
                return None
            span.set_attribute("messaging.message.id", decode_text(new_id))
        QUEUE_MESSAGES.labels(stream=self.stream, outcome="replayed").inc()
        log.info("queue.dead_letter.replayed", extra={"stream": self.stream, "entry": new_id})
        return decode_text(new_id)
