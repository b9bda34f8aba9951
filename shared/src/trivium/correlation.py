"""Correlation id: accepted or created per request, carried on every call with the trace context."""

from __future__ import annotations

import re
import uuid
from contextvars import ContextVar

from trivium.tracing import inject_trace_context

CORRELATION_HEADER = "x-correlation-id"

_CORRELATION_ID_SHAPE = re.compile(r"^[A-Za-z0-9._:\-]{1,128}$")

correlation_id_var: ContextVar[str | None] = ContextVar("correlation_id", default=None)


def new_correlation_id() -> str:
    """A fresh correlation id."""
    return uuid.uuid4().hex


def accept_correlation_id(value: str | None) -> str:
    """Keep a well-formed incoming correlation id, or create one when it is missing or unsafe."""
    if value and _CORRELATION_ID_SHAPE.match(value):
        return value
    return new_correlation_id()


def current_correlation_id() -> str | None:
    """The correlation id of the request being handled, if any."""
    return correlation_id_var.get()


def outbound_headers() -> dict[str, str]:
    """Headers that carry the current correlation id and trace context (`traceparent`,
    `tracestate` of the current span) to a downstream call."""
    headers: dict[str, str] = {}
    correlation_id = correlation_id_var.get()
    if correlation_id:
        headers[CORRELATION_HEADER] = correlation_id
    inject_trace_context(headers)
    return headers
