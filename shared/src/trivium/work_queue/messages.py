"""What the work queue hands out (messages, dead letters, stats), how entries are encoded, and
the producer span of each entry added."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from opentelemetry.context import Context
from opentelemetry.trace import Link, Span, SpanKind

from trivium.tracing import CORRELATION_ATTRIBUTE, tracer


@dataclass(frozen=True, slots=True)
class Message:
    """One delivery of a unit of work to a handler."""

    id: str
    payload: dict[str, Any]
    attempt: int
    enqueued_at: datetime
    correlation_id: str | None
    original_id: str


Handler = Callable[[Message], Awaitable[object]]


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
class Delivery:
    """A stream entry as read or reclaimed by a consumer, before it is decoded into a Message."""

    id: str
    fields: dict[str, str]
    times_delivered: int

    @property
    def attempt(self) -> int:
        """The attempt this delivery is; deliveries to consumers that crashed count too."""
        return int(self.fields.get("attempt", "1")) + self.times_delivered - 1


def decode_message(delivery: Delivery) -> Message:
    """The Message of a delivery; KeyError or ValueError when the entry is malformed."""
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


def decode_dead_letter(entry_id: str, fields: dict[str, str]) -> DeadLetter:
    """The DeadLetter of a dead-letter stream entry; a payload that is not JSON stays text."""
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


def read_entries(reply: Any) -> list[tuple[Any, Any]]:
    """The (id, fields) entries of an XREAD reply, whichever shape the protocol gave it."""
    if not reply:
        return []
    per_stream = reply.values() if isinstance(reply, dict) else [e for _, e in reply]
    # RESP3 replies wrap each stream's entry list in one more list.
    flat = [item for entries in per_stream for item in entries]
    return [entry for item in flat for entry in (item if isinstance(item, list) else [item])]


def decode_fields(raw: Any) -> dict[str, str]:
    """Entry fields as text, from a dict (parsed reply) or a flat list (Lua reply)."""
    if isinstance(raw, dict):
        return {decode_text(key): decode_text(value) for key, value in raw.items()}
    return {decode_text(raw[i]): decode_text(raw[i + 1]) for i in range(0, len(raw), 2)}


def flatten_fields(fields: Mapping[str, str]) -> list[str]:
    """Fields as the flat name, value, name, value... list that XADD and the scripts take."""
    return [item for pair in fields.items() for item in pair]


def decode_text(value: Any) -> str:
    """A Redis reply value as text, whether the client decodes responses or not."""
    return value.decode() if isinstance(value, bytes) else str(value)


def now_iso() -> str:
    """The current UTC time as ISO 8601 with milliseconds, as entries record it."""
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def publish_span(
    queue_attributes: Mapping[str, str],
    *,
    correlation_id: str,
    context: Context | None = None,
    links: Sequence[Link] = (),
) -> AbstractContextManager[Span]:
    """The producer span of one entry added to the queue `queue_attributes` describe (as a child
    of `context`, the current one by default); the entry carries its trace context."""
    return tracer().start_as_current_span(
        f"{queue_attributes['messaging.destination.name']} publish",
        context=context,
        kind=SpanKind.PRODUCER,
        links=links,
        attributes={**queue_attributes, CORRELATION_ATTRIBUTE: correlation_id},
    )
