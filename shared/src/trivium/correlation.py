"""Correlation id and W3C trace context: accepted or created per request, carried on every call."""

from __future__ import annotations

import re
import secrets
import uuid
from contextvars import ContextVar
from dataclasses import dataclass

CORRELATION_HEADER = "x-correlation-id"
TRACEPARENT_HEADER = "traceparent"

_CORRELATION_ID_SHAPE = re.compile(r"^[A-Za-z0-9._:\-]{1,128}$")
_TRACEPARENT_SHAPE = re.compile(r"^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$")
_ZERO_TRACE_ID = "0" * 32
_ZERO_SPAN_ID = "0" * 16


@dataclass(frozen=True, slots=True)
class TraceContext:
    """The W3C trace context of the current request (this service's span)."""

    trace_id: str
    span_id: str
    flags: str = "01"

    def traceparent(self) -> str:
        """The `traceparent` header value naming this span."""
        return f"00-{self.trace_id}-{self.span_id}-{self.flags}"

    def child(self) -> TraceContext:
        """A new span in the same trace, for an outbound call."""
        return TraceContext(self.trace_id, secrets.token_hex(8), self.flags)


correlation_id_var: ContextVar[str | None] = ContextVar("correlation_id", default=None)
trace_context_var: ContextVar[TraceContext | None] = ContextVar("trace_context", default=None)


def new_correlation_id() -> str:
    """A fresh correlation id."""
    return uuid.uuid4().hex


def accept_correlation_id(value: str | None) -> str:
    """Keep a well-formed incoming correlation id, or create one when it is missing or unsafe."""
    if value and _CORRELATION_ID_SHAPE.match(value):
        return value
    return new_correlation_id()


def parse_traceparent(value: str | None) -> TraceContext | None:
    """Parse a `traceparent` header; None when absent or invalid (W3C: then start a new trace)."""
    if not value:
        return None
    match = _TRACEPARENT_SHAPE.match(value.strip().lower())
    if not match:
        return None
    version, trace_id, span_id, flags = match.groups()
    if version == "ff" or trace_id == _ZERO_TRACE_ID or span_id == _ZERO_SPAN_ID:
        return None
    return TraceContext(trace_id, span_id, flags)


def continue_trace(incoming: str | None) -> TraceContext:
    """This service's span: a child of the caller's trace, or the root of a new one."""
    parent = parse_traceparent(incoming)
    if parent is None:
        return TraceContext(secrets.token_hex(16), secrets.token_hex(8))
    return parent.child()


def current_correlation_id() -> str | None:
    """The correlation id of the request being handled, if any."""
    return correlation_id_var.get()


def outbound_headers() -> dict[str, str]:
    """Headers that carry the current correlation id and trace to a downstream call."""
    headers: dict[str, str] = {}
    correlation_id = correlation_id_var.get()
    if correlation_id:
        headers[CORRELATION_HEADER] = correlation_id
    trace = trace_context_var.get()
    if trace is not None:
        headers[TRACEPARENT_HEADER] = trace.child().traceparent()
    return headers
