"""One pure-ASGI middleware per request: correlation id and server span, metrics, access log, and
the last-resort 500 problem (rendered here so it carries the correlation id)."""

from __future__ import annotations

import json
import logging
import time
from typing import Any

from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.sdk.trace.id_generator import RandomIdGenerator
from opentelemetry.trace import NonRecordingSpan, Span, SpanContext, SpanKind, TraceFlags
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from trivium.correlation import CORRELATION_HEADER, accept_correlation_id, correlation_id_var
from trivium.metrics import HTTP_REQUEST_SECONDS, HTTP_REQUESTS
from trivium.problems import PROBLEM_CONTENT_TYPE, Problem
from trivium.tracing import (
    CORRELATION_ATTRIBUTE,
    SPAN_NAME_SCOPE_KEY,
    TRACE_HEADERS,
    extract_trace_context,
    mark_failed,
    traceparent,
    tracer,
)

log = logging.getLogger("trivium.request")

UNMATCHED_ROUTE = "<unmatched>"
QUIET_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})
_TRACE_HEADER_NAMES = tuple(name.encode() for name in TRACE_HEADERS)
_IDS = RandomIdGenerator()


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope["headers"]:
        if key == name:
            return str(value.decode("latin-1"))
    return None


def route_template(scope: Scope) -> str:
    """The matched route's path template (`/v1/orders/{order_id}`), never the raw path.

    Routers included with a prefix keep their own template without it, so the literal prefix is
    taken back from the request path, which has exactly that many leading segments more.
    """
    template = getattr(scope.get("route"), "path", None)
    if not isinstance(template, str):
        return UNMATCHED_ROUTE
    path_segments = scope["path"].rstrip("/").split("/")
    template_segments = template.rstrip("/").split("/")
    extra = len(path_segments) - len(template_segments)
    if extra <= 0 or ":path}" in template:
        return template
    return "/".join(path_segments[: extra + 1]) + template


def served_log_level(status: int) -> int:
    """The level of a request's log line: answered requests are debug detail, failures are not."""
    if status == 500:
        return logging.ERROR
    if status >= 500:
        # An upstream that failed or was paused: the tier it failed in logs its own line.
        return logging.WARNING
    if status >= 400:
        # A refused key or a rejected order is what an operator looks for at info.
        return logging.INFO
    return logging.DEBUG


class RequestContextMiddleware:
    """Sets the request's correlation id and server span, measures it, and logs it on completion."""

    def __init__(self, app: ASGIApp, *, service: str) -> None:
        self.app = app
        self.service = service

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        correlation_id = accept_correlation_id(_header(scope, CORRELATION_HEADER.encode()))
        correlation_token = correlation_id_var.set(correlation_id)
        span = _start_server_span(scope, correlation_id)
        context_token = otel_context.attach(trace.set_span_in_context(span))
        echoed = traceparent(span)
        started = time.perf_counter()
        status = 500
        response_started = False

        async def send_with_context(message: Message) -> None:
            nonlocal status, response_started
            if message["type"] == "http.response.start":
                response_started = True
                status = message["status"]
                headers = list(message.get("headers", []))
                headers.append((b"x-correlation-id", correlation_id.encode()))
                if echoed is not None:
                    headers.append((b"traceparent", echoed.encode()))
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, send_with_context)
        except Exception as error:
            log.exception("request.unhandled_error", extra={"path": scope["path"]})
            span.record_exception(error)
            if response_started:
                raise
            await self._send_internal_error(scope, send_with_context, correlation_id)
        finally:
            route = route_template(scope)
            self._observe(scope, route, status, time.perf_counter() - started)
            _end_server_span(span, scope, route, status)
            otel_context.detach(context_token)
            correlation_id_var.reset(correlation_token)

    def _observe(self, scope: Scope, route: str, status: int, seconds: float) -> None:
        method = scope["method"]
        HTTP_REQUESTS.labels(self.service, method, route, str(status)).inc()
        HTTP_REQUEST_SECONDS.labels(self.service, method, route).observe(seconds)
        level = served_log_level(status)
        if scope["path"] not in QUIET_PATHS and log.isEnabledFor(level):
            log.log(
                level,
                "request.served",
                extra={
                    "method": method,
                    "route": route,
                    "status": status,
                    "duration_ms": round(seconds * 1000, 2),
                },
            )

    @staticmethod
    async def _send_internal_error(scope: Scope, send: Send, correlation_id: str) -> None:
        body: dict[str, Any] = Problem(
            "An unexpected error occurred; quote the correlation id when reporting it."
        ).to_document(instance=scope["path"], correlation_id=correlation_id)
        payload = json.dumps(body).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 500,
                "headers": [
                    (b"content-type", PROBLEM_CONTENT_TYPE.encode()),
                    (b"content-length", str(len(payload)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": payload})


def _start_server_span(scope: Scope, correlation_id: str) -> Span:
    """The request's server span, a child of the caller's trace context when it sent one."""
    carrier = {
        key.decode("latin-1"): value.decode("latin-1")
        for key, value in scope["headers"]
        if key in _TRACE_HEADER_NAMES
    }
    parent = extract_trace_context(carrier)
    if scope["path"] in QUIET_PATHS:
        # Probes and scrapes, several a minute per replica, would bury the traces worth reading:
        # they get a span id of their own in an unsampled context, so that nothing they cause
        # is recorded (parent-based sampling follows the flag) while the context still flows.
        caller = trace.get_current_span(parent).get_span_context()
        trace_id = caller.trace_id if caller.is_valid else _IDS.generate_trace_id()
        return NonRecordingSpan(
            SpanContext(trace_id, _IDS.generate_span_id(), False, TraceFlags(TraceFlags.DEFAULT))
        )
    method = scope["method"]
    return tracer().start_span(
        method,
        context=parent,
        kind=SpanKind.SERVER,
        attributes={
            "http.request.method": method,
            "url.path": scope["path"],
            CORRELATION_ATTRIBUTE: correlation_id,
        },
    )


def _end_server_span(span: Span, scope: Scope, route: str, status: int) -> None:
    if not span.is_recording():
        span.end()
        return
    name = scope.get(SPAN_NAME_SCOPE_KEY)
    if not isinstance(name, str):
        name = scope["method"] if route == UNMATCHED_ROUTE else f"{scope['method']} {route}"
    span.update_name(name)
    span.set_attribute("http.response.status_code", status)
    if route != UNMATCHED_ROUTE:
        span.set_attribute("http.route", route)
    if status >= 500:
        mark_failed(span, f"answered {status}")
    span.end()
