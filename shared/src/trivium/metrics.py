"""Prometheus metrics shared by every service: one family per measured thing, created once."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    start_http_server,
)

log = logging.getLogger(__name__)

LATENCY_BUCKETS = (
    0.001, 0.0025, 0.005, 0.0075, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
)  # fmt: skip

HTTP_REQUESTS = Counter(
    "trivium_http_requests_total",
    "Requests served, by route template and status.",
    ["service", "method", "route", "status"],
)
HTTP_REQUEST_SECONDS = Histogram(
    "trivium_http_request_duration_seconds",
    "Time to serve a request, by route template.",
    ["service", "method", "route"],
    buckets=LATENCY_BUCKETS,
)
BACKEND_CALLS = Counter(
    "trivium_backend_calls_total",
    "Outbound calls to a backend, by outcome (HTTP status or error class).",
    ["backend", "method", "outcome"],
)
BACKEND_CALL_SECONDS = Histogram(
    "trivium_backend_call_duration_seconds",
    "Time of one outbound call attempt.",
    ["backend", "method"],
    buckets=LATENCY_BUCKETS,
)
BACKEND_ERRORS = Counter(
    "trivium_backend_errors_total",
    "Outbound call attempts that failed (transport error or 5xx/429).",
    ["backend", "reason"],
)
BACKEND_RETRIES = Counter(
    "trivium_backend_retries_total",
    "Outbound call attempts retried after a transient failure.",
    ["backend"],
)
BREAKER_STATE = Gauge(
    "trivium_circuit_breaker_state",
    "Circuit breaker state per backend: 0 closed, 1 half-open, 2 open.",
    ["backend"],
)
QUEUE_DEPTH = Gauge(
    "trivium_queue_depth",
    "Entries in a work stream not yet acknowledged by its consumer group.",
    ["stream"],
)
DEAD_LETTER_DEPTH = Gauge(
    "trivium_dead_letter_depth",
    "Entries waiting in a dead-letter stream.",
    ["stream"],
)
QUEUE_MESSAGES = Counter(
    "trivium_queue_messages_total",
    "Work messages handled, by outcome (acked, retried, dead_lettered, replayed).",
    ["stream", "outcome"],
)
SALESFORCE_API_BUDGET = Gauge(
    "trivium_salesforce_api_budget_remaining",
    "Salesforce daily API requests remaining, as last reported by the org.",
)


def render_metrics() -> tuple[bytes, str]:
    """The exposition text of every registered metric and its content type."""
    return generate_latest(), CONTENT_TYPE_LATEST


@contextmanager
def metrics_listener(*, host: str, port: int) -> Iterator[int | None]:
    """Serve this process's metrics at `http://host:port/metrics` from a thread of their own for
    the duration of the block, for processes that serve no HTTP API (workers); port 0: none.
    Yields the port listened on (None when none)."""
    if port == 0:
        yield None
        return
    server, thread = start_http_server(port, addr=host)
    log.info("metrics.listening", extra={"host": host, "port": server.server_port})
    try:
        yield server.server_port
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
